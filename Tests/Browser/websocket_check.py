#!/usr/bin/env python3
"""Checks WebSockets and live reload in headless Chromium.

usage: websocket_check.py JOURNEY_BINARY

1. Starts `journey --port 0 --ws-echo /ws` (the embedded site), opens /websocket.html, whose script opens a
   WebSocket to the echo and sends a message, and asserts that the echo appeared in the page's DOM.
2. Starts `journey serve DIR --live-reload`, opens DIR's page, changes the file, and asserts that the browser
   reloaded it (the new text is in the DOM); prints how long the reload took after the save.
Exits non-zero on any failure.
"""
import os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dashboard_check import listening_port, open_page, wait_for  # noqa: E402


def start_journey(arguments):
    journey = subprocess.Popen(arguments, stdout=subprocess.PIPE, text=True)
    return journey, listening_port(journey)


def main():
    binary = sys.argv[1]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        print("websocket check: no Chromium found", file=sys.stderr)
        return 1
    processes = []
    folders = []
    try:
        # 1. The echo, from a page of the embedded site.
        journey, port = start_journey([binary, "--port", "0", "--threads", "1", "--ws-echo", "/ws"])
        processes.append(journey)
        profile = tempfile.mkdtemp(prefix="journey-chromium-")
        folders.append(profile)
        browser, page = open_page(chromium, profile, f"http://127.0.0.1:{port}/websocket.html", "/websocket.html")
        processes.append(browser)
        echo = wait_for(lambda: page.evaluate("document.getElementById('echo').textContent"), "the echo in the DOM")
        assert "echo: hello from the browser" in echo, echo
        print(f"websocket check: the browser's message came back ({echo.strip()!r})")

        # 2. Live reload of a served folder.
        site = tempfile.mkdtemp(prefix="journey-live-")
        folders.append(site)
        page_file = os.path.join(site, "index.html")
        with open(page_file, "w") as file:
            file.write("<!DOCTYPE html><title>live</title><p id='version'>one</p>\n")
        journey, port = start_journey([binary, "serve", site, "--port", "0", "--threads", "1", "--live-reload"])
        processes.append(journey)
        profile = tempfile.mkdtemp(prefix="journey-chromium-")
        folders.append(profile)
        browser, page = open_page(chromium, profile, f"http://127.0.0.1:{port}/", f"127.0.0.1:{port}")
        processes.append(browser)
        wait_for(lambda: page.evaluate("document.getElementById('version')?.textContent") == "one", "the first version")
        # The page's reload socket must be open before the change, or there is no one to tell.
        wait_for(lambda: page.evaluate("window.journeyLiveReloadReady === true"), "the reload socket to be ready")
        with open(page_file + ".tmp", "w") as file:
            file.write("<!DOCTYPE html><title>live</title><p id='version'>two</p>\n")
        saved = time.monotonic()
        os.replace(page_file + ".tmp", page_file)
        try:
            wait_for(lambda: page.evaluate("document.getElementById('version')?.textContent") == "two",
                     "the browser to reload the changed page", timeout=10)
        except AssertionError:
            print("page now:", page.evaluate("document.documentElement.outerHTML"), file=sys.stderr)
            print("socket:", page.evaluate("window.journeyLiveReload?.readyState"), file=sys.stderr)
            raise
        print(f"websocket check: live reload showed the change {int((time.monotonic() - saved) * 1000)} ms after the save")
        return 0
    finally:
        for process in processes:
            process.kill() if process.args[0] == chromium else process.terminate()
            process.wait()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

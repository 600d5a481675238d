#!/usr/bin/env python3
"""Opens the live dashboard in headless Chromium and checks that its numbers move under load.

usage: dashboard_check.py JOURNEY_BINARY [SCREENSHOT.png]

Starts `journey --port 0` (the demo, which has the dashboard on), opens /_journey/ in headless Chromium,
drives it over the DevTools protocol (a WebSocket; the few lines of client are below, standard library
only), puts load on the server, and asserts that the requests counter, the stage table and the waterfall
in the page's DOM change. Saves a screenshot when asked. Exits non-zero on any failure.
"""
import base64, json, os, shutil, socket, struct, subprocess, sys, tempfile, threading, time, urllib.request


class DevTools:
    """A minimal RFC 6455 client for one DevTools target: text frames out (masked), text frames in."""

    def __init__(self, url):
        host_port, path = url[len("ws://"):].split("/", 1)
        host, port = host_port.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(f"DevTools refused the WebSocket: {head!r}")
        self.next_id = 0

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            data += chunk
        return data

    def _send(self, text):
        payload = text.encode()
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _receive(self):
        message = b""
        while True:
            first, second = self._recv_exact(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._recv_exact(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._recv_exact(8))[0]
            message += self._recv_exact(length)
            if first & 0x80:
                return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        self._send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


def wait_for(predicate, what, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def open_page(chromium, profile, url, marker, extra_arguments=()):
    """Starts headless Chromium on `url`; returns the process and a DevTools client for the page whose URL
    contains `marker`."""
    browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--remote-debugging-port=0", f"--user-data-dir={profile}", *extra_arguments, url],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    active = os.path.join(profile, "DevToolsActivePort")
    wait_for(lambda: os.path.exists(active) and len(open(active).read().split()) >= 2, "Chromium's DevTools port")
    devtools_port = open(active).read().split()[0]

    def page_target():
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list"))
        return next((t for t in targets if t.get("type") == "page" and marker in t.get("url", "")), None)

    return browser, DevTools(wait_for(page_target, f"the page {url}")["webSocketDebuggerUrl"])


def listening_port(journey):
    """The port a journey started with `--port 0` prints it listens on (its first line of output)."""
    return int(journey.stdout.readline().rsplit(":", 1)[1].strip().strip("/"))


def shut_down(browser, journey, *folders):
    """Ends a check: the browser and the server stopped, the check's folders removed."""
    if browser:
        browser.kill()
        browser.wait()
    journey.terminate()
    journey.wait()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    journey_binary = sys.argv[1]
    screenshot = sys.argv[2] if len(sys.argv) > 2 else None
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        print("dashboard check: no Chromium found", file=sys.stderr)
        return 1
    profile = tempfile.mkdtemp(prefix="journey-chromium-")
    journey = subprocess.Popen([journey_binary, "--port", "0", "--threads", "1", "--resp", "0"], stdout=subprocess.PIPE,
                               text=True)
    browser = None
    try:
        port = listening_port(journey)
        resp_port = int(journey.stdout.readline().split("redis-cli -p ")[1].strip(" )\n"))
        base = f"http://127.0.0.1:{port}"
        browser, page = open_page(chromium, profile, f"{base}/_journey/", "/_journey/", ["--window-size=1280,1000"])
        wait_for(lambda: (page.evaluate("document.getElementById('status').textContent") or "").startswith("live"),
                 "the dashboard's WebSocket to go live")
        requests_text = "document.getElementById('totals').textContent"
        before = page.evaluate(requests_text)

        stop = threading.Event()

        def load():
            while not stop.is_set():
                for path in ("/", "/style.css", "/missing"):
                    try:
                        urllib.request.urlopen(base + path).read()
                    except Exception:
                        pass
                # The RESP listener's messages: a row of their own in the listeners table.
                try:
                    with socket.create_connection(("127.0.0.1", resp_port), timeout=10) as resp:
                        resp.sendall(b"PING\r\nSET k v\r\nGET k\r\n")
                        received = b""
                        while received.count(b"\r\n") < 4:
                            chunk = resp.recv(100)
                            if not chunk:
                                break
                            received += chunk
                except Exception:
                    pass

        workers = [threading.Thread(target=load) for _ in range(2)]
        for worker in workers:
            worker.start()
        try:
            after = wait_for(lambda: (lambda text: text if text != before and text.split(" ")[0] not in ("", "0") else None)(
                page.evaluate(requests_text)), "the requests total to move")
            rows = wait_for(lambda: page.evaluate("document.querySelectorAll('#stages tbody tr').length"), "stage rows")
            waterfall = wait_for(lambda: page.evaluate("document.querySelectorAll('#waterfall .bar').length"),
                                 "waterfall rows")
            rate = wait_for(lambda: page.evaluate("Number(document.getElementById('rps').textContent.replace('k','e3')) > 0"),
                            "a non-zero request rate")
            resp_messages = wait_for(lambda: page.evaluate(
                "(r => r && Number(r.children[4].textContent.replace('k','e3')) > 0 ? r.children[4].textContent : null)"
                "(document.querySelector('#protocols tr[data-protocol=\"resp\"]'))"), "the RESP listener's messages")
            time.sleep(4)  # let the sparklines draw a few points for the screenshot
            if screenshot:
                shot = page.call("Page.captureScreenshot", format="png")
                with open(screenshot, "wb") as file:
                    file.write(base64.b64decode(shot["data"]))
        finally:
            stop.set()
            for worker in workers:
                worker.join()
        print(f"dashboard check: ok (totals went from {before!r} to {after!r}; {rows} stage rows, "
              f"{waterfall} waterfall rows, rate shown: {rate}, RESP messages shown: {resp_messages})")
        return check_over_https(journey_binary, chromium) or check_hot_files_over_h2(journey_binary, chromium)
    finally:
        shut_down(browser, journey, profile)


def check_over_https(journey_binary, chromium):
    """The dashboard over HTTPS with `--dev-tls`: Chromium negotiates h2 by ALPN, and the Decrypt table shows its
    handshakes."""
    home = tempfile.mkdtemp(prefix="journey-dev-tls-")
    profile = tempfile.mkdtemp(prefix="journey-chromium-")
    journey = subprocess.Popen([journey_binary, "--dev-tls", "--port", "0", "--threads", "1"], stdout=subprocess.PIPE,
                               text=True, env=dict(os.environ, XDG_DATA_HOME=home))
    browser = None
    try:
        port = listening_port(journey)
        # The development authority is not in this fresh profile's trust store: the check is about the protocol.
        browser, page = open_page(chromium, profile, f"https://localhost:{port}/_journey/", "/_journey/",
                                  ["--ignore-certificate-errors"])
        wait_for(lambda: (page.evaluate("document.getElementById('status').textContent") or "").startswith("live"),
                 "the dashboard's WebSocket to go live over TLS")
        protocol = page.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol")
        if protocol != "h2":
            raise AssertionError(f"Chromium loaded the dashboard over {protocol!r}, not h2")
        alpn = wait_for(lambda: page.evaluate(
            "(r => r && r.children[6].textContent.includes('h2') ? r.children[6].textContent : null)"
            "(document.querySelector('#handshakes tbody tr'))"), "the Decrypt table's handshakes")
        print(f"dashboard check over HTTPS: ok (Chromium spoke {protocol}; handshakes by ALPN: {alpn})")
        return 0
    finally:
        shut_down(browser, journey, profile, home)


def check_hot_files_over_h2(journey_binary, chromium):
    """A folder served over h2 (`serve DIR --dev-tls`), its page loaded again and again: after the first load its
    files are in the open-file cache, and Chromium's requests for them are answered by the HTTP/2 fast path (on the
    connection, no stream channel). Each load must still apply the stylesheet and run the script."""
    home = tempfile.mkdtemp(prefix="journey-dev-tls-")
    site = tempfile.mkdtemp(prefix="journey-h2-site-")
    profile = tempfile.mkdtemp(prefix="journey-chromium-")
    with open(os.path.join(site, "index.html"), "w") as file:
        file.write("<!DOCTYPE html><title>hot</title><link rel=stylesheet href=style.css>"
                   "<p id=styled>styled</p><p id=ran></p><script src=app.js></script>\n")
    with open(os.path.join(site, "style.css"), "w") as file:
        file.write("#styled { color: rgb(1, 2, 3) }\n")
    with open(os.path.join(site, "app.js"), "w") as file:
        file.write("document.getElementById('ran').textContent = 'ran ' + performance.now();\n")
    journey = subprocess.Popen([journey_binary, "serve", site, "--dev-tls", "--port", "0", "--threads", "1"],
                               stdout=subprocess.PIPE, text=True, env=dict(os.environ, XDG_DATA_HOME=home))
    browser = None
    try:
        port = listening_port(journey)
        browser, page = open_page(chromium, profile, f"https://localhost:{port}/index.html", "/index.html",
                                  ["--ignore-certificate-errors"])
        for load in range(4):
            if load > 0:
                # Bypass the browser's cache, so that every file is asked of the server again. The mark set on the
                # old page's window is gone once the new page is there.
                page.evaluate("window.oldPage = true")
                page.call("Page.reload", ignoreCache=True)
            wait_for(lambda: page.evaluate("!window.oldPage && (document.getElementById('ran')?.textContent || '')"
                                           ".startsWith('ran')"), f"the script to run (load {load + 1})")
            color = page.evaluate("getComputedStyle(document.getElementById('styled')).color")
            if color != "rgb(1, 2, 3)":
                raise AssertionError(f"load {load + 1}: the stylesheet was not applied ({color!r})")
            protocols = page.evaluate("[...new Set(performance.getEntries().map(e => e.nextHopProtocol)"
                                      ".filter(p => p))].join(',')")
            if protocols != "h2":
                raise AssertionError(f"load {load + 1}: Chromium spoke {protocols!r}, not h2 alone")
        print("hot files over h2: ok (four loads, stylesheet and script each time, all over h2)")
        return 0
    finally:
        shut_down(browser, journey, profile, home, site)


if __name__ == "__main__":
    sys.exit(main())

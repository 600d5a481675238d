#!/usr/bin/env python3
"""Holds N idle keep-alive HTTP/1.1 connections open, each after one answered request, for a memory figure.

usage: idle.py PORT COUNT PATH
Prints "ready N" once every connection has its answer, then holds them until stdin closes (the caller reads the
server's RSS in between). Each connection sends one GET and reads the whole answer, as a browser that keeps
its connection for later does.
"""
import resource
import selectors
import socket
import sys

port, count, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 64)), hard))

request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
selector = selectors.DefaultSelector()
sockets = []
waiting = 0
BATCH = 500  # connections in flight at once: well under any backlog


def answered(data):
    head, separator, body = data.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False


def open_one():
    global waiting
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(request)
    sock.setblocking(False)
    sockets.append(sock)
    selector.register(sock, selectors.EVENT_READ, bytearray())
    waiting += 1


opened = 0
while opened < count or waiting:
    while opened < count and waiting < BATCH:
        open_one()
        opened += 1
    for key, _ in selector.select(timeout=10):
        chunk = key.fileobj.recv(65536)
        if not chunk:
            sys.exit(f"the server closed a connection before answering ({len(sockets)} open)")
        key.data.extend(chunk)
        if answered(key.data):
            selector.unregister(key.fileobj)
            waiting -= 1
print(f"ready {len(sockets)}", flush=True)
sys.stdin.read()

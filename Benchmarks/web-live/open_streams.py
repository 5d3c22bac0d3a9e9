#!/usr/bin/env python3
"""open_streams.py PORT COUNT: opens COUNT /live streams on 127.0.0.1:PORT and reports what they see.

Prints "ready N" once every stream has had its first figures event. Then, for each line "wait N" on
stdin, waits until every stream has seen signatures.confirmed == N and prints
"seen N streams=COUNT slowest_ms=…" (measured from the line's arrival). EOF on stdin closes everything.
Used by LiveLoadMeasurement.swift (CAMPAIGN_WEB_LIVE_LOAD=10000); a measurement, not a test.
"""
import re
import resource
import selectors
import socket
import sys
import time

CONFIRMED = re.compile(rb'"signatures":\{"confirmed":(\d+)')


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 256)), hard))
    sel = selectors.DefaultSelector()
    seen = {}
    tails = {}
    request = b"GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(request)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        seen[s] = None
        tails[s] = b""

    def pump(timeout):
        for key, _ in sel.select(timeout):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(s)
                continue
            text = tails[s] + data
            for m in CONFIRMED.finditer(text):
                seen[s] = int(m.group(1))
            tails[s] = text[-64:]

    while any(v is None for v in seen.values()):
        pump(1)
    print("ready", len(seen), flush=True)
    for line in sys.stdin:
        target = int(line.split()[1])
        start = time.monotonic()
        while any(v != target for v in seen.values()):
            pump(1)
            if time.monotonic() - start > 60:
                break
        slowest = (time.monotonic() - start) * 1000
        done = sum(1 for v in seen.values() if v == target)
        print(f"seen {target} streams={done} slowest_ms={slowest:.0f}", flush=True)


if __name__ == "__main__":
    main()

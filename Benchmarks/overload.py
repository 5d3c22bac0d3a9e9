#!/usr/bin/env python3
"""overload.py — `make bench-overload`: clients that pipeline and never read, against a release build.

CLIENTS connections (default 1,000) each send REQUESTS `campaign.get` (default 1,600: 80 KB of requests,
3 MB of replies at 7.6 KB each) without ever reading. Then, five times a second apart, a newcomer connects
and calls `service.health`. Prints the newcomer's wait and campaignd's resident memory (idle, and the
peak sampled every 50 ms). Timing is wall-clock on a shared machine: it prints figures, asserts nothing.
"""
import json, os, socket, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("CAMPAIGND", os.path.join(ROOT, ".build/release/campaignd"))
CLIENTS = int(os.environ.get("CLIENTS", "1000"))
REQUESTS = int(os.environ.get("REQUESTS", "1600"))


def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return -1


def main():
    state = tempfile.mkdtemp(prefix="campaignd-overload-")
    sock = os.path.join(state, "public.sock")
    server = subprocess.Popen(
        [BIN, "--listen", sock, "--state-dir", state, "--max-connections", str(CLIENTS + 100),
         "--campaign", os.path.join(ROOT, "Schemas/examples/northwind.campaign.json")],
        stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        idle = rss(server.pid)
        peak = [idle]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss(server.pid))
                time.sleep(0.05)

        threading.Thread(target=sample, daemon=True).start()
        request = b'{"jsonrpc":"2.0","id":1,"method":"campaign.get"}\n'
        clients, sent = [], 0
        for _ in range(CLIENTS):
            c = socket.socket(socket.AF_UNIX)
            c.connect(sock)
            c.setblocking(False)
            data = request * REQUESTS
            while data:
                try:
                    n = c.send(data)
                except BlockingIOError:
                    break
                sent += n // len(request)
                data = data[n:]
            clients.append(c)
        waits = []
        for _ in range(5):
            start = time.time()
            n = socket.socket(socket.AF_UNIX)
            n.settimeout(120)
            n.connect(sock)
            n.sendall(b'{"jsonrpc":"2.0","id":1,"method":"service.health"}\n')
            reply = n.makefile("rb").readline()
            waits.append(time.time() - start)
            assert json.loads(reply).get("result"), reply
            n.close()
            time.sleep(1)
        done.set()
        print(f"{CLIENTS} clients that never read, {sent} requests sent ({REQUESTS} each)")
        print("newcomer's wait for service.health: " + ", ".join(f"{w * 1000:.0f} ms" for w in waits))
        print(f"resident memory: {idle} MB idle, peak {peak[0]} MB, now {rss(server.pid)} MB")
        for c in clients:
            c.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

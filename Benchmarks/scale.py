#!/usr/bin/env python3
"""scale.py — `make bench-scale`: campaignd on a large database (`make bench-data` first).

Measures, against STATE (default var-bench):
- cold start under socket activation: systemd-socket-activate holds the socket, campaignd is not running;
  the time from connecting to the first reply of signatures.count (5 runs);
- resident memory (VmRSS, and the private part) idle, and with 1,000 connections open;
- signatures.count latency, sequential requests on one connection;
- signatures.list page latency at the newest page, the middle and the oldest (keyset: every depth the same);
- signatures.export: 100,000 rows in pages of 1,000, time per page and resident memory while paging.
Timing is wall-clock on a shared machine: it prints figures, it asserts nothing.
"""
import json, os, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "var-bench"))
BIN = os.environ.get("CAMPAIGND", os.path.join(ROOT, ".build/release/campaignd"))
DB = os.path.join(STATE, "campaign.sqlite")
results = {}


def connect(path, timeout=30):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(path)
    return s, s.makefile("rb")


def call(sock, reader, method, params=None, id=1):
    msg = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        msg["params"] = params
    sock.sendall((json.dumps(msg) + "\n").encode())
    return json.loads(reader.readline())


def rss(pid):
    status = open(f"/proc/{pid}/status").read()
    total = int(status.split("VmRSS:")[1].split()[0])
    private = sum(int(line.split()[1]) for line in open(f"/proc/{pid}/smaps_rollup") if line.startswith(("Private_Clean", "Private_Dirty")))
    return total, private


def percentiles(samples):
    samples = sorted(samples)
    at = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))]
    return {"p50Ms": round(at(0.50) * 1000, 3), "p99Ms": round(at(0.99) * 1000, 3), "maxMs": round(samples[-1] * 1000, 3)}


def timed(sock, reader, method, params, n):
    out = []
    for i in range(n):
        t = time.perf_counter()
        reply = call(sock, reader, method, params, i)
        out.append(time.perf_counter() - t)
        if "error" in reply:
            raise SystemExit(f"{method} failed: {reply}")
    return percentiles(out)


if not os.path.exists(DB):
    raise SystemExit(f"no database at {DB}: run `make bench-data` first")
rows = int(subprocess.check_output(["sqlite3", DB, "SELECT COUNT(*) FROM signature"]).decode())
max_seq = int(subprocess.check_output(["sqlite3", DB, "SELECT MAX(seq) FROM signature"]).decode())
size_mb = os.path.getsize(DB) / 1e6
print(f"database: {rows:,} signatures, {size_mb:,.0f} MB ({DB})")
results["rows"] = rows

tmp = tempfile.mkdtemp(prefix="cd-scale-")

# Cold start: campaignd not running; systemd-socket-activate starts it on the first connection.
starts = []
for run in range(5):
    sockpath = os.path.join(tmp, f"cold{run}.sock")
    activator = subprocess.Popen(["systemd-socket-activate", "-l", sockpath, "--fdname=public", "--", BIN, "--state-dir", STATE],
                                 stderr=subprocess.DEVNULL)
    while not os.path.exists(sockpath):
        time.sleep(0.01)
    time.sleep(0.2)
    # Drop the page cache's hold on nothing: the database stays cached, as on a running machine.
    t = time.perf_counter()
    s, r = connect(sockpath)
    call(s, r, "signatures.count")
    starts.append(time.perf_counter() - t)
    s.close()
    activator.terminate()
    activator.wait()
results["coldStartMs"] = [round(x * 1000, 1) for x in starts]
print(f"cold start (socket activation, first connection to first reply): {', '.join(f'{x*1000:.1f}' for x in starts)} ms")

# One long-running service for the rest.
pub = os.path.join(tmp, "p.sock")
server = subprocess.Popen([BIN, "--listen", pub, "--state-dir", STATE], stderr=subprocess.DEVNULL)
while not os.path.exists(pub):
    time.sleep(0.01)
time.sleep(0.3)
s, r = connect(pub)
call(s, r, "signatures.count")
time.sleep(0.5)
idle = rss(server.pid)
results["rssIdleKB"], results["rssIdlePrivateKB"] = idle
print(f"resident memory idle: {idle[0]/1024:.1f} MB (private {idle[1]/1024:.1f} MB)")

conns = []
for i in range(1000):
    c, cr = connect(pub)
    conns.append((c, cr))
for c, cr in conns:
    c.sendall(b'{"jsonrpc":"2.0","id":1,"method":"signatures.count"}\n')
for c, cr in conns:
    cr.readline()
time.sleep(0.5)
held = rss(server.pid)
results["rss1000ConnectionsKB"], results["rss1000ConnectionsPrivateKB"] = held
print(f"resident memory with 1,000 connections open: {held[0]/1024:.1f} MB (private {held[1]/1024:.1f} MB)")
for c, cr in conns:
    c.close()

count = timed(s, r, "signatures.count", None, 2000)
results["count"] = count
print(f"signatures.count, one connection, sequential: p50 {count['p50Ms']} ms, p99 {count['p99Ms']} ms")

def cursor(seq):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while seq:
        seq, d = divmod(seq, 36)
        out = digits[d] + out
    return "c" + (out or "0")

for name, after in [("newest", None), ("middle", cursor(max_seq // 2)), ("oldest", cursor(max_seq // 1000))]:
    params = {"limit": 20} if after is None else {"limit": 20, "after": after}
    page = timed(s, r, "signatures.list", params, 1000)
    results[f"list_{name}"] = page
    print(f"signatures.list page of 20 at the {name} end: p50 {page['p50Ms']} ms, p99 {page['p99Ms']} ms")

admin = os.path.join(tmp, "a.sock")
server.terminate()
server.wait()
server = subprocess.Popen([BIN, "--admin-listen", admin, "--state-dir", STATE], stderr=subprocess.DEVNULL)
while not os.path.exists(admin):
    time.sleep(0.01)
time.sleep(0.3)
a, ar = connect(admin)
after = None
pages = []
peak = 0
t0 = time.perf_counter()
for i in range(100):
    t = time.perf_counter()
    params = {"limit": 1000} if after is None else {"limit": 1000, "after": after}
    reply = call(a, ar, "signatures.export", params, i)
    pages.append(time.perf_counter() - t)
    after = reply["result"]["next"]
    peak = max(peak, rss(server.pid)[0])
export = percentiles(pages)
export["rows"] = 100_000
export["seconds"] = round(time.perf_counter() - t0, 2)
export["peakRssKB"] = peak
results["export"] = export
print(f"signatures.export: 100,000 rows in {export['seconds']} s, page of 1,000 p50 {export['p50Ms']} ms, p99 {export['p99Ms']} ms; resident memory at most {peak/1024:.1f} MB")
server.terminate()
server.wait()

out = os.path.join(ROOT, ".build/bench/scale.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
json.dump(results, open(out, "w"), indent=2)
print(f"figures in {out}")

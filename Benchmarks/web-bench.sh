#!/usr/bin/env bash
# web-bench.sh — `make bench-web`: the campaign's site under a crowd, in one run.
#
#   1. GET / through campaign-web against nginx serving the same bytes as a static file (the floor), both
#      loaded by wrk with the same connections and threads; requests per second, the ratio, p50 and p99.
#   2. WEB_STREAMS (10,000) open /live streams on one campaign-web: a signature confirmed, the time until
#      every stream has the new count, campaign-web's resident memory, and campaignd's open connections.
#
# Environment: BENCH_SECONDS (10), WEB_CONNECTIONS (64), WEB_THREADS (2), WEB_STREAMS (10000),
# BENCH_SKIP_BUILD=1 (use .build/release as it is). Figures go to .build/bench/web.json.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${BENCH_SECONDS:-10}
CONNECTIONS=${WEB_CONNECTIONS:-64}
THREADS=${WEB_THREADS:-2}
STREAMS=${WEB_STREAMS:-10000}
OUT=$ROOT/.build/bench
BIN=$ROOT/.build/release

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
die() { echo "web-bench: $*" >&2; exit 1; }

scripts/install-deps.sh
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    # Debian's nginx package would start a system nginx; the bench runs its own.
    echo exit 101 | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
    $sudo rm -f /usr/sbin/policy-rc.d
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

mkdir -p "$OUT"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building release binaries (campaignd, campaign-web)"
    swift build -c release --product campaignd
    swift build -c release --product campaign-web
fi
[ -x "$BIN/campaignd" ] && [ -x "$BIN/campaign-web" ] || die "no release campaignd or campaign-web in $BIN"

WORK=$(mktemp -d /tmp/campaign-web-bench.XXXXXX)
# nginx's workers (nobody, when started as root) read the page from here.
chmod 755 "$WORK"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A JSON-RPC call on a Unix socket: rpc SOCKET METHOD [PARAMS-JSON] prints the result as JSON.
rpc() {
    python3 - "$@" <<'PY'
import json, socket, sys
path, method = sys.argv[1], sys.argv[2]
params = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
s = socket.socket(socket.AF_UNIX); s.connect(path)
request = {"jsonrpc": "2.0", "id": 1, "method": method}
if params is not None: request["params"] = params
s.sendall(json.dumps(request).encode() + b"\n")
data = b""
while not data.endswith(b"\n"): data += s.recv(65536)
reply = json.loads(data)
if "error" in reply: sys.exit("rpc %s: %s" % (method, reply["error"]))
print(json.dumps(reply["result"]))
PY
}

log "campaignd and campaign-web (release)"
mkdir -p "$WORK/state"
"$BIN/campaignd" --listen "$WORK/public.sock" --admin-listen "$WORK/admin.sock" --state-dir "$WORK/state" \
    --campaign Schemas/examples/northwind.campaign.json 2>"$WORK/campaignd.log" &
pids+=($!)
for _ in $(seq 100); do [ -S "$WORK/admin.sock" ] && break; sleep 0.1; done
WEB_PORT=$(free_port)
# A crowd's file descriptors: one per /live stream.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$BIN/campaign-web" --listen "127.0.0.1:$WEB_PORT" --socket "$WORK/public.sock" --log-level error 2>"$WORK/web.log" &
WEB_PID=$!
pids+=($WEB_PID)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null || die "campaign-web did not start: $(cat "$WORK/web.log")"

# A few public signers, so that the page is the size a campaign's is.
for i in $(seq 1 20); do
    rpc "$WORK/public.sock" letter.sign "{\"name\":\"Signer $i\",\"email\":\"s$i@example.org\",\"showName\":true,\"organization\":\"Org $((i % 5))\"}" >/dev/null
done
rpc "$WORK/admin.sock" outbox.claim '{"limit":100}' | python3 -c '
import json, sys
for m in json.load(sys.stdin)["messages"]:
    if m.get("token"): print(m["token"])' | while read -r token; do
    rpc "$WORK/public.sock" tokens.confirm "{\"token\":\"$token\"}" >/dev/null
done

log "the floor: nginx serving the page's bytes as a static file"
mkdir -p "$WORK/nginx/html" "$WORK/nginx/logs"
curl -sf "http://127.0.0.1:$WEB_PORT/" -o "$WORK/nginx/html/index.html"
PAGE_BYTES=$(stat -c %s "$WORK/nginx/html/index.html")
chmod -R a+rX "$WORK/nginx/html"
NGINX_PORT=$(free_port)
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp;
    proxy_temp_path $WORK/nginx/tmp;
    fastcgi_temp_path $WORK/nginx/tmp;
    uwsgi_temp_path $WORK/nginx/tmp;
    scgi_temp_path $WORK/nginx/tmp;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WORK/nginx/html;
        location = / { default_type "text/html; charset=utf-8"; try_files /index.html =404; }
    }
}
CONF
mkdir -p "$WORK/nginx/tmp"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NGINX_PORT/" >/dev/null && break; sleep 0.1; done
# The same bytes (campaign-web's own differ only by each response's CSP nonce).
[ "$(curl -sf "http://127.0.0.1:$NGINX_PORT/" | wc -c)" = "$PAGE_BYTES" ] || die "nginx does not serve the page: $(cat "$WORK/nginx/logs/error.log" 2>/dev/null)"

# wrk's requests per second and latency percentiles (ms).
measure() {
    local url=$1 out
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$url" >/dev/null
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url")
    python3 - "$out" <<'PY'
import re, sys
text = sys.argv[1]
def ms(label):
    m = re.search(r"^\s*%s\s+([\d.]+)(us|ms|s)\s*$" % re.escape(label), text, re.M)
    if not m: return None
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print("%.0f %.3f %.3f %s" % (rps, ms("50%"), ms("99%"), errors.group(1) if errors else 0))
PY
}

log "GET / for ${DURATION}s each, $CONNECTIONS connections, $THREADS wrk threads"
read -r NGINX_RPS NGINX_P50 NGINX_P99 NGINX_ERR < <(measure "http://127.0.0.1:$NGINX_PORT/")
read -r WEB_RPS WEB_P50 WEB_P99 WEB_ERR < <(measure "http://127.0.0.1:$WEB_PORT/")
[ "$WEB_ERR" = 0 ] || die "campaign-web answered $WEB_ERR requests with an error status"

log "$STREAMS open /live streams on one campaign-web"
RSS_BEFORE=$(awk '/VmRSS/ {print $2}' "/proc/$WEB_PID/status")
coproc STREAMS_PROC { exec python3 Benchmarks/web-live/open_streams.py "$WEB_PORT" "$STREAMS" 2>&1; }
read -r -t 300 ready <&"${STREAMS_PROC[0]}" || die "the streams did not open"
case $ready in ready*) ;; *) die "open_streams.py: $ready" ;; esac
CONFIRMED=$(rpc "$WORK/public.sock" signatures.count | python3 -c 'import json,sys; print(json.load(sys.stdin)["confirmed"])')
OPEN_CONNECTIONS=$(rpc "$WORK/admin.sock" service.stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"]["open"])')
rpc "$WORK/public.sock" letter.sign '{"name":"Late Signer","email":"late@example.org"}' >/dev/null
TOKEN=$(rpc "$WORK/admin.sock" outbox.claim '{"limit":10}' | python3 -c '
import json, sys
print(next(m["token"] for m in json.load(sys.stdin)["messages"] if m["to"]["email"] == "late@example.org"))')
echo "wait $((CONFIRMED + 1))" >&"${STREAMS_PROC[1]}"
rpc "$WORK/public.sock" tokens.confirm "{\"token\":\"$TOKEN\"}" >/dev/null
read -r -t 60 seen <&"${STREAMS_PROC[0]}" || die "not every stream saw the signature within 60 s"
SLOWEST_MS=$(sed -n 's/.*slowest_ms=\([0-9.]*\).*/\1/p' <<<"$seen")
SEEN_STREAMS=$(sed -n 's/.*streams=\([0-9]*\).*/\1/p' <<<"$seen")
RSS_STREAMS=$(awk '/VmRSS/ {print $2}' "/proc/$WEB_PID/status")
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$WEB_PID/status")
kill "$STREAMS_PROC_PID" 2>/dev/null || true

python3 - "$OUT/web.json" <<PY
import json, sys
figures = {
    "page_bytes": $PAGE_BYTES, "connections": $CONNECTIONS, "seconds": $DURATION,
    "nginx": {"rps": $NGINX_RPS, "p50_ms": $NGINX_P50, "p99_ms": $NGINX_P99},
    "campaign_web": {"rps": $WEB_RPS, "p50_ms": $WEB_P50, "p99_ms": $WEB_P99},
    "ratio": round($WEB_RPS / $NGINX_RPS, 2),
    "live": {"streams": $STREAMS, "streams_updated": int("${SEEN_STREAMS:-0}" or 0), "slowest_ms": float("${SLOWEST_MS:-0}" or 0),
             "rss_mb_before": round($RSS_BEFORE / 1024, 1), "rss_mb_streams_open": round($RSS_STREAMS / 1024, 1),
             "peak_rss_mb": round($HWM / 1024, 1), "campaignd_connections_open": "$OPEN_CONNECTIONS"},
}
json.dump(figures, open(sys.argv[1], "w"), indent=2)
w, n, l = figures["campaign_web"], figures["nginx"], figures["live"]
print()
print("GET / (%d bytes), %d connections, %d s each" % (figures["page_bytes"], figures["connections"], figures["seconds"]))
print("  %-34s %10s %9s %9s" % ("", "req/s", "p50 ms", "p99 ms"))
print("  %-34s %10.0f %9.2f %9.2f" % ("nginx, the page as a static file", n["rps"], n["p50_ms"], n["p99_ms"]))
print("  %-34s %10.0f %9.2f %9.2f" % ("campaign-web", w["rps"], w["p50_ms"], w["p99_ms"]))
print("  ratio to the floor: %.2f (target >= 0.5); p99 %.2f ms (target < 5)" % (figures["ratio"], w["p99_ms"]))
print()
print("/live: %d streams open; a confirmed signature reached %d of them, the slowest after %.0f ms (target < 1000)"
      % (l["streams"], l["streams_updated"], l["slowest_ms"]))
print("  campaign-web resident memory: %.1f MB before, %.1f MB with the streams open, peak %.1f MB (target < 300)"
      % (l["rss_mb_before"], l["rss_mb_streams_open"], l["peak_rss_mb"]))
print("  campaignd connections open meanwhile: %s (the site's calls, its one subscription, this script's)"
      % l["campaignd_connections_open"])
PY

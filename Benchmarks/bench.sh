#!/usr/bin/env bash
# bench.sh — `make bench`: campaignd and its two floors, one after another, in one run.
#
#   Benchmarks/bench.sh            the transport floor, campaignd, the storage floor, the mailer; table + ratios
#   Benchmarks/bench.sh floors     only the floors (`make bench-floors`)
#   Benchmarks/bench.sh mailer     only campaign-mailer and its SMTP floor (`make bench-mailer`)
#
# Writes every figure to .build/bench/results.json (floors only: .build/bench/floors.json; mailer only:
# .build/bench/mailer.json). `make bench` runs the mailer section last.
#
# Environment:
#   BENCH_SECONDS          measured seconds of each run (default 10)
#   BENCH_WARMUP           warm-up seconds before each run (default 2)
#   BENCH_FLOOR_BATCH      rows per transaction for the storage floor (default 64: one per signer in
#                          flight, the most a group commit can gather; a floor that followed campaignd's
#                          own batch could not show what campaignd loses by committing smaller batches.
#                          campaignd's own batch is reported beside it, from service.stats `writes`)
#   BENCH_FLOOR_BATCHES    floors mode: the batch sizes to run the storage floor at (default "1 32")
#   BENCH_COUNT_MIX, BENCH_SIGN_MIX, BENCH_RSVP_MIX   campaign-bench --mix values
#                          (default count=1, sign=1, rsvp=1)
#   BENCH_EVENT            event for the RSVP run (default connect-2027-protest)
#   BENCH_SKIP_BUILD=1     use the binaries already in .build/release
#   CAMPAIGND, CAMPAIGN_BENCH   other binaries to run (e.g. for trying the script)
#   MAILER_SMTP_MESSAGES   messages for the SMTP throughput run, mailer and floor alike (default 20000)
#   MAILER_MESSAGES        messages queued for the memory run (default 100000)
#   MAILER_CONCURRENCY     SMTP connections, mailer (--concurrency) and floor (-s) alike (default 4)
#   CAMPAIGN_MAILER        another mailer binary to run
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:-all}
case $MODE in all | floors | mailer) ;; *) echo "usage: $0 [floors | mailer]" >&2; exit 64 ;; esac

DURATION=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
COUNT_MIX=${BENCH_COUNT_MIX:-count=1}
SIGN_MIX=${BENCH_SIGN_MIX:-sign=1}
RSVP_MIX=${BENCH_RSVP_MIX:-rsvp=1}
EVENT=${BENCH_EVENT:-connect-2027-protest}
CAMPAIGN=Schemas/examples/northwind.campaign.json
OUT=$ROOT/.build/bench

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

# --- dependencies and builds ------------------------------------------------------------------------
scripts/install-deps.sh
if ! command -v cc >/dev/null; then
    echo "installing: gcc libc6-dev"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gcc libc6-dev >/dev/null
fi

mkdir -p "$OUT"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building release binaries (campaignd, campaign-bench, campaign-mailer)"
    swift build -c release --product campaign-bench
    [ "$MODE" = floors ] || swift build -c release --product campaignd
    [ "$MODE" = floors ] || swift build -c release --product campaign-mailer
fi
BIN=$ROOT/.build/release
CAMPAIGND=${CAMPAIGND:-$BIN/campaignd}
LOADGEN=${CAMPAIGN_BENCH:-$BIN/campaign-bench}
[ -x "$LOADGEN" ] || die "no $LOADGEN"
MAILER=${CAMPAIGN_MAILER:-$BIN/campaign-mailer}
[ "$MODE" = floors ] || [ -x "$CAMPAIGND" ] || die "no $CAMPAIGND"
[ "$MODE" = floors ] || [ -x "$MAILER" ] || die "no $MAILER"

if [ "$MODE" != mailer ]; then
    log "compiling the floors into $OUT"
    cc -O2 -Wall -o "$OUT/transport-floor" Benchmarks/transport-floor.c
    cc -O2 -Wall -o "$OUT/storage-floor" Benchmarks/storage-floor.c -lsqlite3
fi

# --- processes and cleanup --------------------------------------------------------------------------
# Sockets live in a short /tmp path (sun_path is 108 bytes); databases on the repository's disk, not a
# tmpfs /tmp, so that fsync costs what it costs.
SOCKS=$(mktemp -d /tmp/campaign-bench.XXXXXX)
DATA=$(mktemp -d "$OUT/run.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$SOCKS" "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget() { # forget PID: no longer ours to clean up (it has been waited for)
    local p keep=()
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

stop() { # stop PID: SIGTERM, wait for it
    local pid=$1
    if kill -TERM "$pid" 2>/dev/null; then
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    forget "$pid"
}

wait_for_socket() { # wait_for_socket PATH PID
    for _ in $(seq 300); do
        [ -S "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || die "the server for $1 exited"
        sleep 0.1
    done
    die "no socket at $1 after 30 s"
}

FAILED=()
# last_object FILE: the last line of FILE that is a JSON object (campaign-bench --json prints one).
last_object() { grep '^[[:space:]]*{' "$1" | tail -1 | jq -ce 'objects' 2>/dev/null; }
# bench NAME SOCKET ARGS...: one campaign-bench run; its JSON object in $DATA/NAME.json ("null" if it failed).
bench() {
    local name=$1 socket=$2; shift 2
    if "$LOADGEN" --socket "$socket" --duration "$DURATION" --warmup "$WARMUP" --json --label "$name" "$@" \
        >"$DATA/$name.out" 2>"$DATA/$name.err" && last_object "$DATA/$name.out" >"$DATA/$name.json"; then
        jq -r --arg n "$name" '"   \($n): \(.throughput | floor) req/s, p50 \(.p50Ms) ms, p99 \(.p99Ms) ms, max \(.maxMs) ms, ok \(.ok), errors \(.errors)"' \
            "$DATA/$name.json" >&2
    else
        echo "null" >"$DATA/$name.json"
        FAILED+=("$name")
        echo "   $name: FAILED (campaign-bench $*)" >&2
        sed 's/^/     /' "$DATA/$name.err" "$DATA/$name.out" | tail -5 >&2
    fi
}

storage_floor() { # storage_floor NAME BATCH
    local name=$1 batch=$2
    if "$OUT/storage-floor" --batch "$batch" --seconds "$DURATION" --json "$DATA/$name.sqlite" >"$DATA/$name.json"; then
        jq -r --arg n "$name" '"   \($n): \(.rowsPerSecond | floor) rows/s in transactions of \(.batch)"' "$DATA/$name.json" >&2
    else
        echo "null" >"$DATA/$name.json"
        FAILED+=("$name")
    fi
    rm -f "$DATA/$name.sqlite" "$DATA/$name.sqlite-wal" "$DATA/$name.sqlite-shm"
}

transport_floor() {
    log "transport floor: $COUNT_MIX, 16 connections x depth 32"
    "$OUT/transport-floor" "$SOCKS/floor.sock" 2>/dev/null &
    local pid=$!
    PIDS+=("$pid")
    wait_for_socket "$SOCKS/floor.sock" "$pid"
    bench transport-floor "$SOCKS/floor.sock" --mix "$COUNT_MIX" --connections 16 --depth 32
    stop "$pid"
}

meta() {
    jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
        --arg dirty "$(git status --porcelain 2>/dev/null | head -1)" --arg kernel "$(uname -sr)" \
        --argjson cpus "$(nproc)" --argjson seconds "$DURATION" --argjson warmup "$WARMUP" \
        --arg sqlite "$(sqlite3 --version | cut -d' ' -f1)" \
        '{date: $date, commit: $commit, dirty: ($dirty != ""), kernel: $kernel, cpus: $cpus, sqlite: $sqlite,
          seconds: $seconds, warmup: $warmup}'
}

# --- mailer: campaign-mailer over SMTP against a floor on the same sink, and its memory ----------------
# The sink and the floor are Postfix's smtp-sink and smtp-source, unpacked from Debian's postfix package
# into $OUT/postfix: the package is downloaded, never installed, so no MTA is configured or started.
MAILER_N=${MAILER_SMTP_MESSAGES:-20000}
MAILER_BIG=${MAILER_MESSAGES:-100000}
MAILER_C=${MAILER_CONCURRENCY:-4}
PF=$OUT/postfix

rpc() { Clients/shell/campaign-rpc -t 30 "$@" 2>/dev/null | jq -c '.result // empty' 2>/dev/null || true; }
now_ns() { date +%s%N; }

postfix_tools() {
    local deb pkgs
    if [ ! -x "$PF/usr/sbin/smtp-sink" ] || [ ! -x "$PF/usr/sbin/smtp-source" ]; then
        log "unpacking smtp-sink and smtp-source from Debian's postfix package into $PF (not installed)"
        rm -rf "$PF" "$OUT/postfix-deb"
        mkdir -p "$OUT/postfix-deb"
        (cd "$OUT/postfix-deb" && apt-get download postfix >/dev/null 2>&1) ||
            { apt-get update -qq >/dev/null 2>&1 || true; (cd "$OUT/postfix-deb" && apt-get download postfix >/dev/null 2>&1); } ||
            die "apt-get download postfix failed"
        deb=$(ls "$OUT"/postfix-deb/postfix_*.deb)
        dpkg-deb -x "$deb" "$PF"
        dpkg-deb -f "$deb" Version >"$PF/VERSION"
        # Only the shared libraries the two programs link against (libdb, libicu, libsasl2, libssl, ...).
        if LD_LIBRARY_PATH=$PF/usr/lib/postfix ldd "$PF/usr/sbin/smtp-sink" "$PF/usr/sbin/smtp-source" | grep -q 'not found'; then
            pkgs=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | awk '{print $1}' | grep '^lib' | tr '\n' ' ')
            echo "installing the libraries smtp-sink needs: $pkgs"
            local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
            # shellcheck disable=SC2086
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $pkgs >/dev/null
        fi
    fi
    export LD_LIBRARY_PATH=$PF/usr/lib/postfix${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
}

# sink_count: messages smtp-sink has received so far (its -c counters, updated at each ".").
sink_count() { tr '\r' '\n' <"$DATA/sink.out" | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2 | grep . || echo 0; }
queued() {
    local q
    q=$(rpc -s "$SOCKS/mailer-admin.sock" service.stats | jq -r '.outbox.queued // empty')
    [ -n "$q" ] || die "service.stats gave no outbox depth"
    echo "$q"
}

# queue_to TARGET: signers signed through campaignd's public socket (campaign-bench, new emails, one
# signature.confirm each) until at least TARGET messages wait in the outbox. Each run lasts what the last
# run's rate says the rest needs (90 % of it), so the queue overshoots TARGET by little.
queue_to() {
    local target=$1 q secs rate=20000 got
    while :; do
        q=$(queued)
        [ "$q" -lt "$target" ] || break
        secs=$(jq -n --argjson left "$((target - q))" --argjson rate "$rate" '[0.2, $left / $rate * 0.9] | max')
        "$LOADGEN" --socket "$SOCKS/mailer-public.sock" --mix sign=1 --connections 64 --depth 1 --duration "$secs" --warmup 0 \
            --json --label queue >"$DATA/queue.out" 2>>"$DATA/queue.err" || die "campaign-bench could not sign (see $DATA/queue.err)"
        got=$(last_object "$DATA/queue.out" | jq -r '.throughput // 0 | floor')
        [ "${got:-0}" -gt 0 ] || die "campaign-bench signed nobody (see $DATA/queue.out)"
        rate=$got
        echo "   queued $q, signed for $secs s at $got/s" >&2
    done
}

# sample_rss PID: the largest VmHWM and VmRSS (KiB) read from /proc/PID/status every 0.1 s until it exits.
sample_rss() {
    local pid=$1 hwm=0 rss=0 k v _u state
    while [ -r "/proc/$pid/status" ]; do
        state=""
        while read -r k v _u; do
            case $k in
                State:) state=$v ;;
                VmHWM:) [ "$v" -gt "$hwm" ] && hwm=$v ;;
                VmRSS:) [ "$v" -gt "$rss" ] && rss=$v ;;
            esac
        done <"/proc/$pid/status" 2>/dev/null || break
        [ "$state" = Z ] && break
        sleep 0.1
    done
    echo "{\"peakHwmKiB\": $hwm, \"peakRssKiB\": $rss}"
}

# run_mailer NAME TRANSPORT: campaign-mailer --once, timed from start to exit; $DATA/NAME.json.
run_mailer() {
    local name=$1 transport=$2 t0 t1 pid spid status=0 before q
    q=$(queued)
    before=$(sink_count)
    t0=$(now_ns)
    "$MAILER" --socket "$SOCKS/mailer-admin.sock" --transport "$transport" --from "Northwind Bench <bench@example.org>" \
        --site-url https://bench.example.org --concurrency "$MAILER_C" --once --log-level warning 2>"$DATA/$name.err" &
    pid=$!
    PIDS+=("$pid")
    sample_rss "$pid" >"$DATA/$name.rss" &
    spid=$!
    wait "$pid" || status=$?
    t1=$(now_ns)
    forget "$pid"
    wait "$spid" || true
    sleep 0.2 # the sink's counter line for the last message
    jq -n --argjson queued "$q" --argjson ns "$((t1 - t0))" --argjson status "$status" \
        --argjson received "$(($(sink_count) - before))" --argjson left "$(queued)" --slurpfile rss "$DATA/$name.rss" \
        '{messages: $queued, seconds: ($ns / 1e9), messagesPerSecond: (if $ns > 0 then $queued / ($ns / 1e9) else null end),
          exitStatus: $status, sinkReceived: $received, leftInOutbox: $left} + $rss[0]' >"$DATA/$name.json"
    [ "$status" = 0 ] || { FAILED+=("$name"); sed 's/^/     /' "$DATA/$name.err" | tail -5 >&2; }
    jq -r --arg n "$name" '"   \($n): \(.messages) messages in \(.seconds * 100 | round / 100) s = \(.messagesPerSecond | floor) msg/s; sink received \(.sinkReceived), left in the outbox \(.leftInOutbox); peak RSS \(.peakHwmKiB / 1024 * 10 | round / 10) MB"' \
        "$DATA/$name.json" >&2
}

# smtp_floor NAME N PORT BYTES: smtp-source sends N messages (message.txt) over MAILER_C connections, kept
# open (-d), timed from start to exit; $DATA/NAME.json.
smtp_floor() {
    local name=$1 n=$2 port=$3 bytes=$4 t0 t1 before
    log "mailer floor ($name): smtp-source, $n messages of $bytes bytes over $MAILER_C connections"
    before=$(sink_count)
    t0=$(now_ns)
    if "$PF/usr/sbin/smtp-source" -s "$MAILER_C" -m "$n" -d -F "$DATA/message.txt" -f bench@example.org \
        -t signer@example.org "127.0.0.1:$port" >"$DATA/$name.out" 2>&1; then
        t1=$(now_ns)
        sleep 0.2
        jq -n --argjson n "$n" --argjson ns "$((t1 - t0))" --argjson received "$(($(sink_count) - before))" \
            '{messages: $n, seconds: ($ns / 1e9), messagesPerSecond: ($n / ($ns / 1e9)), sinkReceived: $received}' >"$DATA/$name.json"
        jq -r --arg n "$name" '"   \($n): \(.messages) messages in \(.seconds * 100 | round / 100) s = \(.messagesPerSecond | floor) msg/s; sink received \(.sinkReceived)"' \
            "$DATA/$name.json" >&2
    else
        echo null >"$DATA/$name.json"
        FAILED+=("$name")
        sed 's/^/     /' "$DATA/$name.out" | tail -5 >&2
    fi
}

mailer_section() {
    local port sinkargs sinkpid mpid n msgbytes tq0 tq1
    postfix_tools
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    sinkargs=(-c -a -m 1024)
    [ "$(id -u)" -ne 0 ] || sinkargs+=(-u nobody) # smtp-sink refuses to run as root
    log "mailer: smtp-sink on 127.0.0.1:$port (Postfix $(cat "$PF/VERSION")); campaignd, fresh state in $DATA/mailer-state"
    "$PF/usr/sbin/smtp-sink" "${sinkargs[@]}" "127.0.0.1:$port" 1024 >"$DATA/sink.out" 2>"$DATA/sink.err" &
    sinkpid=$!
    PIDS+=("$sinkpid")
    "$CAMPAIGND" --listen "$SOCKS/mailer-public.sock" --admin-listen "$SOCKS/mailer-admin.sock" --state-dir "$DATA/mailer-state" \
        --campaign "$CAMPAIGN" --log-level warning --sign-burst 1000000000 --sign-sustained 1000000000 \
        2>"$DATA/mailer-campaignd.log" &
    mpid=$!
    PIDS+=("$mpid")
    wait_for_socket "$SOCKS/mailer-public.sock" "$mpid"
    wait_for_socket "$SOCKS/mailer-admin.sock" "$mpid"
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

    # The floor sends the bytes the mailer sends: one signature.confirm, rendered by the mailer itself.
    [ -n "$(rpc -s "$SOCKS/mailer-public.sock" letter.sign '{"name": "Bench Signer", "email": "b0.sample.0@example.org"}')" ] ||
        die "letter.sign failed"
    run_mailer mailer-sample "maildir:$DATA/maildir" >/dev/null 2>&1
    local sample
    sample=$(find "$DATA/maildir" -type f -print -quit)
    [ -n "$sample" ] || die "the mailer wrote no message to $DATA/maildir"
    tr -d '\r' <"$sample" >"$DATA/message.txt" # smtp-source -F ends each line with CRLF itself
    msgbytes=$(wc -c <"$sample")
    [ "$(queued)" = 0 ] || die "the sample message was not acknowledged"

    log "mailer: queueing $MAILER_N signature.confirm messages (letter.sign through campaignd, 64 x 1)"
    queue_to "$MAILER_N"
    n=$(queued)

    smtp_floor mailer-floor-before "$n" "$port" "$msgbytes"
    log "mailer: campaign-mailer --once --transport smtp://127.0.0.1:$port?tls=none --concurrency $MAILER_C, $n messages"
    run_mailer mailer-smtp "smtp://127.0.0.1:$port?tls=none"
    # The floor again after the mailer: the faster of the two runs is the floor (a floor is the most the
    # machine allowed; a run of a second or two on a shared machine can lose a third of it to a neighbour).
    smtp_floor mailer-floor-after "$n" "$port" "$msgbytes"
    jq -s 'map(select(. != null)) | max_by(.messagesPerSecond)' "$DATA/mailer-floor-before.json" "$DATA/mailer-floor-after.json" \
        >"$DATA/mailer-floor.json"

    log "mailer: queueing $MAILER_BIG messages for the memory run"
    tq0=$(now_ns)
    queue_to "$MAILER_BIG"
    tq1=$(now_ns)
    log "mailer: draining $(queued) messages over SMTP (--concurrency $MAILER_C), VmHWM/VmRSS sampled every 0.1 s"
    run_mailer mailer-memory "smtp://127.0.0.1:$port?tls=none"

    stop "$mpid"
    stop "$sinkpid"
    jq -n --slurpfile floor "$DATA/mailer-floor.json" --slurpfile before "$DATA/mailer-floor-before.json" \
        --slurpfile after "$DATA/mailer-floor-after.json" --slurpfile smtp "$DATA/mailer-smtp.json" --slurpfile memory "$DATA/mailer-memory.json" \
        --arg postfix "$(cat "$PF/VERSION")" --argjson concurrency "$MAILER_C" --argjson messageBytes "$msgbytes" \
        --argjson queueSeconds "$(((tq1 - tq0) / 1000000))" '
        def ratio(a; b): if (a | type) == "number" and (b | type) == "number" and b > 0 then (a / b * 1000 | round) / 1000 else null end;
        {
          concurrency: $concurrency, messageBytes: $messageBytes, transport: "smtp (?tls=none, PIPELINING offered)",
          sink: "smtp-sink (Postfix \($postfix))", floorTool: "smtp-source -d (Postfix \($postfix); no PIPELINING)",
          floor: $floor[0], floorRuns: [$before[0], $after[0]], smtp: $smtp[0], memory: ($memory[0] + {queueSeconds: ($queueSeconds / 1000)}),
          ratio: ratio($smtp[0].messagesPerSecond; $floor[0].messagesPerSecond)
        }' >"$DATA/mailer.json"
}

# mailer_table FILE: the mailer's rows, in the table style below.
mailer_table() {
    jq -r '
      def n: if . == null then "n/a" elif (. | type) == "number" then (if . >= 100 then (. | round | tostring) else ((. * 100 | round) / 100 | tostring) end) else tostring end;
      def pad(w): tostring | . + ([range(0; w - length)] | map(" ") | join(""));
      def row(a; b; c; d): "\(a | pad(40)) \(b | pad(11)) \(c | pad(40)) \(d)";
      .mailer as $m |
      row("mailer SMTP \($m.smtp.messages)x\($m.messageBytes) B, \($m.concurrency) conns, msg/s"; ($m.smtp.messagesPerSecond | n); "\($m.floor.messagesPerSecond | n) (smtp-source, best of 2)"; ($m.ratio | n)),
      row("mailer peak RSS draining \($m.memory.messages), MB"; ($m.memory.peakHwmKiB / 1024 | n); "-"; "-"),
      row("mailer drain of \($m.memory.messages), s (msg/s)"; ($m.memory.seconds | n); "(\($m.memory.messagesPerSecond | n) msg/s)"; "-"),
      "",
      "mailer: sink \($m.sink); floor \($m.floorTool); sink received: floor \($m.floor.sinkReceived // "n/a"), mailer \($m.smtp.sinkReceived) and \($m.memory.sinkReceived); left in the outbox \($m.smtp.leftInOutbox) and \($m.memory.leftInOutbox); queueing \($m.memory.messages) took \($m.memory.queueSeconds | n) s"
    ' "$1"
}

# --- mailer only ------------------------------------------------------------------------------------
if [ "$MODE" = mailer ]; then
    mailer_section
    meta >"$DATA/meta.json"
    jq -n --slurpfile meta "$DATA/meta.json" --slurpfile mailer "$DATA/mailer.json" '{meta: $meta[0], mailer: $mailer[0]}' >"$OUT/mailer.json"
    echo
    jq -r '.meta as $m | "campaign-mailer benchmark \($m.date), commit \($m.commit)\(if $m.dirty then "+dirty" else "" end), \($m.cpus) CPUs"' "$OUT/mailer.json"
    echo
    jq -r 'def pad(w): tostring | . + ([range(0; w - length)] | map(" ") | join("")); "\("figure" | pad(40)) \("mailer" | pad(11)) \("floor" | pad(40)) mailer/floor"' -n
    mailer_table "$OUT/mailer.json"
    echo "figures: $OUT/mailer.json"
    [ ${#FAILED[@]} -eq 0 ] || die "failed: ${FAILED[*]}"
    exit 0
fi

# --- floors only ------------------------------------------------------------------------------------
if [ "$MODE" = floors ]; then
    transport_floor
    batches=${BENCH_FLOOR_BATCHES:-1 32}
    log "storage floor: batches $batches, ${DURATION} s each"
    for b in $batches; do storage_floor "storage-floor-$b" "$b"; done
    meta >"$DATA/meta.json"
    jq -n --slurpfile meta "$DATA/meta.json" --slurpfile tf "$DATA/transport-floor.json" \
        --argjson sf "$(for b in $batches; do cat "$DATA/storage-floor-$b.json"; done | jq -cs .)" \
        '{meta: $meta[0], transportFloor: $tf[0], storageFloor: $sf}' >"$OUT/floors.json"
    echo
    jq -r '"transport floor: \(.transportFloor.throughput // "n/a" | if type == "number" then round else . end) req/s (count, 16x32)",
           (.storageFloor[] | select(. != null) | "storage floor:   \(.rowsPerSecond) rows/s (batch \(.batch), WAL, synchronous=FULL)")' \
        "$OUT/floors.json"
    echo "figures: $OUT/floors.json"
    [ ${#FAILED[@]} -eq 0 ] || die "failed: ${FAILED[*]}"
    exit 0
fi

# --- a. transport floor -----------------------------------------------------------------------------
transport_floor

# --- b. campaignd -----------------------------------------------------------------------------------
log "campaignd (release), fresh state in $DATA/state, rate limits out of the way"
"$CAMPAIGND" --listen "$SOCKS/public.sock" --admin-listen "$SOCKS/admin.sock" --state-dir "$DATA/state" \
    --campaign "$CAMPAIGN" --log-level warning \
    --sign-burst 1000000000 --sign-sustained 1000000000 \
    --pledge-burst 1000000000 --pledge-sustained 1000000000 \
    --rsvp-burst 1000000000 --rsvp-sustained 1000000000 \
    2>"$DATA/campaignd.log" &
DPID=$!
PIDS+=("$DPID")
wait_for_socket "$SOCKS/public.sock" "$DPID"
wait_for_socket "$SOCKS/admin.sock" "$DPID"
rpc() { Clients/shell/campaign-rpc -t 10 "$@" 2>/dev/null | jq -c '.result // empty' 2>/dev/null || true; }
# Pending signatures are the organisers' figure: the public socket counts confirmed ones only.
pending() { rpc -s "$SOCKS/admin.sock" signatures.count | jq -r '.pending // 0'; }

log "campaignd: signatures.count, 16 connections x depth 32"
bench count "$SOCKS/public.sock" --mix "$COUNT_MIX" --connections 16 --depth 32

log "campaignd: durable letter.sign, 64 connections x depth 1"
before=$(pending)
rpc -s "$SOCKS/admin.sock" service.stats >"$DATA/stats-before-sign.json"
bench sign "$SOCKS/public.sock" --mix "$SIGN_MIX" --connections 64 --depth 1
after=$(pending)
rpc -s "$SOCKS/admin.sock" service.stats >"$DATA/stats-after-sign.json"
# The signing run's own transaction size: the change in service.stats writes / transactions over the run,
# else the cumulative writes.averageBatch, else nothing.
avg_batch=$(jq -rn --slurpfile b "$DATA/stats-before-sign.json" --slurpfile a "$DATA/stats-after-sign.json" '
    ($b[0].writes // {}) as $wb | ($a[0].writes // {}) as $wa |
    if ($wa.writes | type) == "number" and ($wb.writes | type) == "number" and ($wa.transactions // 0) > ($wb.transactions // 0)
    then (($wa.writes - $wb.writes) / ($wa.transactions - $wb.transactions) * 100 | round) / 100
    else ($wa.averageBatch // empty) end' 2>/dev/null || true)

log "campaignd: signatures.count (4 x depth 1) while letter.sign runs flat out (64 x depth 1)"
"$LOADGEN" --socket "$SOCKS/public.sock" --duration "$DURATION" --warmup "$WARMUP" --json --label sign-during-count \
    --mix "$SIGN_MIX" --connections 64 --depth 1 >"$DATA/sign-background.out" 2>"$DATA/sign-background.err" &
SIGNPID=$!
PIDS+=("$SIGNPID")
bench count-under-signing "$SOCKS/public.sock" --mix "$COUNT_MIX" --connections 4 --depth 1
sign_status=0
wait "$SIGNPID" || sign_status=$?
forget "$SIGNPID"
if [ "$sign_status" = 0 ] && last_object "$DATA/sign-background.out" >"$DATA/sign-during-count.json"; then
    jq -r '"   sign (background): \(.throughput | floor) req/s, p99 \(.p99Ms) ms, errors \(.errors)"' "$DATA/sign-during-count.json" >&2
else
    echo null >"$DATA/sign-during-count.json"
    FAILED+=("sign-during-count")
fi

log "campaignd: RSVPs to $EVENT, 16 connections x depth 1 (capacity fills; waitlisted RSVPs count as successes)"
bench rsvp "$SOCKS/public.sock" --mix "$RSVP_MIX" --event "$EVENT" --connections 16 --depth 1

log "campaignd: what a repeat costs: letter.sign with new emails, then one email again and again, 1 x depth 1"
bench sign-one "$SOCKS/public.sock" --mix sign --connections 1 --depth 1
bench repeat-one "$SOCKS/public.sock" --mix repeat --connections 1 --depth 1

rpc -s "$SOCKS/admin.sock" service.stats >"$DATA/stats-final.json"
stop "$DPID"

# --- c. storage floor -------------------------------------------------------------------------------
if [ -n "${BENCH_FLOOR_BATCH:-}" ]; then
    batch=$BENCH_FLOOR_BATCH
    batch_source="BENCH_FLOOR_BATCH"
else
    batch=64
    batch_source="one row per signer in flight (64); campaignd's own transactions held ${avg_batch:-n/a} rows each"
fi
log "storage floor: batch $batch ($batch_source)"
storage_floor storage-floor "$batch"
if [ "$batch" != 1 ]; then storage_floor storage-floor-batch1 1; else cp "$DATA/storage-floor.json" "$DATA/storage-floor-batch1.json"; fi

# --- d. campaign-mailer over SMTP and its floor; its memory draining MAILER_MESSAGES -----------------
mailer_section

# --- e. results -------------------------------------------------------------------------------------
meta >"$DATA/meta.json"
jq -n \
    --slurpfile meta "$DATA/meta.json" \
    --slurpfile tf "$DATA/transport-floor.json" \
    --slurpfile count "$DATA/count.json" \
    --slurpfile sign "$DATA/sign.json" \
    --slurpfile cus "$DATA/count-under-signing.json" \
    --slurpfile sdc "$DATA/sign-during-count.json" \
    --slurpfile rsvp "$DATA/rsvp.json" \
    --slurpfile signOne "$DATA/sign-one.json" \
    --slurpfile repeatOne "$DATA/repeat-one.json" \
    --slurpfile sf "$DATA/storage-floor.json" \
    --slurpfile sf1 "$DATA/storage-floor-batch1.json" \
    --slurpfile stats "$DATA/stats-final.json" \
    --slurpfile mailer "$DATA/mailer.json" \
    --argjson rowsInserted "$((after - before))" \
    --arg batchSource "$batch_source" \
    --arg avgBatch "$avg_batch" \
    '
    def ratio(a; b): if (a | type) == "number" and (b | type) == "number" and b > 0 then (a / b * 1000 | round) / 1000 else null end;
    {
      meta: $meta[0],
      transportFloor: $tf[0],
      campaignd: {
        count: $count[0],
        sign: ($sign[0] + {rowsInserted: $rowsInserted}),
        countUnderSigning: $cus[0],
        signDuringCount: $sdc[0],
        rsvp: $rsvp[0],
        signOne: $signOne[0],
        repeatOne: $repeatOne[0],
        averageBatch: (if $avgBatch == "" then null else ($avgBatch | tonumber) end),
        stats: ($stats[0] // null)
      },
      storageFloor: ($sf[0] + {batchSource: $batchSource}),
      storageFloorBatch1: $sf1[0],
      mailer: $mailer[0],
      summary: {
        countThroughput: $count[0].throughput,
        transportFloorThroughput: $tf[0].throughput,
        countVsTransportFloor: ratio($count[0].throughput; $tf[0].throughput),
        signRowsPerSecond: $sign[0].throughput,
        storageFloorRowsPerSecond: $sf[0].rowsPerSecond,
        storageFloorBatch: $sf[0].batch,
        signVsStorageFloor: ratio($sign[0].throughput; $sf[0].rowsPerSecond),
        countP99UnderSigningMs: $cus[0].p99Ms,
        rsvpThroughput: $rsvp[0].throughput,
        signOneP50Ms: $signOne[0].p50Ms,
        repeatOneP50Ms: $repeatOne[0].p50Ms,
        repeatVsNewP50: ratio($repeatOne[0].p50Ms; $signOne[0].p50Ms),
        mailerMessagesPerSecond: $mailer[0].smtp.messagesPerSecond,
        mailerFloorMessagesPerSecond: $mailer[0].floor.messagesPerSecond,
        mailerVsFloor: $mailer[0].ratio,
        mailerPeakRssKiB: $mailer[0].memory.peakHwmKiB
      }
    }' >"$OUT/results.json"

echo
jq -r '
  def n: if . == null then "n/a" elif (. | type) == "number" then (if . >= 100 then (. | round | tostring) else ((. * 100 | round) / 100 | tostring) end) else tostring end;
  def pad(w): tostring | . + ([range(0; w - length)] | map(" ") | join(""));
  def row(a; b; c; d): "\(a | pad(40)) \(b | pad(11)) \(c | pad(40)) \(d)";
  .summary as $s | .meta as $m |
  "campaignd benchmark \($m.date), commit \($m.commit)\(if $m.dirty then "+dirty" else "" end), \($m.cpus) CPUs, SQLite \($m.sqlite), \($m.seconds) s runs after \($m.warmup) s warm-up",
  "",
  row("figure"; "campaignd"; "floor"; "campaignd/floor"),
  row("signatures.count 16x32, req/s"; ($s.countThroughput | n); "\($s.transportFloorThroughput | n) (transport floor)"; ($s.countVsTransportFloor | n)),
  row("letter.sign 64x1 durable, rows/s"; ($s.signRowsPerSecond | n); "\($s.storageFloorRowsPerSecond | n) (storage floor, batch \($s.storageFloorBatch | n))"; ($s.signVsStorageFloor | n)),
  row("signatures.count p99 while signing, ms"; ($s.countP99UnderSigningMs | n); "-"; "-"),
  row("rsvps.create 16x1, req/s"; ($s.rsvpThroughput | n); "-"; "-"),
  row("letter.sign 1x1 p50, ms: repeat / new"; ($s.repeatOneP50Ms | n); "\($s.signOneP50Ms | n) (a new email)"; ($s.repeatVsNewP50 | n)),
  "",
  "storage floor batch: \(.storageFloor.batch) (\(.storageFloor.batchSource)); at batch 1: \(.storageFloorBatch1.rowsPerSecond | n) rows/s",
  "rows inserted by the signing run (pending before/after): \(.campaignd.sign.rowsInserted // "n/a")",
  ""
' "$OUT/results.json"
mailer_table "$OUT/results.json"
echo "figures: $OUT/results.json"
[ ${#FAILED[@]} -eq 0 ] || die "failed runs: ${FAILED[*]}"

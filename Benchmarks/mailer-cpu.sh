#!/usr/bin/env bash
# CPU per message of campaign-mailer, and of campaignd and smtp-sink while the mailer drains: a wrapper for bench.sh's
# CAMPAIGN_MAILER. CPU time does not move with the machine's load as messages/s do.
#   CAMPAIGN_MAILER=$PWD/Benchmarks/mailer-cpu.sh make bench-mailer
#   MAILER_CPU_BIN   the mailer to run (default .build/release/campaign-mailer)
#   MAILER_CPU_LOG   where each run appends its line (default .build/bench/mailer-cpu.log)
# The memory run's resident sizes are then the wrapper's, not the mailer's: read those without it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${MAILER_CPU_BIN:-$ROOT/.build/release/campaign-mailer}
LOG=${MAILER_CPU_LOG:-$ROOT/.build/bench/mailer-cpu.log}

socket=""
prev=""
for arg in "$@"; do
    [ "$prev" = --socket ] && socket=$arg
    prev=$arg
done
# campaignd is the process whose command line has `--admin-listen SOCKET`.
server=""
for cmdline in /proc/[0-9]*/cmdline; do
    if tr '\0' '\n' <"$cmdline" 2>/dev/null | grep -qxF -- "$socket" &&
        tr '\0' '\n' <"$cmdline" 2>/dev/null | grep -qx -- --admin-listen; then
        server=$(basename "$(dirname "$cmdline")")
        break
    fi
done
# The sink is bench.sh's smtp-sink, a sibling of this wrapper.
sink=$(ps -o pid= -o comm= --ppid "$PPID" | awk '$2 == "smtp-sink" {print $1; exit}')
ticks() { if [ -n "$1" ] && [ -r "/proc/$1/stat" ]; then awk '{print $14 + $15}' "/proc/$1/stat"; else echo 0; fi; }
queued() { "$ROOT/Clients/shell/campaign-rpc" -s "$socket" service.stats 2>/dev/null | jq -r '.result.outbox.queued // 0'; }

q0=$(queued)
c0=$(ticks "$server")
s0=$(ticks "$sink")
times=$(mktemp)
status=0
/usr/bin/time -f '%U %S' -o "$times" "$BIN" "$@" || status=$?
c1=$(ticks "$server")
s1=$(ticks "$sink")
q1=$(queued)
read -r user sys <"$times"
rm -f "$times"
hz=$(getconf CLK_TCK)
jq -nc --argjson n "$((q0 - q1))" --argjson user "$user" --argjson sys "$sys" --argjson ticks "$((c1 - c0))" --argjson sinkTicks "$((s1 - s0))" --argjson hz "$hz" \
    --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg bin "$BIN" \
    '{messages: $n, mailerCpuSeconds: ($user + $sys), campaigndCpuSeconds: ($ticks / $hz), sinkCpuSeconds: ($sinkTicks / $hz), load: $load, mailer: $bin}
     + (if $n > 0 then {mailerMicrosecondsPerMessage: (($user + $sys) * 1e6 / $n | round),
                        campaigndMicrosecondsPerMessage: ($ticks / $hz * 1e6 / $n | round),
                        sinkMicrosecondsPerMessage: ($sinkTicks / $hz * 1e6 / $n | round)} else {} end)' >>"$LOG"
exit "$status"

#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer target CampaignFuzz (Fuzz/CampaignFuzz/) with the fuzzer and address
# sanitizers and runs it for FUZZ_SECONDS (60) from the committed seed corpus (Fuzz/corpus/), which it
# leaves unchanged: new inputs go to a working copy that is removed at the end. Exits non-zero on a
# crash, a failed property, a timeout or running out of memory, and prints where the input was kept.
# The inputs of past findings (Fuzz/findings/, fixed) run first with the seeds, as regressions.
#
#   Fuzz/fuzz.sh [libFuzzer flags...]    e.g. FUZZ_SECONDS=300 Fuzz/fuzz.sh -seed=1
#   Fuzz/fuzz.sh repro FILE...           runs the given inputs once each (a crash to reproduce)
#
# Environment: FUZZ_SECONDS (60), FUZZ_TIMEOUT (60, seconds one input may take), FUZZ_RSS_MB (4096),
# FUZZ_CRASH_DIR (.build-fuzz/crashes).
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-60}
FUZZ_RSS_MB=${FUZZ_RSS_MB:-4096}
FUZZ_CRASH_DIR=${FUZZ_CRASH_DIR:-.build-fuzz/crashes}

# The fuzz target exists in the manifest only with CAMPAIGND_FUZZ=1 (see the end of Package.swift),
# and is built in a scratch directory of its own: every module is instrumented there.
build=(swift build --product CampaignFuzz -c debug --scratch-path .build-fuzz
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
echo "fuzz: building CampaignFuzz (.build-fuzz/)"
CAMPAIGND_FUZZ=1 "${build[@]}"
bin="$(CAMPAIGND_FUZZ=1 "${build[@]}" --show-bin-path)/CampaignFuzz"

# The Swift runtime's crash backtracer reads memory in ways AddressSanitizer reports as errors of its
# own; libFuzzer and ASan print the stack instead. Leak checking is off: the Swift runtime and
# Foundation keep allocations LeakSanitizer cannot see (one 65-byte Data per process, not per input).
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:print_summary=1}

# A RAM disk for the working corpus and the campaign database when there is one: every write the
# dispatcher makes is a durable commit.
tmp_base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp_base=/dev/shm
work=$(mktemp -d "$tmp_base/campaignd-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CAMPAIGND_FUZZ_STATE="$work"

if [ "${1:-}" = repro ]; then
    shift
    [ $# -gt 0 ] || { echo "usage: Fuzz/fuzz.sh repro FILE..." >&2; exit 2; }
    status=0
    "$bin" -detect_leaks=0 -runs=1 "$@" || status=$?
    exit "$status"  # not exec: the trap removes the work directory
fi

mkdir -p "$work/corpus" "$FUZZ_CRASH_DIR"
cp Fuzz/corpus/* "$work/corpus/"
log="$work/fuzz.log"
echo "fuzz: running for ${FUZZ_SECONDS}s on $(ls Fuzz/corpus | wc -l | tr -d ' ') seeds (crash inputs go to $FUZZ_CRASH_DIR/)"
status=0
"$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb="$FUZZ_RSS_MB" -timeout="$FUZZ_TIMEOUT" \
    -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$FUZZ_CRASH_DIR/" \
    "$@" "$work/corpus" Fuzz/corpus Fuzz/findings 2>&1 | tee "$log" || status=$?

# libFuzzer's exit status alone would do, but say which input to keep.
found=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log")
if [ "$status" -ne 0 ] || [ -n "$found" ]; then
    echo >&2
    echo "fuzz: FAILED (libFuzzer exit status $status)" >&2
    for input in $found; do
        echo "fuzz: input kept at $input; reproduce: Fuzz/fuzz.sh repro $input" >&2
        echo "fuzz: minimise: $bin -minimize_crash=1 -runs=10000 $input" >&2
    done
    [ "$status" -ne 0 ] || status=1
    exit "$status"
fi
grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | sed 's/^/fuzz: /'
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" | sed 's/^/fuzz: /'
echo "fuzz: no crash"

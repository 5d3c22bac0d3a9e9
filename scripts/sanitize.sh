#!/usr/bin/env bash
# `make sanitize`: the whole test suite under AddressSanitizer (with LeakSanitizer), then under
# ThreadSanitizer. Each is built in a scratch directory of its own (.build-asan/, .build-tsan/): every
# module and dependency is instrumented, several minutes each the first time. The integration tests start
# the instrumented campaignd and campaignctl found next to the test bundle; every process that reports,
# the test runner or a child, writes to a file of its own (log_path: <san>.<pid>), kept with the test
# log in .build-<san>/sanitize/. Prints a summary per sanitizer (tests, reports and where they point);
# exits non-zero when a test failed or a report was made. Suppressions, each with the reason it is not a
# bug of ours: scripts/sanitizers/lsan.supp and asan.supp (ThreadSanitizer needs none).
#
#   scripts/sanitize.sh [asan|tsan]...      (both by default, ASan first)
#
# A process killed by SIGKILL (the durability and fault tests kill campaignd on purpose) makes no leak
# check; races are reported as they happen, so TSan misses nothing there.
set -uo pipefail
cd "$(dirname "$0")/.."

sanitizers=("$@")
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(asan tsan)
supp="$PWD/scripts/sanitizers"
status=0
summary=()

# As in Fuzz/fuzz.sh: the Swift runtime's crash backtracer reads memory in ways AddressSanitizer reports
# as errors of its own; the sanitizer prints the stack instead.
export SWIFT_BACKTRACE=enable=no

for san in "${sanitizers[@]}"; do
    case "$san" in
        asan) flag=address ;;
        tsan) flag=thread ;;
        *) echo "sanitize: unknown sanitizer '$san' (asan or tsan)" >&2; exit 2 ;;
    esac
    scratch=".build-$san"
    logs="$scratch/sanitize"
    echo "sanitize: $san: building ($scratch/, log in $scratch/build.log)"
    started=$(date +%s)
    mkdir -p "$scratch"
    if ! swift build --build-tests --sanitize="$flag" --scratch-path "$scratch" >"$scratch/build.log" 2>&1; then
        grep -v 'ld.gold: warning' "$scratch/build.log" | tail -40 >&2
        echo "sanitize: $san: build failed" >&2
        exit 1
    fi
    built=$(date +%s)
    rm -rf "$logs"
    mkdir -p "$logs"
    echo "sanitize: $san: running the tests (reports in $logs/)"
    # Shadow memory makes resident-memory ceilings meaningless: tests that measure one skip the bound.
    export CAMPAIGND_SANITIZER="$san"
    export ASAN_OPTIONS="log_path=$PWD/$logs/asan:detect_leaks=1:suppressions=$supp/asan.supp"
    export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
    export TSAN_OPTIONS="log_path=$PWD/$logs/tsan:halt_on_error=0"
    # As `make test-swift`: the site's tests in a process of their own (see the Makefile).
    tested=0
    : >"$logs/test.log"
    for part in "--skip CampaignWebTests" "--filter CampaignWebTests"; do
        # shellcheck disable=SC2086 # the part is two words on purpose
        swift test --skip-build --sanitize="$flag" --scratch-path "$scratch" $part 2>&1 | tee -a "$logs/test.log"
        [ "${PIPESTATUS[0]}" -eq 0 ] || tested=1
    done
    finished=$(date +%s)

    run=$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} .*/\1/p' "$logs/test.log" | awk '{ n += $1 } END { if (NR) print n }')
    failed=$(grep -E '^✘ Test .* failed after' "$logs/test.log" | grep -vc '^✘ Test run with')
    skipped=$(grep -cE '^➜ Test .* skipped' "$logs/test.log")
    processes=$(find "$logs" -name "$san.*" | wc -l)
    if [ "$san" = asan ]; then
        errors=$(cat "$logs"/asan.* 2>/dev/null | grep -c 'ERROR: AddressSanitizer')
        leaks=$(cat "$logs"/asan.* 2>/dev/null | grep -c 'ERROR: LeakSanitizer')
        reports="$errors memory errors, $leaks leak reports"
        found=$((errors + leaks))
    else
        found=$(cat "$logs"/tsan.* 2>/dev/null | grep -c 'WARNING: ThreadSanitizer')
        reports="$found race reports"
    fi
    passed=$(( ${run:-0} - failed - skipped ))
    line="$san: ${run:-?} tests: $passed passed, $failed failed, $skipped skipped; $reports from $processes processes; build $((built - started)) s, tests $((finished - built)) s"
    summary+=("$line")
    # Where the reports point: for each race, memory error or leaked block, its kind and the first frame
    # in our code (Sources/, Clients/, Tests/), counted.
    while read -r line; do
        summary+=("  $line")
    done < <(cat "$logs/$san".* 2>/dev/null | awk -v root="$PWD/" '
        /WARNING: ThreadSanitizer:|ERROR: AddressSanitizer:|^(Direct|Indirect) leak of/ {
            if (kind != "") print kind " at " (frame == "" ? "(no frame in our code)" : frame)
            kind = $0; sub(/^.*(WARNING|ERROR): /, "", kind); sub(/ \(pid=.*/, "", kind)
            sub(/ of [0-9]+ byte.*/, "", kind); frame = ""; next
        }
        kind != "" && frame == "" && index($0, root) {
            f = substr($0, index($0, root) + length(root)); sub(/ .*/, "", f)
            if (f ~ /^(Sources|Clients|Tests)\//) frame = f
        }
        END { if (kind != "") print kind " at " (frame == "" ? "(no frame in our code)" : frame) }' |
        sort | uniq -c | sort -rn | head -20 | sed 's/^ *\([0-9]*\) /\1 × /')
    if [ "$tested" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$found" -ne 0 ] || [ -z "$run" ]; then status=1; fi
done

echo
for line in "${summary[@]}"; do echo "sanitize: $line"; done
[ "$status" -eq 0 ] && echo "sanitize: clean" || echo "sanitize: FAILED (see the reports above)"
exit "$status"

#!/usr/bin/env bash
# Fuzzing (docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   build the libFuzzer binary (.build-fuzz) and run
#                                                      each target (default: all) for SECONDS (default 60)
#   scripts/fuzz.sh --asan-corpus [DIR...]             build the replayer with AddressSanitizer only
#                                                      (.build-asan) and run it over Fuzz/corpus (and DIRs)
#   scripts/fuzz.sh --replay TARGET FILE...            run crash files through the replayer (.build-asan)
#
# Targets: gidm safetensors modelconfig graph args. Crashes, hangs (-timeout) and out-of-memory
# inputs (-rss_limit_mb) go to Fuzz/crashes/<target>-{crash,timeout,oom,leak}-<sha1>; the corpus
# libFuzzer grows goes to Fuzz/work/<target>/ (both git-ignored); the seeds stay in Fuzz/corpus/.
#
# Environment: FUZZ_KEEP_GOING=1 keeps fuzzing a target after a crash (libFuzzer -fork=1
# -ignore_crashes=1 ...: collects several crashes per run); FUZZ_LEAKS=1 also reports leaks;
# FUZZ_ARGS adds libFuzzer options; FUZZ_CONFIG=debug builds unoptimized (slower, better stacks).
# Exit status: 0 when no target crashed, 1 when one did, 2 for a build or usage error.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TARGETS=(gidm safetensors modelconfig graph args)
CRASHES=$ROOT/Fuzz/crashes
WORK=$ROOT/Fuzz/work
CORPUS=$ROOT/Fuzz/corpus

asan_build() {
    echo "fuzz.sh: building the replayer with -sanitize=address (.build-asan)" >&2
    swift build --scratch-path .build-asan --product gid-fuzz -Xswiftc -sanitize=address >&2 || {
        echo "fuzz.sh: build failed" >&2
        exit 2
    }
    swift build --scratch-path .build-asan --product gid-fuzz -Xswiftc -sanitize=address --show-bin-path
}

case "${1:-}" in
--asan-corpus)
    shift
    BIN=$(asan_build)/gid-fuzz
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
    status=0
    "$BIN" corpus "$CORPUS" || status=$?
    for dir in "$@"; do
        "$BIN" corpus "$dir" || status=$?
    done
    if [ "$status" -ne 0 ]; then
        echo "fuzz.sh: the replayer died with status $status (the input is named on the last 'gid-fuzz: TARGET FILE' line above)" >&2
        exit 1
    fi
    exit 0
    ;;
--replay)
    shift
    [ $# -ge 2 ] || { echo "usage: scripts/fuzz.sh --replay TARGET FILE..." >&2; exit 2; }
    BIN=$(asan_build)/gid-fuzz
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
    exec "$BIN" "$@"
    ;;
-h|--help)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

SECONDS_PER_TARGET=60
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
    SECONDS_PER_TARGET=$1
    shift
fi
if [ $# -gt 0 ]; then
    for t in "$@"; do
        [[ " ${TARGETS[*]} " == *" $t "* ]] || { echo "fuzz.sh: no target '$t' (${TARGETS[*]})" >&2; exit 2; }
    done
    TARGETS=("$@")
fi

CONFIG=${FUZZ_CONFIG:-release}
echo "fuzz.sh: building the fuzzer (-c $CONFIG, -sanitize=fuzzer,address, .build-fuzz)" >&2
FLAGS=(--scratch-path .build-fuzz -c "$CONFIG" --product gid-fuzz
       -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
swift build "${FLAGS[@]}" >&2 || { echo "fuzz.sh: build failed" >&2; exit 2; }
BIN=$(swift build "${FLAGS[@]}" --show-bin-path)/gid-fuzz

mkdir -p "$CRASHES"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=${FUZZ_LEAKS:-0}}
crashed=()
for t in "${TARGETS[@]}"; do
    mkdir -p "$WORK/$t"
    opts=(-max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
          -detect_leaks="${FUZZ_LEAKS:-0}" -artifact_prefix="$CRASHES/$t-")
    [ -f "$ROOT/Fuzz/dict/$t.dict" ] && opts+=(-dict="$ROOT/Fuzz/dict/$t.dict")
    case $t in
    gidm|safetensors) opts+=(-max_len=65536) ;;
    *) opts+=(-max_len=4096) ;;
    esac
    [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && opts+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    # shellcheck disable=SC2206
    opts+=(${FUZZ_ARGS:-})
    log=$WORK/$t.log
    echo "fuzz.sh: $t for ${SECONDS_PER_TARGET}s (log: ${log#$ROOT/})" >&2
    before=$(ls "$CRASHES" | grep -c "^$t-" || true)
    GID_FUZZ_TARGET=$t "$BIN" "${opts[@]}" "$WORK/$t" "$CORPUS/$t" >"$log" 2>&1
    rc=$?
    after=$(ls "$CRASHES" | grep -c "^$t-" || true)
    runs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    [ -n "$runs" ] || runs=$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    cov=$(grep -aoE 'cov: [0-9]+' "$log" | tail -1)
    if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
        crashed+=("$t")
        echo "fuzz.sh: $t: CRASH (exit $rc, ${runs:-?} runs, $cov); new files in Fuzz/crashes: $((after - before))" >&2
        grep -aE '^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*error: |    #[0-9] )' "$log" | head -12 | sed 's/^/    /' >&2
    else
        echo "fuzz.sh: $t: ok (${runs:-?} runs, $cov)" >&2
    fi
done

if [ ${#crashed[@]} -gt 0 ]; then
    echo "fuzz.sh: crashes in: ${crashed[*]}; inputs in Fuzz/crashes/; replay one with" >&2
    echo "  scripts/fuzz.sh --replay TARGET Fuzz/crashes/TARGET-crash-..." >&2
    exit 1
fi
echo "fuzz.sh: no crashes" >&2

#!/usr/bin/env bash
# Memory over a long pipe: an hour of 25 fps video (testsrc, 320x240) piped through gid-filter
# as y4m and as NUT, and through ffmpeg itself as the peer. Samples each consumer's resident
# memory every second and prints the first, middle, last and peak (MB). NUT's muxer and demuxer
# keep an index of syncpoints, so NUT rows grow with the length for ffmpeg and gid-filter alike.
#   Benchmarks/robustness/pipe_memory.sh [SECONDS=3600] [SIZE=320x240]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-3600}
size=${2:-320x240}
bin=${GID_BIN:-.build/release/gid-filter}

# Runs "$@" (a consumer reading stdin) fed by ffmpeg in FORMAT; prints RSS samples.
measure() {
    local name=$1 format=$2; shift 2
    local dir; dir=$(mktemp -d)
    mkfifo "$dir/pipe"
    local codec=(); [ "$format" = nut ] && codec=(-c:v rawvideo)
    ffmpeg -nostdin -v error -f lavfi -i "testsrc=size=$size:rate=25" -t "$seconds" -pix_fmt yuv420p "${codec[@]}" \
        -f "$format" - > "$dir/pipe" &
    "$@" < "$dir/pipe" > /dev/null &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null >> "$dir/rss" || true
        sleep 1
    done
    wait
    local log=$dir/rss
    python3 - "$name" "$log" <<'PY'
import sys
name, path = sys.argv[1], sys.argv[2]
v = [int(x) / 1024 for x in open(path).read().split() if x.strip()]
if not v:
    print(f"{name:34s} no samples"); sys.exit()
print(f"{name:34s} samples {len(v):4d}  first {v[0]:7.1f}  middle {v[len(v)//2]:7.1f}  last {v[-1]:7.1f}  peak {max(v):7.1f} MB")
PY
    rm -rf "$dir"
}

echo "$seconds s of ${size} at 25 fps through a pipe (resident memory of the consumer):"
measure "gid-filter, y4m in, y4m out" yuv4mpegpipe "$bin" -f yuv4mpegpipe -i - -vf null -f yuv4mpegpipe -
measure "gid-filter, y4m in, NUT out" yuv4mpegpipe "$bin" -f yuv4mpegpipe -i - -vf null -f nut -
measure "gid-filter, NUT in, NUT out" nut "$bin" -f nut -i - -vf null -f nut -
measure "ffmpeg, y4m in, y4m out" yuv4mpegpipe ffmpeg -v error -f yuv4mpegpipe -i - -f yuv4mpegpipe -
measure "ffmpeg, y4m in, NUT out" yuv4mpegpipe ffmpeg -v error -f yuv4mpegpipe -i - -c:v rawvideo -f nut -
measure "ffmpeg, NUT in, NUT out" nut ffmpeg -v error -f nut -i - -c:v rawvideo -f nut -

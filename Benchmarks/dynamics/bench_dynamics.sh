#!/usr/bin/env bash
# Render speed of the dynamics (breeze, poke) against the looping texture of the same scene, in
# one run: frames per second of `-f null` output at 512x288, best of 3. The peer is gid-filter's
# own loop render, the path every other motion clip takes.
#   Benchmarks/dynamics/bench_dynamics.sh [SCENE.gidm|STILL]   (after swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${GID_BIN:-.build/release/gid-filter}"
input="${1:-Samples/stills/bythewater.jpg}"
seconds=20
fps=30
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scene="$input"
if [[ "$input" != *.gidm ]]; then
    "$bin" -y -nostats -loglevel error -i "$input" -vf "motion=seed=1,motionsave=$tmp/scene.gidm" -frames:v 1 -f null -
    scene="$tmp/scene.gidm"
fi
frames=$((seconds * fps))
run() {  # name graph: best frames/s of 3 runs
    local best=0
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$bin" -y -nostats -loglevel error -i "$scene" -vf "$2" -s 512x288 -r $fps -t $seconds -f null -
        t1=$(date +%s.%N)
        best=$(python3 -c "print(max($best, $frames / ($t1 - $t0)))")
    done
    echo "$best"
}
loop=$(run loop "loop=seconds=$seconds")
breeze=$(run breeze "breeze=gust=1")
poke=$(run poke "poke=x=0.5:y=0.35:dx=8:seconds=$seconds")
loopfast=$(run loopfast "loop=seconds=$seconds,render=quality=fast")
breezefast=$(run breezefast "breeze=gust=1,render=quality=fast")
python3 - "$loop" "$breeze" "$poke" "$loopfast" "$breezefast" <<'PY'
import sys
loop, breeze, poke, loopfast, breezefast = map(float, sys.argv[1:])
def goal(x): return "met" if x >= 100 else "NOT met"
print("512x288, 20 s at 30 fps, -f null, best of 3 (whole command: load, prepare, render)")
print(f"render=quality=best (default)")
print(f"  loop (peer)  {loop:7.1f} fps")
print(f"  breeze       {breeze:7.1f} fps  ({breeze / loop:.2f}x loop; goal >= 100 fps: {goal(breeze)})")
print(f"  poke         {poke:7.1f} fps  ({poke / loop:.2f}x loop)")
print(f"render=quality=fast")
print(f"  loop (peer)  {loopfast:7.1f} fps")
print(f"  breeze       {breezefast:7.1f} fps  ({breezefast / loopfast:.2f}x loop; goal >= 100 fps: {goal(breezefast)})")
PY

#!/usr/bin/env bash
# Motion analysis (video -> spectral volume) speed and memory, with a peer in the same run.
#
#   swift build -c release --scratch-path .build-measure
#   Benchmarks/motion/bench_motion.sh [BIN]
#
# 1. 150 frames at 512x288 (hollyhock clip, scaled): `-vf motion=window=W` with the clip's 25 fps
#    (W = 6 s = 150 frames), per preset, written as a .gidm; median of 3 runs. Peer: the ffmpeg CLI
#    decoding and scaling the same 150 frames (the floor any tool pays), and OpenCV's DIS medium
#    flow I0 -> I_n over the same frames if python3 has cv2 (pip install opencv-python-headless).
# 2. Peak RSS (/usr/bin/time -v) for 1080p: the same 150 frames scaled to 1920x1080.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$ROOT/.build-measure/release/gid-filter}"
CLIP="$ROOT/../shared/data/clips/plants__hollyhock_flower_wind.mkv"
[ -f "$CLIP" ] || { echo "needs ../shared/data ($CLIP)"; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
ffmpeg -v error -i "$CLIP" -frames:v 150 -vf scale=512:288 -c:v ffv1 "$TMP/c512.mkv"
ffmpeg -v error -i "$CLIP" -frames:v 150 -vf scale=1920:1080 -c:v ffv1 "$TMP/c1080.mkv"

seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

peer=$(median3 $(seconds ffmpeg -v error -i "$TMP/c512.mkv" -f rawvideo -pix_fmt rgb24 -y /dev/null) \
               $(seconds ffmpeg -v error -i "$TMP/c512.mkv" -f rawvideo -pix_fmt rgb24 -y /dev/null) \
               $(seconds ffmpeg -v error -i "$TMP/c512.mkv" -f rawvideo -pix_fmt rgb24 -y /dev/null))
echo "512x288, 150 frames: ffmpeg decode only: ${peer} s"
for preset in fast medium best; do
    ts=()
    for i in 1 2 3; do ts+=("$(seconds "$BIN" -y -i "$TMP/c512.mkv" -vf "motion=window=6:preset=$preset" "$TMP/s.gidm")"); done
    echo "512x288, 150 frames: gid-filter motion preset=$preset: $(median3 "${ts[@]}") s"
done
if python3 -c "import cv2" 2>/dev/null; then
    python3 - "$TMP/c512.mkv" <<'PY'
import sys, time, cv2
cv2.setNumThreads(2)
cap = cv2.VideoCapture(sys.argv[1]); frames = []
while True:
    ok, f = cap.read()
    if not ok: break
    frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY))
dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
t = time.perf_counter()
for f in frames[1:]: dis.calc(frames[0], f, None)
print(f"512x288, {len(frames)} frames: OpenCV DIS medium, flows I0 -> I_n only (no spectral projection): {time.perf_counter() - t:.2f} s")
PY
fi
# The analysis ending in a heatmap (the scene stays in memory once), then the same written as .gidm.
for job in "motion=window=6:preset=fast,viz|heat.png" "motion=window=6:preset=medium,viz|heat.png" \
           "motion=window=6:preset=fast|s.gidm"; do
    graph="${job%|*}"; out="${job#*|}"
    /usr/bin/time -v "$BIN" -y -i "$TMP/c1080.mkv" -vf "$graph" "$TMP/$out" 2> "$TMP/time.txt" >/dev/null
    rss=$(awk -F: '/Maximum resident/ {print $2}' "$TMP/time.txt" | tr -d ' ')
    wall=$(awk '/Elapsed \(wall/ {print $NF}' "$TMP/time.txt")
    echo "1920x1080, 150 frames: gid-filter -vf $graph -> $out: peak RSS $((rss / 1024)) MiB, wall $wall"
done
/usr/bin/time -v ffmpeg -v error -i "$TMP/c1080.mkv" -f rawvideo -pix_fmt rgb24 -y /dev/null 2> "$TMP/time.txt"
echo "1920x1080, 150 frames: ffmpeg decode only: peak RSS $(( $(awk -F: '/Maximum resident/ {print $2}' "$TMP/time.txt" | tr -d ' ') / 1024 )) MiB"

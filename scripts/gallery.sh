#!/usr/bin/env bash
# Makes README's gallery from Samples/ with the release binary, so the pictures stay true:
# a still, where the prior puts its motion (heatmap), the loop it makes, a breeze; a clip's
# measured motion magnified and poked; slow motion; the viewer page at rest and mid-drag.
# Small animated WebP files and PNGs in docs/images/gallery/.
#   scripts/gallery.sh            (after swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${GID_BIN:-.build/release/gid-filter}"
out=docs/images/gallery
mkdir -p "$out"
g() { "$bin" -y -nostats -loglevel error "$@"; }

still=Samples/stills/bythewater.jpg
g -i "$still" -s 320x-2 "$out/still.jpg"
g -i "$still" -vf "motion=seed=1,viz=heatmap" -s 320x-2 "$out/still-heatmap.png"
g -i "$still" -vf "motion=seed=1,loop=seconds=3" -s 320x-2 -r 10 -c:v libwebp_anim "$out/still-loop.webp"
g -i "$still" -vf "motion=seed=1,breeze=gust=1" -t 4 -s 320x-2 -r 10 -c:v libwebp_anim "$out/still-breeze.webp"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g -i "$still" -vf "motion=seed=1,viewer" "$tmp/bythewater.html"
py=Training/.venv/bin/python
[ -x "$py" ] || py=python3
"$py" scripts/viewer_shots.py "$tmp/bythewater.html" "$out/viewer" 0.3 0.33 0.02 0.02

clip=Samples/clips/crane-sway.mkv
g -i "$clip" -vf "motion,loop=seconds=3" -s 320x-2 -r 10 "$out/crane-loop.webp"
g -i "$clip" -vf "motion,magnify=gain=8,loop=seconds=3" -s 320x-2 -r 10 "$out/crane-magnified.webp"
g -i "$clip" -vf "motion,poke=x=0.5:y=0.66:dy=8:decay=1" -t 3 -s 320x-2 -r 10 "$out/crane-poke.webp"

fire=Samples/clips/dollhouse-fire.mkv
g -t 1 -i "$fire" -vf "slowmo=4" -s 320x-2 -r 10 "$out/fire-slowmo4.webp"
ls -l "$out" >&2

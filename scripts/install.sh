#!/usr/bin/env bash
# Installs gid-filter: the release binary to PREFIX/bin and the default prior model to
# PREFIX/share/gid-filter (where the binary looks for it), after installing what the build
# needs (Debian packages, as scripts/bootstrap.sh does).
#   scripts/install.sh [PREFIX]            default PREFIX: /usr/local (root) or ~/.local
#   GID_BIN=path/to/gid-filter scripts/install.sh PREFIX   install a built binary, no build
# Then: PREFIX/bin/gid-filter -version names the model it found.
set -euo pipefail
cd "$(dirname "$0")/.."

default_prefix=/usr/local
[ "$(id -u)" -ne 0 ] && default_prefix="$HOME/.local"
prefix="${1:-$default_prefix}"
say() { printf '[install] %s\n' "$*" >&2; }

bin="${GID_BIN:-}"
if [ -z "$bin" ]; then
    scripts/bootstrap.sh build
    bin="$(swift build -c release --show-bin-path 2>/dev/null || PATH="/opt/swift/usr/bin:$PATH" swift build -c release --show-bin-path)/gid-filter"
fi
[ -x "$bin" ] || { say "no binary at $bin"; exit 1; }
model=Models/gid-prior-default.safetensors
[ -f "$model" ] || { say "no $model in this checkout"; exit 1; }

install -d "$prefix/bin" "$prefix/share/gid-filter"
# Copy to a temporary name and rename, so a running gid-filter is never overwritten mid-read.
install -m 755 "$bin" "$prefix/bin/.gid-filter.new" && mv -f "$prefix/bin/.gid-filter.new" "$prefix/bin/gid-filter"
install -m 644 "$model" "$prefix/share/gid-filter/.model.new" \
    && mv -f "$prefix/share/gid-filter/.model.new" "$prefix/share/gid-filter/gid-prior-default.safetensors"
say "installed $prefix/bin/gid-filter and $prefix/share/gid-filter/gid-prior-default.safetensors"
"$prefix/bin/gid-filter" -version >&2
case ":$PATH:" in *":$prefix/bin:"*) ;; *) say "add $prefix/bin to PATH to run gid-filter by name" ;; esac

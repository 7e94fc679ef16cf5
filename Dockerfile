# gid-filter in a container: build with the Swift toolchain on Debian 12, run with only the
# runtime libraries. The image's entry point is gid-filter, so it is used like the binary:
#   docker build -t gid-filter .
#   docker run --rm -v "$PWD:/work" -w /work gid-filter -i photo.jpg -vf "motion,loop=seconds=5" photo.mp4
#   ffmpeg -i in.mp4 -c:v rawvideo -f nut - | docker run --rm -i gid-filter -vf motion,magnify=3 -f nut - | ...
# The build stage installs the same Debian packages as scripts/bootstrap.sh (a test checks that).

FROM swift:6.0-bookworm AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libavcodec-dev libavformat-dev libavfilter-dev libswscale-dev libavutil-dev \
        libfftw3-dev libopenblas-dev zlib1g-dev pkg-config ffmpeg python3-pip \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# GID_PORTABLE: no -target-cpu native, the image runs on any x86-64 machine.
RUN GID_PORTABLE=1 swift build -c release --product gid-filter --static-swift-stdlib \
    && install -D -m 755 "$(swift build -c release --show-bin-path)/gid-filter" /out/bin/gid-filter \
    && install -D -m 644 Models/gid-prior-default.safetensors /out/share/gid-filter/gid-prior-default.safetensors

FROM debian:bookworm-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libavcodec59 libavformat59 libavfilter8 libswscale6 libavutil57 libfftw3-single3 libopenblas0 zlib1g \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/
ENTRYPOINT ["gid-filter"]
CMD ["-h"]

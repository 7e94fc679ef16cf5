// swift-tools-version: 6.0
import PackageDescription

// Layout (see docs/ARCHITECTURE.md): C stays in the three system-library targets; data flows
// MediaIO -> Graph filters -> MediaIO, and nothing lower reaches back up.
let package = Package(
    name: "gid-filter",
    products: [
        .executable(name: "gid-filter", targets: ["gid-filter"]),
    ],
    targets: [
        // C libraries: module.modulemap + shim.h each (static inline wrappers for macros).
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg", pkgConfig: "libavformat"),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW", pkgConfig: "fftw3f"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas"),

        // Core: frames, stream info, filter protocol, option tables, graph parser, runner. No C.
        .target(name: "Graph", path: "Sources/Graph"),
        // libav demux/decode/encode/mux, pixel conversion, libavfilter chains.
        .target(name: "MediaIO", dependencies: ["CFFmpeg", "Graph"], path: "Sources/MediaIO"),
        // The motion type: spectral volume, FFT transforms, normalization, .gidm files.
        .target(name: "SpectralVolume", dependencies: ["CFFTW", "COpenBLAS", "Graph"],
                path: "Sources/SpectralVolume"),

        // Filters: one target per user-visible filter.
        .target(name: "NullFilter", dependencies: ["Graph"], path: "Filters/Null"),
        .target(name: "LavfiFilter", dependencies: ["Graph", "MediaIO"], path: "Filters/Lavfi"),

        // The command line: ffmpeg-style options, registry of filters, progress, exit codes.
        .target(name: "GIDFilterCLI",
                dependencies: ["Graph", "MediaIO", "SpectralVolume", "NullFilter", "LavfiFilter"],
                path: "Sources/GIDFilterCLI"),
        .executableTarget(name: "gid-filter", dependencies: ["GIDFilterCLI"], path: "Sources/gid-filter"),

        .testTarget(name: "GraphTests", dependencies: ["Graph", "NullFilter"], path: "Tests/GraphTests"),
        .testTarget(name: "MediaIOTests", dependencies: ["MediaIO", "Graph"], path: "Tests/MediaIOTests"),
        .testTarget(name: "SpectralVolumeTests", dependencies: ["SpectralVolume"],
                    path: "Tests/SpectralVolumeTests"),
        .testTarget(name: "CLITests", dependencies: ["gid-filter"], path: "Tests/CLITests",
                    resources: [.copy("Fixtures")]),
    ]
)

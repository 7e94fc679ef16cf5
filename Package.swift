// swift-tools-version: 6.0
import Foundation
import PackageDescription

// Release builds use every vector instruction of the machine that builds them (AVX here: the
// SIMD8 kernels of interpolation and splatting run 8 lanes at once instead of two SSE halves;
// render best +35%, slow motion 5-10% less CPU; no fused multiply-add is emitted, so results are
// unchanged). gid-filter is built from source where it runs; set GID_PORTABLE=1 when building a
// binary for other x86-64 machines.
#if arch(x86_64)
let native: [SwiftSetting] = ProcessInfo.processInfo.environment["GID_PORTABLE"] == nil
    ? [.unsafeFlags(["-target-cpu", "native"], .when(configuration: .release))] : []
#else
let native: [SwiftSetting] = []
#endif

// Layout (see docs/ARCHITECTURE.md): C stays in the four system-library targets; data flows
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
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),

        // Core: frames, stream info, filter protocol, option tables, graph parser, runner. No C.
        .target(name: "Graph", path: "Sources/Graph", swiftSettings: native),
        // libav demux/decode/encode/mux, pixel conversion, libavfilter chains (libavfilter is dlopen'ed).
        .target(name: "MediaIO", dependencies: ["CFFmpeg", "Graph"], path: "Sources/MediaIO"),
        // The motion type: spectral volume, FFT transforms, normalization, .gidm files.
        .target(name: "SpectralVolume", dependencies: ["CFFTW", "COpenBLAS", "Graph"],
                path: "Sources/SpectralVolume", swiftSettings: native),

        // Dense optical flow (coarse-to-fine), for measured motion and frame interpolation.
        .target(name: "Flow", dependencies: ["Graph", "COpenBLAS", "SpectralVolume"], path: "Sources/Flow", swiftSettings: native),
        // The learned motion prior (Training/model.py) run on OpenBLAS: safetensors, U-Net, DDIM, upsampling.
        // Optimized in debug builds too: unoptimized kernels make a 25-step still take minutes.
        .target(name: "Prior", dependencies: ["COpenBLAS", "Graph", "SpectralVolume"], path: "Sources/Prior",
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))] + native),
        // Softmax splatting with motion-magnitude weights, hole filling.
        .target(name: "Render", dependencies: ["Graph", "SpectralVolume"], path: "Sources/Render", swiftSettings: native),

        // Filters: one target per user-visible filter.
        .target(name: "NullFilter", dependencies: ["Graph"], path: "Filters/Null"),
        .target(name: "LavfiFilter", dependencies: ["Graph", "MediaIO"], path: "Filters/Lavfi"),
        .target(name: "MotionFilter", dependencies: ["Graph", "SpectralVolume", "Flow", "Prior"], path: "Filters/Motion"),
        .target(name: "PredictFilter", dependencies: ["Graph", "SpectralVolume", "Prior"], path: "Filters/Predict"),
        .target(name: "MotionSaveFilter", dependencies: ["Graph", "SpectralVolume"], path: "Filters/MotionSave"),
        .target(name: "MagnifyFilter", dependencies: ["Graph", "SpectralVolume"], path: "Filters/Magnify"),
        .target(name: "PokeFilter", dependencies: ["Graph", "SpectralVolume"], path: "Filters/Poke"),
        .target(name: "BreezeFilter", dependencies: ["Graph", "SpectralVolume"], path: "Filters/Breeze"),
        // The page's script and styles live in viewer.html, compiled into the binary.
        .target(name: "ViewerFilter", dependencies: ["Graph", "MediaIO", "SpectralVolume", "CZlib"], path: "Filters/Viewer",
                resources: [.embedInCode("viewer.html")]),
        .target(name: "MaskFilter", dependencies: ["Graph", "MediaIO", "SpectralVolume"], path: "Filters/Mask"),
        .target(name: "SlowmoFilter", dependencies: ["Graph", "SpectralVolume", "Flow"], path: "Filters/Slowmo"),
        .target(name: "LoopFilter", dependencies: ["Graph", "SpectralVolume"], path: "Filters/Loop"),
        .target(name: "RenderFilter", dependencies: ["Graph", "SpectralVolume", "Render"], path: "Filters/Render"),
        .target(name: "VizFilter", dependencies: ["Graph", "SpectralVolume"], path: "Filters/Viz"),

        // `gid-filter bench`: timings against peers run in the same process, and the renderer's
        // scoring on real clips. Kept out of the libraries the CLI's jobs run.
        .target(name: "Bench",
                dependencies: ["Graph", "MediaIO", "SpectralVolume", "Flow", "Render", "RenderFilter"],
                path: "Sources/Bench", swiftSettings: native),

        // The command line: ffmpeg-style options, registry of filters, progress, exit codes.
        .target(name: "GIDFilterCLI",
                dependencies: ["Graph", "MediaIO", "SpectralVolume", "Flow", "Render", "Prior", "Bench", "NullFilter", "LavfiFilter",
                               "MotionFilter", "MotionSaveFilter", "MagnifyFilter", "MaskFilter", "PokeFilter", "BreezeFilter", "SlowmoFilter", "LoopFilter",
                               "RenderFilter", "VizFilter", "PredictFilter", "ViewerFilter"],
                path: "Sources/GIDFilterCLI"),
        .executableTarget(name: "gid-filter", dependencies: ["GIDFilterCLI", "SpectralVolume"], path: "Sources/gid-filter"),
        // Fuzzing (docs/fuzzing.md): libFuzzer targets when built with -DFUZZING -sanitize=fuzzer,address
        // (scripts/fuzz.sh); otherwise a replayer, `gid-fuzz TARGET FILE...`, for crashes and Fuzz/corpus.
        .executableTarget(name: "gid-fuzz",
                          dependencies: ["Graph", "SpectralVolume", "Prior", "GIDFilterCLI", "NullFilter", "LavfiFilter",
                                         "MotionFilter", "MotionSaveFilter", "MagnifyFilter", "MaskFilter", "PokeFilter", "BreezeFilter", "SlowmoFilter",
                                         "LoopFilter", "RenderFilter", "VizFilter", "PredictFilter", "ViewerFilter"],
                          path: "Sources/gid-fuzz"),

        .testTarget(name: "GraphTests", dependencies: ["Graph", "NullFilter"], path: "Tests/GraphTests"),
        .testTarget(name: "MediaIOTests", dependencies: ["MediaIO", "Graph"], path: "Tests/MediaIOTests"),
        .testTarget(name: "FlowTests", dependencies: ["Flow", "MediaIO", "SpectralVolume"], path: "Tests/FlowTests"),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Bench", "SpectralVolume", "Flow", "MediaIO"], path: "Tests/RenderTests"),
        .testTarget(name: "FilterTests",
                    dependencies: ["Graph", "MediaIO", "SpectralVolume", "MotionFilter", "MotionSaveFilter", "MagnifyFilter", "MaskFilter", "PokeFilter",
                                   "BreezeFilter", "SlowmoFilter", "LoopFilter", "RenderFilter", "VizFilter", "Render"],
                    path: "Tests/FilterTests"),
        .testTarget(name: "PriorTests", dependencies: ["Prior", "SpectralVolume", "Graph"],
                    path: "Tests/PriorTests", exclude: ["Fixtures"]),
        .testTarget(name: "SpectralVolumeTests", dependencies: ["SpectralVolume"],
                    path: "Tests/SpectralVolumeTests", exclude: ["Fixtures"]),
        // Runs the real binary on real media; fixtures are found through #filePath.
        .testTarget(name: "CLITests", dependencies: ["gid-filter", "SpectralVolume"], path: "Tests/CLITests", exclude: ["Fixtures"]),
    ]
)

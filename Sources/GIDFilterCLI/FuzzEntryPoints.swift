import Graph

/// Entry points for the fuzz targets in Sources/gid-fuzz (docs/fuzzing.md): the CLI's internal
/// registry and argument parser, reachable from outside. Not meant for any other use.
public enum CLIFuzzing {
    /// The registry the CLI builds chains from (AllFilters.swift).
    public static var filterRegistry: FilterRegistry { registry }

    /// `ArgumentParser.parse` on argv without the program name, plus the range checks the main
    /// command does before opening anything; returns the -vf graph. Throws what the CLI reports.
    public static func parseArguments(_ argv: [String]) throws -> String {
        let a = try ArgumentParser.parse(argv)
        _ = try a.readRange()
        _ = try a.outputDuration()
        _ = Transcode.isMotion(path: a.input, format: a.inputFormat)
        _ = Transcode.isMotion(path: a.output, format: a.encode.format)
        return a.graph
    }
}

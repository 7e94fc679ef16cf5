import Foundation
import GIDFilterCLI

exit(runMain(CommandLine.arguments))

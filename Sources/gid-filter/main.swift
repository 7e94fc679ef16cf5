import Foundation
import GIDFilterCLI
import SpectralVolume

BLASCore.reexecIfNeeded()
exit(runMain(CommandLine.arguments))

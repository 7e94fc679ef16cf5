import Foundation
import Graph

/// Stripes for work whose result does not depend on the split (rows of a dense pass).
let denseStripes = 8

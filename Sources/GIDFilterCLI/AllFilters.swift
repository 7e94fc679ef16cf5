import Graph
import LavfiFilter
import NullFilter

/// Every filter gid-filter knows, one line each, sorted by name (no reflection, as allfilters.c).
let allFilters: [FilterDescriptor] = [
    FilterDescriptor(LavfiFilter.self),
    FilterDescriptor(NullFilter.self),
]

let registry = FilterRegistry(allFilters)

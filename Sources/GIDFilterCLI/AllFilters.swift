import BreezeFilter
import Graph
import LavfiFilter
import LoopFilter
import MagnifyFilter
import MaskFilter
import MotionFilter
import MotionSaveFilter
import NullFilter
import PokeFilter
import PredictFilter
import RenderFilter
import SlowmoFilter
import ViewerFilter
import VizFilter

/// Every filter gid-filter knows, one line each, sorted by name (no reflection, as allfilters.c).
let allFilters: [FilterDescriptor] = [
    FilterDescriptor(BreezeFilter.self),
    FilterDescriptor(LavfiFilter.self),
    FilterDescriptor(LoopFilter.self),
    FilterDescriptor(MagnifyFilter.self),
    FilterDescriptor(MaskFilter.self),
    FilterDescriptor(MotionFilter.self),
    FilterDescriptor(MotionSaveFilter.self),
    FilterDescriptor(NullFilter.self),
    FilterDescriptor(PokeFilter.self),
    FilterDescriptor(PredictFilter.self),
    FilterDescriptor(RenderFilter.self),
    FilterDescriptor(SlowmoFilter.self),
    FilterDescriptor(ViewerFilter.self),
    FilterDescriptor(VizFilter.self),
]

/// The filter inserted where one stream kind meets a filter that takes the other (libavfilter's
/// auto_scale): motion -> frames renders; frames -> motion gets motion (which measures the
/// video's motion with optical flow, and predicts a still's with the learned prior).
let conversion: FilterRegistry.Conversion = { from, to in
    switch (from, to) {
    case (.motion, .frames): return ParsedFilter(name: "render")
    case (.frames, .motion): return ParsedFilter(name: "motion")
    default: return nil
    }
}

let registry = FilterRegistry(allFilters, conversion: conversion)

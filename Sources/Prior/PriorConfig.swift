import Foundation

/// The model settings stored in a gid-prior file's `model_config` metadata (Training/model.py
/// `ModelConfig`); fields the engine does not need (dropout, cond_drop) are ignored.
public struct PriorConfig: Sendable, Equatable, Decodable {
    /// Frequencies K (one 4-channel slice each).
    public var K: Int
    public var gridW: Int
    public var gridH: Int
    /// I0 enters at this many times the grid, folded into 3 f^2 channels by pixel_unshuffle.
    public var condFactor: Int
    public var base: Int
    public var mults: [Int]
    public var resBlocks: Int
    public var spatialAttention: Bool
    public var heads: Int
    public var frequencyAttention: Bool
    public var frequencyAttentionLevels: [Int]
    public var groups: Int
    public var kind: String
    public var timesteps: Int
    public var schedule: String
    public var x0Clip: Double
    /// DDIM's first step; -1 = the last timestep.
    public var tMax: Int

    enum CodingKeys: String, CodingKey {
        case K, base, mults, heads, groups, kind, timesteps, schedule
        case gridW = "grid_w", gridH = "grid_h", condFactor = "cond_factor", resBlocks = "res_blocks"
        case spatialAttention = "spatial_attn", frequencyAttention = "freq_attn"
        case frequencyAttentionLevels = "freq_attn_levels", x0Clip = "x0_clip", tMax = "t_max"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        K = try c.decode(Int.self, forKey: .K)
        gridW = try c.decode(Int.self, forKey: .gridW)
        gridH = try c.decode(Int.self, forKey: .gridH)
        condFactor = try c.decode(Int.self, forKey: .condFactor)
        base = try c.decode(Int.self, forKey: .base)
        mults = try c.decode([Int].self, forKey: .mults)
        resBlocks = try c.decode(Int.self, forKey: .resBlocks)
        spatialAttention = try c.decodeIfPresent(Bool.self, forKey: .spatialAttention) ?? true
        heads = try c.decode(Int.self, forKey: .heads)
        frequencyAttention = try c.decodeIfPresent(Bool.self, forKey: .frequencyAttention) ?? false
        frequencyAttentionLevels = try c.decodeIfPresent([Int].self, forKey: .frequencyAttentionLevels) ?? []
        groups = try c.decode(Int.self, forKey: .groups)
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "diffusion"
        timesteps = try c.decodeIfPresent(Int.self, forKey: .timesteps) ?? 1000
        schedule = try c.decodeIfPresent(String.self, forKey: .schedule) ?? "cosine"
        x0Clip = try c.decodeIfPresent(Double.self, forKey: .x0Clip) ?? 4
        tMax = try c.decodeIfPresent(Int.self, forKey: .tMax) ?? -1
    }

    /// Parses and sanity-checks the JSON; `file` names the model in errors.
    static func parse(_ json: String?, file: String) throws(PriorError) -> PriorConfig {
        guard let json else { throw PriorError(.corrupt, file: file, "metadata 'model_config' is missing") }
        let cfg: PriorConfig
        do {
            cfg = try JSONDecoder().decode(PriorConfig.self, from: Data(json.utf8))
        } catch {
            throw PriorError(.corrupt, file: file, "metadata 'model_config' is not a valid model config (\(error))")
        }
        guard cfg.kind == "diffusion" else {
            throw PriorError(.unsupported, file: file, "model kind '\(cfg.kind)' is not run by the Swift engine (only 'diffusion')")
        }
        guard ["cosine", "linear"].contains(cfg.schedule) else {
            throw PriorError(.unsupported, file: file, "noise schedule '\(cfg.schedule)' is unknown (cosine or linear)")
        }
        // Upper bounds first (real models sit far inside): a corrupt file must not overflow
        // base * mult or ask for terabytes before its tensors are even checked.
        let bounded = (1...75).contains(cfg.K) && (1...256).contains(cfg.gridW) && (1...256).contains(cfg.gridH)
            && (1...16).contains(cfg.condFactor) && (1...1024).contains(cfg.base) && (1...8).contains(cfg.mults.count)
            && cfg.mults.allSatisfy { (1...16).contains($0) } && (1...8).contains(cfg.resBlocks) && (1...64).contains(cfg.heads)
            && (1...1024).contains(cfg.groups) && (2...100_000).contains(cfg.timesteps) && (-1..<cfg.timesteps).contains(cfg.tMax)
            && cfg.x0Clip.isFinite && cfg.x0Clip > 0 && cfg.x0Clip <= 1e4
            && cfg.frequencyAttentionLevels.allSatisfy { (0..<cfg.mults.count).contains($0) }
        let ok = bounded && cfg.mults.allSatisfy { (cfg.base * $0) % cfg.groups == 0 && (cfg.base * $0) % cfg.heads == 0 }
        guard ok else { throw PriorError(.corrupt, file: file, "model_config has out-of-range values: \(json)") }
        guard cfg.spatialAttention == false || cfg.channels.allSatisfy({ ($0 / cfg.heads) % 4 == 0 }) else {
            throw PriorError(.unsupported, file: file, "attention heads of \(cfg.channels.map { $0 / cfg.heads }) channels: the Swift engine needs multiples of 4")
        }
        return cfg
    }

    /// Channels per level.
    var channels: [Int] { mults.map { base * $0 } }
    /// The timestep-embedding width (4 * base).
    var embeddingWidth: Int { 4 * base }
    /// Whether level `lvl` has frequency attention.
    func hasFrequencyAttention(level lvl: Int) -> Bool { frequencyAttention && frequencyAttentionLevels.contains(lvl) }
    /// DDIM's first timestep.
    var firstTimestep: Int { tMax < 0 ? timesteps - 1 : tMax }
}

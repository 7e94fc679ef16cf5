"""The amplitude-first prior: *where* and *how much* a still moves, regressed from the picture;
the phases (which the picture cannot tell) drawn as smooth random fields.

    A_k(p)  = per-pixel amplitude of frequency k, sqrt(|S_k,x|^2 + |S_k,y|^2), predicted as log A_k
    fx(p)   = the share of that energy along x (sigmoid)
    S_k(p)  = A_k(p) (sqrt(fx) u_k(p), sqrt(1 - fx) d(p) u_k(p))

u_k is a unit-ish complex field (smoothed complex noise, so neighbours swing together and the
picture does not tear), d a smooth +-1 field shared by all k (each pixel swings along a line).
Every step here is mirrored in Swift (Sources/Prior/Amplitude*.swift) and checked against golden
vectors that export.py writes, so keep both sides in step.

The network: frozen ImageNet AlexNet (features.py) -> a 1x1 projection of each of its five ReLU
taps to 16 channels (trained on the tap's top 64 whitened principal components and stored as one
1x1 convolution; train_amplitude.TapProjection), bilinearly brought to the output grid (1/4 of
the input) -> a 1x1 mixing layer and two 3x3 convolutions -> K + 1 maps.
Optionally (`texture`, an ablation) a texture cue (log local gradient energy) joins the inputs
and is also added to every log A_k with a learned gain. AlexNet is fixed,
so training caches its projected taps per augmented window and runs only the projections and
the small head. At prediction,
log A_k stops at a per-frequency cap and a picture whose motion exceeds a typical training
scene's is scaled down to it (`level_gain`).
Trained with a log-L1 loss (calibrated amplitudes and spectrum) plus a ranking loss within each
picture (moving pixels above still ones: what matters for *where*).
"""
import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from features import TAPS, AlexNetFeatures

LOG_FLOOR = 0.02      # grid pixels added before the log: measured motion below this is noise


@dataclass
class AmpConfig:
    K: int = 16
    input_w: int = 512          # training crops; any size whose sides are multiples of 16 runs
    input_h: int = 320
    proj: int = 16              # channels each AlexNet tap is projected to (a 1x1 convolution)
    hidden: int = 32
    layers: int = 2             # 3x3 convolutions after the 1x1 mixing of the inputs
    taps: list = field(default_factory=lambda: list(range(len(TAPS))))
    texture: bool = False       # the texture cue as an input (ablations; the shipped model does without)
    features: bool = True       # False: the texture cue alone (the ablation's "no features")
    coherence: float = 0.09     # phase-field smoothing sigma, as a fraction of the grid width, at k = 1
    texture_skip: bool = True   # the texture cue also added straight to log A_k (a learned gain per output)
    dropout: float = 0.1        # training only: whole input channels dropped (the head must not lean on one)
    log_amp_cap: list = None    # per k: the training targets' 95th percentile of log A_k; predictions stop there
    amp_reference: float = None  # a typical scene's strong motion (median over training windows of their
                                 # 95th-percentile total amplitude), fraction of the grid width; a
                                 # picture predicted to move more is scaled down to it
    test_scales: list = field(default_factory=lambda: [1.0])  # prediction: the network also sees its input at
    test_flip: bool = False     # these scales (and mirrored); the views' outputs are averaged (view_outputs)
    kind: str = "amplitude"

    def to_json(self):
        return asdict(self)


def texture_cue(image):
    """image (B, 3, H, W) 0..1 -> (B, 1, H/4, W/4): log of the 4x4-pooled squared luma gradient
    (forward differences, 0 at the last row / column)."""
    g = 0.299 * image[:, 0] + 0.587 * image[:, 1] + 0.114 * image[:, 2]
    gx = torch.zeros_like(g)
    gy = torch.zeros_like(g)
    gx[:, :, :-1] = g[:, :, 1:] - g[:, :, :-1]
    gy[:, :-1, :] = g[:, 1:, :] - g[:, :-1, :]
    e = F.avg_pool2d((gx * gx + gy * gy)[:, None], 4)
    return torch.log(e + 1e-4)


class AmplitudeNet(nn.Module):
    def __init__(self, cfg: AmpConfig, alexnet: AlexNetFeatures = None):
        super().__init__()
        self.cfg = cfg
        self.alexnet = alexnet
        cin = 0
        if cfg.features:
            self.proj = nn.ModuleList([nn.Conv2d(TAPS[i], cfg.proj, 1) for i in cfg.taps])
            for p in self.proj.parameters():
                p.requires_grad_(False)
            cin += cfg.proj * len(cfg.taps)
        if cfg.texture:
            cin += 1
        self.mix = nn.Conv2d(cin, cfg.hidden, 1)
        self.convs = nn.ModuleList([nn.Conv2d(cfg.hidden, cfg.hidden, 3, padding=1) for _ in range(cfg.layers)])
        self.out = nn.Conv2d(cfg.hidden, cfg.K + 1, 1)
        if cfg.texture and cfg.texture_skip:
            self.tex_gain = nn.Parameter(torch.cat([torch.full((cfg.K,), 0.3), torch.zeros(1)]))
        with torch.no_grad():  # start at a small, flat spectrum
            self.out.weight.mul_(0.1)
            self.out.bias.zero_()
            self.out.bias[:cfg.K] = math.log(0.1)

    def inputs(self, image, trace=None):
        """The head's input (fixed: AlexNet taps projected and resized, the texture cue), (B, C, H/4, W/4)."""
        B, _, H, W = image.shape
        assert H % 16 == 0 and W % 16 == 0, f"input {W}x{H}: sides must be multiples of 16"
        h, w = H // 4, W // 4
        parts = []
        if self.cfg.features:
            with torch.no_grad():
                taps = self.alexnet(image)
                for j, i in enumerate(self.cfg.taps):
                    p = self.proj[j](taps[i])
                    parts.append(F.interpolate(p, size=(h, w), mode="bilinear", align_corners=False))
        if self.cfg.texture:
            parts.append(texture_cue(image))
        x = torch.cat(parts, 1)
        if trace is not None:
            trace("inputs", x)
        return x

    def forward(self, image, trace=None):
        """image (B, 3, H, W) 0..1 -> log A (B, K, H/4, W/4), x-share logit (B, 1, H/4, W/4)."""
        return self.head(self.inputs(image, trace), trace)

    def head(self, inputs, trace=None):
        """The trainable part, from inputs() to the outputs."""
        x = F.dropout2d(inputs, self.cfg.dropout) if self.training and self.cfg.dropout > 0 else inputs
        x = F.relu(self.mix(x))
        if trace is not None:
            trace("mix", x)
        for i, c in enumerate(self.convs):
            x = F.relu(c(x))
            if trace is not None:
                trace(f"conv{i}", x)
        y = self.out(x)
        if hasattr(self, "tex_gain"):     # the texture cue is the inputs' last channel
            y = y + self.tex_gain.view(1, -1, 1, 1) * inputs[:, -1:]
        if trace is not None:
            trace("out", y)
        return y[:, :self.cfg.K], y[:, self.cfg.K:]


# Config fields measured from a run's own training targets (augmented variants, a rank's shard):
# heads of one data set differ in them a little, so an ensemble takes their mean.
MEASURED = ("log_amp_cap", "amp_reference")
LEVEL_TOLERANCE = math.log(1.5)   # beyond this (log units) the heads saw other data


def measured_levels(models):
    """The ensemble's MEASURED fields: the mean over the heads (None where any head has none).
    Refuses heads whose levels are more than a factor 1.5 apart, a sign of other data."""
    out = {}
    for key in MEASURED:
        values = [getattr(m.cfg, key) for m in models]
        if any(v is None for v in values):
            assert all(v is None for v in values), f"heads differ in ['{key}']: some have none"
            out[key] = None
            continue
        logs = np.log(np.asarray(values, dtype=np.float64)) if key == "amp_reference" else np.asarray(values, dtype=np.float64)
        spread = float(np.max(logs.max(0) - logs.min(0)))
        assert spread <= LEVEL_TOLERANCE, (f"heads differ in ['{key}'] by {spread:.2f} (log units; at most "
                                           f"{LEVEL_TOLERANCE:.2f}): they were trained on other data")
        mean = logs.mean(0)
        out[key] = round(float(np.exp(mean)), 5) if key == "amp_reference" else [round(float(v), 4) for v in mean]
    return out


@torch.no_grad()
def ensemble(models):
    """One AmplitudeNet whose outputs are the mean of the models' (heads trained with other seeds on
    the same data): the heads side by side, block-diagonal, averaged by `out`. The file format and
    the Swift engine are those of a single wider head (proj x N, hidden x N channels)."""
    first = models[0]
    n, cfg0 = len(models), first.cfg
    for m in models[1:]:   # every setting but the training-only dropout and the measured levels must match
        differ = [k for k, v in asdict(m.cfg).items() if k not in ("dropout",) + MEASURED and v != getattr(cfg0, k)]
        assert not differ, f"heads differ in {differ}: only heads trained on the same data with the same settings"
    if n == 1:
        return first
    cfg = AmpConfig(**dict(asdict(cfg0), proj=cfg0.proj * n, hidden=cfg0.hidden * n, **measured_levels(models)))
    net = AmplitudeNet(cfg, first.alexnet).eval()
    P, Hd, taps = cfg0.proj, cfg0.hidden, len(cfg0.taps) if cfg0.features else 0
    for j in range(taps):   # tap j's projections: head i's channels at [i * P, (i + 1) * P)
        net.proj[j].weight.copy_(torch.cat([m.proj[j].weight for m in models]))
        net.proj[j].bias.copy_(torch.cat([m.proj[j].bias for m in models]))
    for w in [net.mix.weight] + [c.weight for c in net.convs]:
        w.zero_()          # off the diagonal blocks: no head reads another's channels
    for i, m in enumerate(models):
        rows = slice(i * Hd, (i + 1) * Hd)
        for j in range(taps):   # the ensemble's inputs are ordered tap by tap, head by head within a tap
            net.mix.weight[rows, j * n * P + i * P:j * n * P + (i + 1) * P] = m.mix.weight[:, j * P:(j + 1) * P]
        if cfg0.texture:        # one shared texture channel, last
            net.mix.weight[rows, -1:] = m.mix.weight[:, -1:]
        net.mix.bias[rows] = m.mix.bias
        for c_net, c in zip(net.convs, m.convs):
            c_net.weight[rows, rows] = c.weight
            c_net.bias[rows] = c.bias
        net.out.weight[:, rows] = m.out.weight / n
    net.out.bias.copy_(sum(m.out.bias for m in models) / n)
    if hasattr(net, "tex_gain"):
        net.tex_gain.copy_(sum(m.tex_gain for m in models) / n)
    return net


# ----------------------------------------------------------------------------------------------
# Targets and losses

def targets(S):
    """S (B, K, 4, h, w) raw -> log A (B, K, h, w), x share (B, 1, h, w), total amplitude (B, h, w)."""
    px = S[:, :, 0] ** 2 + S[:, :, 2] ** 2
    py = S[:, :, 1] ** 2 + S[:, :, 3] ** 2
    A = torch.sqrt(px + py)
    fx = px.sum(1, keepdim=True) / (px.sum(1, keepdim=True) + py.sum(1, keepdim=True) + 1e-12)
    total = 2 * torch.sqrt((A[:, 1:] ** 2).sum(1))   # the evaluation's amplitude (k >= 1)
    return torch.log(A + LOG_FLOOR), fx, total


def transient_mask(S, drift_ratio=0.55, outlier=3.0):
    """(B, h, w) 1 where a pixel's motion is the scene's oscillation, 0 for one-off passers-by.

    A person or car crossing the window drifts one way (its trajectory's last eighth sits far
    from its first: 0.7-0.9 of its span for a steady drift, 0.37 for one whole swing) and moves much more than the scene around it. Slow drift of a whole sky is
    not an outlier, so clouds stay."""
    B, K, _, h, w = S.shape
    t = torch.linspace(0, 1, 33)[:-1]
    k = torch.arange(K, dtype=torch.float32)
    ang = 2 * math.pi * k[:, None] * t[None]                               # (K, T)
    w_k = torch.where(k == 0, 1.0, 2.0)[:, None]
    cos, sin = w_k * torch.cos(ang), w_k * torch.sin(ang)
    # d(t) = sum_k w_k (Re S_k cos - Im S_k sin), per axis
    dx = torch.einsum("bkhw,kt->bthw", S[:, :, 0], cos) - torch.einsum("bkhw,kt->bthw", S[:, :, 2], sin)
    dy = torch.einsum("bkhw,kt->bthw", S[:, :, 1], cos) - torch.einsum("bkhw,kt->bthw", S[:, :, 3], sin)
    q = len(t) // 8
    drift = torch.hypot(dx[:, -q:].mean(1) - dx[:, :q].mean(1), dy[:, -q:].mean(1) - dy[:, :q].mean(1))
    span = torch.hypot(dx.amax(1) - dx.amin(1), dy.amax(1) - dy.amin(1)) + 1e-6
    amp = span
    moving = amp > 0.3
    med = torch.stack([amp[b][moving[b]].median() if moving[b].any() else amp.new_tensor(1e9) for b in range(B)])
    bad = (drift > drift_ratio * span) & (amp > outlier * med[:, None, None]) & moving
    return (~bad).float()


def ranking_loss(score, total, valid, pairs=512, thresh=0.38, generator=None):
    """Within each picture: softplus(-(s_p - s_q)) over random pairs of a moving p and a still q."""
    B = score.shape[0]
    losses = []
    for b in range(B):
        s, a, v = score[b].reshape(-1), total[b].reshape(-1), valid[b].reshape(-1) > 0
        pos = torch.nonzero((a > thresh) & v).squeeze(1)
        neg = torch.nonzero((a < 0.5 * thresh) & v).squeeze(1)
        if len(pos) == 0 or len(neg) == 0:
            continue
        i = pos[torch.randint(len(pos), (pairs,), generator=generator)]
        j = neg[torch.randint(len(neg), (pairs,), generator=generator)]
        losses.append(F.softplus(-(s[i] - s[j])).mean())
    return torch.stack(losses).mean() if losses else score.sum() * 0


def total_score(logA):
    """log of the total amplitude 2 sqrt(sum_{k>=1} A_k^2) from predicted log A_k (B, K, h, w)."""
    return 0.5 * torch.logsumexp(2 * logA[:, 1:], 1) + math.log(2)


def fit_projection(model, images, batch=8):
    """Sets each tap's projection to its whitened top principal components over `images`."""
    cfg = model.cfg
    sums = [None] * len(cfg.taps)
    with torch.no_grad():
        for b in range(0, len(images), batch):
            taps = model.alexnet(images[b:b + batch])
            for j, i in enumerate(cfg.taps):
                f = taps[i].permute(1, 0, 2, 3).reshape(taps[i].shape[1], -1).double()
                acc = (f.sum(1), f @ f.T, f.shape[1])
                sums[j] = acc if sums[j] is None else tuple(a + c for a, c in zip(sums[j], acc))
        for j, (s1, s2, n) in enumerate(sums):
            mean = s1 / n
            cov = s2 / n - torch.outer(mean, mean)
            val, vec = torch.linalg.eigh(cov)
            val, vec = val.flip(0)[:cfg.proj].clamp(min=1e-6), vec.flip(1)[:, :cfg.proj]
            W = (vec / val.sqrt()).T                                    # (proj, C)
            model.proj[j].weight.copy_(W.float()[:, :, None, None])
            model.proj[j].bias.copy_((-W @ mean).float())


def amplitude_caps(cached, K, q=0.95):
    """Per frequency, the q-quantile of the targets' log A_k (cached_targets rows, (N, K + 3, h, w))."""
    sample = cached[:, :K].float().permute(1, 0, 2, 3).reshape(K, -1)[:, ::7]
    return [round(float(v.quantile(q)), 4) for v in sample]


def amplitude_reference(cached, K):
    """Median over windows of the 95th percentile of the total amplitude, / grid width."""
    n, w = cached.shape[0], cached.shape[-1]
    total = cached[:, K + 1].float().reshape(n, -1)
    return round(float(total.quantile(0.95, dim=1).median()) / w, 5)


def cached_targets(S):
    """What the loss needs of a window's S, (K + 3, h, w): log A_k, x share, total, valid."""
    tA, tfx, total = targets(S)
    return torch.cat([tA, tfx, total[:, None], transient_mask(S)[:, None]], 1)


def loss(model, inputs, cached, generator=None, rank_weight=1.0, direction_weight=0.2):
    """inputs (B, C, h, w) from model.inputs, cached (B, K + 3, h, w) from cached_targets."""
    K = model.cfg.K
    logA, xl = model.head(inputs)
    tA, tfx, total, valid = cached[:, :K], cached[:, K:K + 1], cached[:, K + 1], cached[:, K + 2]
    l1 = ((logA - tA).abs().mean(1) * valid).sum() / valid.sum().clamp(min=1)
    wx = (total * valid).clamp(max=4.0)          # direction matters where things move
    bce = (F.binary_cross_entropy_with_logits(xl[:, 0], tfx[:, 0], reduction="none") * wx).sum() / wx.sum().clamp(min=1e-6)
    rank = ranking_loss(total_score(logA), total, valid, generator=generator)
    return l1 + direction_weight * bce + rank_weight * rank, {"l1": l1.item(), "bce": bce.item(), "rank": rank.item()}


# ----------------------------------------------------------------------------------------------
# Phases and the spectral volume

def gaussian_taps(sigma):
    r = max(1, int(math.ceil(3 * sigma)))
    x = torch.arange(-r, r + 1, dtype=torch.float32)
    g = torch.exp(-0.5 * (x / sigma) ** 2)
    return g / g.sum()


def smooth(x, sigma):
    """Separable Gaussian blur of (C, h, w), normalized by the blurred ones (edges not darkened)."""
    g = gaussian_taps(sigma)
    r = (len(g) - 1) // 2
    C, h, w = x.shape

    def blur(t):
        t = F.conv2d(F.pad(t[:, None], (r, r, 0, 0)), g.view(1, 1, 1, -1))
        return F.conv2d(F.pad(t, (0, 0, r, r)), g.view(1, 1, -1, 1))[:, 0]
    return blur(x) / blur(torch.ones(1, h, w))


def phase_sigmas(cfg, w):
    """Smoothing sigma per frequency k (grid pixels): low frequencies swing over larger areas."""
    return [max(1.0, cfg.coherence * w / math.sqrt(max(k, 1))) for k in range(cfg.K)]


def noise_shape(cfg, h, w):
    """The noise a sample consumes: K complex phase fields and one direction field."""
    return (2 * cfg.K + 1, h, w)


def synthesize(cfg, logA, xl, noise):
    """logA (K, h, w), x-share logit (1, h, w), noise (2K + 1, h, w) -> S (K, 4, h, w)."""
    K, h, w = logA.shape
    if cfg.log_amp_cap is not None:   # a picture unlike any in training must not swing wider than they did
        logA = torch.minimum(logA, torch.tensor(cfg.log_amp_cap, dtype=logA.dtype).view(-1, 1, 1))
    A = torch.exp(logA) - LOG_FLOOR
    A = A.clamp(min=0)
    A = A * level_gain(cfg, A)
    fx = torch.sigmoid(xl[0])
    sig = phase_sigmas(cfg, w)
    d = smooth(noise[2 * K:], sig[min(1, K - 1)])[0]
    d = torch.tanh(3 * d / d.square().mean().sqrt().clamp(min=1e-6))
    S = torch.zeros(K, 4, h, w)
    for k in range(K):
        z = smooth(noise[2 * k:2 * k + 2], sig[k])
        m2 = (z * z).sum(0)
        u = z / torch.sqrt(m2 + 0.1 * m2.mean() + 1e-12)              # soft unit modulus (no phase vortices)
        ax, ay = A[k] * torch.sqrt(fx), A[k] * torch.sqrt(1 - fx) * d
        if k == 0:     # the mean displacement is real
            S[0, 0], S[0, 1] = ax * u[0], ay * u[0]
        else:
            S[k, 0], S[k, 1], S[k, 2], S[k, 3] = ax * u[0], ay * u[0], ax * u[1], ay * u[1]
    return S


def level_gain(cfg, A):
    """min(1, reference / the picture's 95th percentile of total amplitude): pictures unlike the
    training scenes get extreme predictions, and a loop of a whole picture swinging wide is worse
    than a gentle one (magnify makes it more)."""
    if cfg.amp_reference is None:
        return 1.0
    total = 2 * torch.sqrt((A[1:] ** 2).sum(0)).flatten()
    p95 = torch.sort(total).values[int(0.95 * (len(total) - 1))]       # the lower sample: Swift's too
    ref = cfg.amp_reference * A.shape[-1]
    return float(min(1.0, ref / p95)) if p95 > 0 else 1.0


def input_size(width, height, area=512 * 320):
    """The network input for a still: the still's aspect, about `area` pixels, sides multiples of 16, at least 64 (AlexNet needs it)."""
    ar = width / height
    w = max(64, int(round(math.sqrt(area * ar) / 16)) * 16)
    h = max(64, int(round(math.sqrt(area / ar) / 16)) * 16)
    return w, h


def view_size(width, height, scale):
    """A test view's input size: the input's sides times `scale`, rounded to multiples of 16."""
    side = lambda v: max(64, int(round(v * scale / 16)) * 16)
    return side(width), side(height)


@torch.no_grad()
def view_outputs(model, image):
    """image (3, H, W) 0..1 at the network's input size -> log A (K, h, w), x-share logit (1, h, w):
    the mean over the config's test views. A view is the input resized (antialiased bilinear) to
    view_size and, with test_flip, also mirrored; its outputs are mirrored back, resized to the
    grid, and its log A lowered by log(view width / input width) (grid pixels of a finer grid).
    The network's errors differ from view to view, so the mean ranks pixels better: held-out AUC
    0.822 -> 0.843 for scales 1, 1.5 with mirrors (Training/README.md)."""
    cfg = model.cfg
    H, W = image.shape[1:]
    h, w = H // 4, W // 4
    logA_sum, xl_sum, n = 0, 0, 0
    for scale in cfg.test_scales:
        vw, vh = view_size(W, H, scale)
        view = image[None] if (vw, vh) == (W, H) else \
            F.interpolate(image[None], size=(vh, vw), mode="bilinear", antialias=True, align_corners=False)
        for mirror in ([False, True] if cfg.test_flip else [False]):
            logA, xl = model(view.flip(-1) if mirror else view)
            if mirror:
                logA, xl = logA.flip(-1), xl.flip(-1)
            if (vw, vh) != (W, H):
                logA = F.interpolate(logA, size=(h, w), mode="bilinear", antialias=True, align_corners=False) - math.log(vw / W)
                xl = F.interpolate(xl, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
            logA_sum, xl_sum, n = logA_sum + logA[0], xl_sum + xl[0], n + 1
    return logA_sum / n, xl_sum / n


def predict(model, image, generator=None, noise=None):
    """image (3, H, W) 0..1 at the network's input size -> S (K, 4, H/4, W/4) raw grid pixels."""
    logA, xl = view_outputs(model, image)
    K, h, w = logA.shape
    if noise is None:
        noise = torch.randn(noise_shape(model.cfg, h, w), generator=generator)
    return synthesize(model.cfg, logA, xl, noise)


def still_input(image, cfg):
    """image (3, H, W) torch 0..1 -> the network input (1, 3, h, w): antialiased bilinear to
    input_size (the Swift engine's Resample.resize)."""
    w, h = input_size(image.shape[2], image.shape[1], cfg.input_w * cfg.input_h)
    return F.interpolate(image[None], size=(h, w), mode="bilinear", antialias=True, align_corners=False)


def load_amplitude(path):
    """(AmplitudeNet in eval mode, info) from a train_amplitude.py checkpoint or an exported file."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    if path.endswith(".pt"):
        ck = torch.load(path, weights_only=False, map_location="cpu")
        cfg = AmpConfig(**ck["config"])
        model = AmplitudeNet(cfg, AlexNetFeatures.pretrained() if cfg.features else None)
        model.load_state_dict(ck["head"], strict=False)
        return model.eval(), {"step": ck["step"], "train_clips": ck["train_clips"]}
    t = load_file(path)
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
    cfg = AmpConfig(**json.loads(meta["model_config"]))
    alex = None
    if cfg.features:
        alex = AlexNetFeatures({k[len("alexnet."):]: v for k, v in t.items() if k.startswith("alexnet.")})
    model = AmplitudeNet(cfg, alex)
    model.load_state_dict({k[len("model."):]: v for k, v in t.items() if k.startswith("model.")}, strict=False)
    return model.eval(), {"step": int(meta.get("step", 0)), "train_clips": json.loads(meta.get("train_clips", "[]"))}


def is_amplitude_file(path):
    if path.endswith(".pt"):
        return torch.load(path, weights_only=False, map_location="cpu").get("kind") == "amplitude"
    from safetensors import safe_open
    with safe_open(path, framework="pt") as f:
        return json.loads((f.metadata() or {}).get("model_config", "{}")).get("kind") == "amplitude"


def predict_still(model, image, noise=None, generator=None):
    """image (3, H, W) torch 0..1 at any size -> S (K, 4, H, W) raw pixels of the still: the network
    on still_input, synthesize on its grid, then sample.py's upsampling (image-guided to 4x the
    grid, antialiased bilinear to the still). The Swift engine's AmplitudePrior.predictCoefficients."""
    from dataset import resize_volume
    from upsample import upsample_volume_guided
    H, W = image.shape[1:]
    S = predict(model, still_input(image, model.cfg)[0], generator=generator, noise=noise)
    h, w = S.shape[-2:]
    S = upsample_volume_guided(S, image, min(W, 4 * w), min(H, 4 * h))
    return resize_volume(S, W, H)


def sizes_for(cfg, width, height):
    """((input w, input h), (grid w, grid h)) for a still."""
    w, h = input_size(width, height, cfg.input_w * cfg.input_h)
    return (w, h), (w // 4, h // 4)

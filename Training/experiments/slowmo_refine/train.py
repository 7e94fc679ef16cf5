"""Tiny CNN on (ours, A, B, t) -> truth, evaluated on the benchmark clips' full frames.

    python3 train.py CHANNELS STEPS [mix]    (mix: output masks toward the blend / blurred blend
                                              instead of a residual)
"""
import numpy as np, torch, torch.nn as nn, pickle, sys, time
import os
OUT = os.environ.get("OUT", "/tmp/slowmo-refine")  # crops and models (hundreds of MB): outside the repo
os.makedirs(OUT, exist_ok=True)
torch.set_num_threads(2); torch.manual_seed(0)
CH = int(sys.argv[1]) if len(sys.argv) > 1 else 16
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
MIX = len(sys.argv) > 3 and sys.argv[3] == "mix"
d = np.load(OUT + "/train.npz")
def tens(x): return torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255
ours, a, b, truth = (tens(d[k]) for k in ("ours", "a", "b", "truth"))
t = torch.from_numpy(d["t"]).float()
N = len(t); print("crops", N)
class Net(nn.Module):
    def __init__(s, c=CH):
        super().__init__()
        s.body = nn.Sequential(nn.Conv2d(10, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=2, dilation=2), nn.ReLU(),
                               nn.Conv2d(c, c, 3, padding=4, dilation=4), nn.ReLU(), nn.Conv2d(c, 2 if MIX else 3, 3, padding=1))
        # Start as the identity: no residual, or masks near 0 (sigmoid(-4) = 0.02).
        nn.init.zeros_(s.body[-1].weight); nn.init.constant_(s.body[-1].bias, -4.0 if MIX else 0.0)
    def forward(s, o, a, b, t):
        tt = t.view(-1, 1, 1, 1)
        x = torch.cat([o, a, b, tt.expand(-1, 1, o.shape[2], o.shape[3])], 1)
        if not MIX:
            return o + s.body(x)
        # Mix only: ours moved toward the blend and toward a 5x5-blurred blend (adds no noise).
        m = torch.sigmoid(s.body(x))
        blend = (1 - tt) * a + tt * b
        soft = torch.nn.functional.avg_pool2d(blend, 5, 1, 2, count_include_pad=False)
        return o + m[:, :1] * (blend - o) + m[:, 1:] * (soft - o)
net = Net(); opt = torch.optim.Adam(net.parameters(), 1e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, STEPS)
t0 = time.time()
for step in range(STEPS):
    i = torch.randint(0, N, (32,))
    o, aa, bb, tr = ours[i], a[i], b[i], truth[i]
    if torch.rand(1) < 0.5: o, aa, bb, tr = (z.flip(3) for z in (o, aa, bb, tr))
    loss = ((net(o, aa, bb, t[i]) - tr) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    if step % 250 == 0: print(step, loss.item(), f"{time.time()-t0:.0f}s", flush=True)
torch.save(net.state_dict(), f"{OUT}/net{CH}{'-mix' if MIX else ''}.pt")
test = pickle.load(open(OUT + "/test.pkl", "rb"))
MCI = {("water__dyntex_fountain_trees.avi",2):27.82,("water__dyntex_fountain_trees.avi",4):25.78,
 ("plants__hollyhock_flower_wind.mkv",2):40.56,("plants__hollyhock_flower_wind.mkv",4):37.34,
 ("fire__fireplace_gatech.mkv",2):28.02,("fire__fireplace_gatech.mkv",4):26.31,
 ("structure_sway__swing_set_yard.mkv",2):44.36,("structure_sway__swing_set_yard.mkv",4):39.13,
 ("water__lake_boats.mp4",2):35.25,("water__lake_boats.mp4",4):32.67,
 ("plants__evm_shadow_house_trees.mkv",2):47.62,("plants__evm_shadow_house_trees.mkv",4):46.86}
res = {}
with torch.no_grad():
    for name, n, o, aa, bb, tr, tt in test:
        x = [torch.from_numpy(z).permute(2, 0, 1)[None].float() / 255 for z in (o, aa, bb)]
        y = net(*x, torch.tensor([tt]).float())
        r = (y.clamp(0, 1) * 255).round()[0].permute(1, 2, 0).numpy()
        p = lambda u: 10 * np.log10(255 ** 2 / np.mean((u.astype(float) - tr.astype(float)) ** 2))
        res.setdefault((name, n), []).append((p(o), p(r)))
for n in (2, 4):
    ds = []
    for (name, m), v in res.items():
        if m != n: continue
        po, pr = np.mean([u[0] for u in v]), np.mean([u[1] for u in v])
        ds.append((po - MCI[(name, n)], pr - MCI[(name, n)]))
        print(f"{name[:28]:28s} x{n} ours {po:.2f} refined {pr:.2f} ({pr-po:+.2f})  vs mci {po-MCI[(name,n)]:+.2f} -> {pr-MCI[(name,n)]:+.2f}")
    print(f"x{n} mean vs mci: ours {np.mean([u[0] for u in ds]):+.3f} refined {np.mean([u[1] for u in ds]):+.3f}")

"""Where the prior puts motion, as a person would check it: each still beside the heatmap
(`viz=heatmap`) of its predicted motion, for the shipped stills (Samples/stills) and the eight KDE
wallpapers in ../shared/data/stills (when present), one contact sheet.

    Training/.venv/bin/python Training/heatmaps.py [--model M ...] [--out Training/results/heatmaps.jpg]

Each --model adds a column (default: the shipped amplitude prior and the diffusion prior it
replaced). Stills are scaled to 640 wide first; the heatmap's colour scale is per picture.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.path.join(ROOT, ".build", "release", "gid-filter")


def stills():
    found = sorted(glob.glob(os.path.join(ROOT, "Samples", "stills", "*.jpg")))
    shipped = {os.path.basename(f).split(".")[0].lower() for f in found}
    # The wallpapers Samples/ ships (cropped) are shown once.
    found += [f for f in sorted(glob.glob(os.path.join(ROOT, "..", "shared", "data", "stills", "*", "*.jpg")))
              if os.path.basename(f).split("_")[0].lower() not in shipped]
    return found


def heatmap(still, model, out):
    graph = f"lavfi='scale=640:-2',motion=seed=1:model={model},viz=heatmap"
    r = subprocess.run([BIN, "-y", "-nostats", "-loglevel", "error", "-i", still, "-vf", graph, out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"gid-filter failed on {still}: {r.stderr.strip()}")
    return Image.open(out).convert("RGB")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", action="append", help="model file(s), one column each")
    p.add_argument("--out", default=os.path.join(HERE, "results", "heatmaps.jpg"))
    p.add_argument("--width", type=int, default=320, help="width of each picture in the sheet")
    args = p.parse_args()
    models = args.model or [os.path.join(ROOT, "Models", "gid-prior-default.safetensors"),
                            os.path.join(ROOT, "Models", "gid-prior-diffusion.safetensors")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for still in stills():
            pics = [Image.open(still).convert("RGB")]
            pics += [heatmap(still, m, os.path.join(tmp, f"h{i}.png")) for i, m in enumerate(models)]
            h = round(args.width * pics[0].height / pics[0].width)
            rows.append((os.path.basename(still), [im.resize((args.width, h), Image.BILINEAR) for im in pics]))
    head = 18
    W = args.width * (1 + len(models))
    H = head + sum(p[0].height + head for _, p in rows)
    sheet = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(sheet)
    titles = ["still"] + [os.path.basename(m).replace(".safetensors", "") for m in models]
    for i, t in enumerate(titles):
        draw.text((i * args.width + 4, 3), t, fill="black")
    y = head
    for name, pics in rows:
        draw.text((4, y + 3), name, fill="black")
        y += head
        for i, im in enumerate(pics):
            sheet.paste(im, (i * args.width, y))
        y += pics[0].height
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    sheet.save(args.out, quality=85)
    print(f"wrote {args.out}: {len(rows)} stills x {len(models)} models")


if __name__ == "__main__":
    main()

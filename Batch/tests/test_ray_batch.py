"""Batch/ray_batch.py on a local Ray instance with 2 CPUs: 20 small stills made from Samples/
and one damaged file. Every good input becomes a loop, the damaged one is reported and does not
stop the rest, and a rerun skips what exists."""
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".build/release/gid-filter")
sys.path.insert(0, os.path.join(ROOT, "Batch"))


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    if not os.path.exists(BIN):
        pytest.skip("no %s: build it first (swift build -c release)" % BIN)
    if shutil.which("ffprobe") is None:
        pytest.skip("no ffprobe")
    d = tmp_path_factory.mktemp("batch")
    (d / "photos").mkdir()
    stills = ["bythewater.jpg", "coldripple.jpg"]
    for i in range(20):
        src = os.path.join(ROOT, "Samples/stills", stills[i % 2])
        # Different crops and sizes, so the inputs really differ.
        w, h = 64 + 8 * (i % 5), 48 + 8 * (i // 5)
        subprocess.run([BIN, "-y", "-nostats", "-i", src, "-vf", "lavfi='crop=iw-%d:ih-%d,scale=%d:%d'" % (4 * i, 2 * i, w, h),
                        str(d / "photos" / ("p%02d.png" % i))], check=True, stderr=subprocess.DEVNULL)
    (d / "photos" / "p99-damaged.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 200)
    return d


def frames(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(path)], capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


def test_batch_reports_the_damaged_file_and_resumes(photos, capsys):
    import ray_batch

    os.chdir(photos)
    args = ["--inputs", "photos/*.png", "--graph", "motion=seed=1,loop=seconds=0.5", "--output", "loops/{stem}.mp4",
            "--bin", BIN, "--num-cpus", "2", "--summary", "summary.json"]
    assert ray_batch.main(args) == 1
    out = capsys.readouterr().out
    assert "21 inputs: 20 made, 0 skipped (output exists), 1 failed" in out
    assert "failed: photos/p99-damaged.png: exit 3:" in out
    made = sorted(os.listdir(photos / "loops"))
    assert made == ["p%02d.mp4" % i for i in range(20)]
    assert all(frames(photos / "loops" / m) == 15 for m in made)
    summary = json.loads((photos / "summary.json").read_text())
    assert [r["input"] for r in summary["results"] if r["status"] != 0] == ["photos/p99-damaged.png"]

    # A rerun makes nothing again: only the damaged input is tried (and fails) once more.
    assert ray_batch.main(args) == 1
    assert "21 inputs: 0 made, 20 skipped (output exists), 1 failed" in capsys.readouterr().out

"""The AdaIN training script: a few CPU steps lower the loss, a rerun resumes, the output is a loadable decoder;
the training manifest keeps the held-out pairs out and records a source and licence per image."""
import csv
import importlib.util
import json
from pathlib import Path

import torch

from survey_lib import data
from survey_lib.methods.adain import HELD_OUT_PAIRS, load_project

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = json.loads((ROOT / "scripts" / "adain_training_manifest.json").read_text())


def _script():
    spec = importlib.util.spec_from_file_location("train_adain", ROOT / "scripts" / "train_adain.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_manifest_is_large_licensed_and_excludes_the_held_out_images():
    rows = MANIFEST["images"]
    assert sum(r["role"] == "content" for r in rows) >= 50 and sum(r["role"] == "style" for r in rows) >= 300
    assert all(r["licence"] and r["licence"] != "not stated" and r["package"] and r["path"] for r in rows)
    assert all(min(r["source_size"]) >= MANIFEST["min_side"] >= 256 for r in rows)
    assert len({r["file"] for r in rows}) == len(rows)
    held_out = {name for pair in HELD_OUT_PAIRS for name in pair}
    assert len(HELD_OUT_PAIRS) >= 8 and len(held_out) >= 10
    sources = {(r["package"], Path(r["path"]).name) for r in rows}
    for name in held_out:
        src = data.entry(name).source
        assert (src["package"], Path(src["path"]).name) not in sources, f"held-out {name} is a training image"


def test_training_steps_lower_the_loss_and_resume(tmp_path):
    images = [{"file": e.file, "role": e.role} for e in data.list_images() if e.category != "texture"]
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"images": images}))
    out = tmp_path / "run"
    common = ["--manifest", str(manifest), "--data", str(data.data_dir()), "--size", "64", "--batch", "2",
              "--lr", "1e-3", "--out", str(out), "--device", "cpu", "--eval-size", "64", "--eval-pairs", "1"]
    train = _script()
    assert train.main(common + ["--steps", "16"]) == 0
    rows = list(csv.DictReader((out / "loss.csv").open()))
    assert [int(r["step"]) for r in rows] == list(range(1, 17))
    total = [float(r["total"]) for r in rows]
    assert sum(total[-4:]) < 0.7 * sum(total[:4]), total
    assert train.main(common + ["--steps", "18", "--amp", "on"]) == 0  # resumes at step 16; bf16 autocast path
    assert [int(r["step"]) for r in csv.DictReader((out / "loss.csv").open())][-3:] == [16, 17, 18]
    model = load_project(out / "adain_decoder.pt", device="cpu")
    assert torch.load(out / "adain_decoder.pt", weights_only=True)["meta"]["steps"] == 18
    assert model.stylize(data.path("astronaut"), data.path("mona_lisa"), size=64).shape == (1, 3, 64, 64)
    table = (out / "heldout.md").read_text()
    assert "astronaut / mona_lisa" in table and (out / "loss.png").is_file()

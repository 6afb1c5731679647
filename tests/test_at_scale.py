"""The committed at-scale tables are honest: the ones the notebooks read are there, each has its provenance, and two
runs picked at random from the committed default-profile tables come out the same when computed again here, on the
thread count they ran with."""
import json
import math
import random
from pathlib import Path

import pytest
import torch

from survey_lib import plans
from survey_lib.evaluate import evaluate
from survey_lib.pairs import Pair

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / plans.AT_SCALE_DIR
METRICS = ("own_target_progress", "warp_progress", "held_out_progress", "landmark_progress", "nme_to_content",
           "nme_to_style", "folded_%")


#: the plans whose tables the notebooks read (notebook 01: Table 1; notebook 02: Finding 1 at scale, held out, seeds,
#: warp weight, the survey's budget; notebook 05: exemplar dependence)
READ_BY_NOTEBOOKS = ("table1", "finding1", "finding1_held_out", "finding1_seeds", "beta_sweep", "paper_budget",
                     "anime", "face_of_art", "deformation_sweep", "exemplars")
COMMITTED = [name for name in plans.PLANS if (FOLDER / f"{name}.csv").is_file()]


def test_the_tables_the_notebooks_read_are_committed():
    missing = [name for name in READ_BY_NOTEBOOKS if name not in COMMITTED]
    assert not missing, f"run make evaluate PLANS='{' '.join(missing)}' and commit figures/at_scale"


@pytest.mark.parametrize("name", COMMITTED)
def test_every_committed_table_has_its_provenance(name):
    table = plans.read_plan(name)
    record = json.loads((FOLDER / f"{name}.provenance.json").read_text())
    plan = plans.get_plan(name)
    assert record["plan"] == name and record["profile"] == plan.profile and record["runs"] == len(table) == plan.runs
    assert {"commit", "torch", "device", "date", "wall_s"} <= set(record)
    names = {p.labels if isinstance(p, Pair) else tuple(p) for p in plan.pairs}
    assert sorted(set(zip(table["content"], table["style"]))) == sorted(names)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-4 + 1e-4 * abs(b)


def test_two_committed_runs_picked_at_random_recompute_the_same(tmp_path):
    rows = [(plans.get_plan(name), r) for name in COMMITTED if plans.get_plan(name).profile == "default"
            and not any(isinstance(p, Pair) for p in plans.get_plan(name).pairs)  # pairs named by their images
            for r in plans.read_plan(name).to_dict("records") if not r["error"]]
    picked = random.Random().sample(rows, 2)  # a new pick on every CI run
    threads = torch.get_num_threads()
    try:
        for plan, row in picked:  # on the thread count it ran with (older tables: make evaluate's one, timing two)
            ran_with = int(row.get("threads") or 0) or (plans.TIMING_THREADS if plan.timing else 1)
            torch.set_num_threads(ran_with)
            settings = json.loads(row["settings"])
            again = evaluate([(row["method"], settings)], [(row["content"], row["style"])], profile="default",
                             seeds=(int(row["seed"]),), store=str(tmp_path / "store.sqlite")).iloc[0]
            what = f"{row['method']} {settings} {row['content']}/{row['style']} seed {row['seed']}"
            stale = "" if again["key"] == row["key"] else " (the code changed since: rerun make evaluate)"
            for metric in METRICS:
                assert _same(float(again[metric]), float(row[metric])), \
                    f"{what}: {metric} {again[metric]} now, {row[metric]} committed{stale}"
    finally:
        torch.set_num_threads(threads)

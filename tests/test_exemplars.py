"""The exemplar measures of the conclusions (survey_lib.evaluation.exemplars): leave one character out over the
catalogue, and the spread of the end geometry over the exemplars a face was sent toward."""
import pandas as pd
import pytest
import torch

from survey_lib.evaluation import exemplars


def _ends(offsets: dict, seed_shift: float = 0.0) -> dict:
    """Runs whose ends are a unit face shifted by ``offsets[label]`` pixels (x), seed 1 shifted ``seed_shift`` more."""
    face = torch.stack([torch.linspace(0, 60, 68), torch.linspace(0, 30, 68)], 1).double()
    return {(label, seed): face + torch.tensor([dx + seed * seed_shift, 0.0]).double()
            for label, dx in offsets.items() for seed in (0, 1)}


def test_run_ends_put_each_runs_landmarks_in_order_whatever_the_table_order():
    rows = [{"pair": p, "seed": 0, "landmark": k, "x": float(k), "y": 2.0 * k} for p in ("a", "b") for k in range(68)]
    shuffled = pd.DataFrame(rows).sample(frac=1.0, random_state=0)
    ends = exemplars.run_ends(shuffled)
    assert set(ends) == {("a", 0), ("b", 0)} and ends["a", 0].shape == (68, 2)
    assert torch.equal(ends["a", 0][:, 0], torch.arange(68, dtype=ends["a", 0].dtype))


def test_the_spread_is_each_ends_distance_from_the_single_exemplars_average_in_units_of_the_eyes():
    from survey_lib.geometry.landmarks import inter_ocular

    ends = _ends({"one": -2.0, "two": 2.0, "common of 2": 0.5}, seed_shift=0.25)
    start = ends["one", 0] - torch.tensor([10.0, 0.0]).double()
    table = pd.DataFrame({"pair": ["one", "two", "common of 2"] * 2, "seed": [0] * 3 + [1] * 3,
                          "gap_nme": [0.1, 0.2, 0.15] * 2, "own_target_progress": [0.5] * 6,
                          "landmark_progress": [0.4] * 6})
    out = exemplars.exemplar_spread(table, ends, start)
    eyes = float(inter_ocular(start))
    assert list(out.index) == ["one", "two", "common of 2"] and out["single"].tolist() == [True, True, False]
    # the centre is the two singles' average (x offset 0): each single 2 px from it, the common end 0.5 px
    assert out["to_centre"].to_numpy() == pytest.approx([2 / eyes, 2 / eyes, 0.5 / eyes])
    assert out.loc["one", "moved"] == pytest.approx(10 / eyes) and out.loc["two", "moved"] == pytest.approx(14 / eyes)
    assert out["seed_noise"].to_numpy() == pytest.approx([0.25 / eyes] * 3)
    assert out.loc["two", "gap_nme"] == 0.2


def test_leave_one_out_over_the_catalogue_leaves_each_character_out_and_intervals_are_over_characters():
    from survey_lib import data
    from survey_lib.data import character

    drawings = [e.name for e in data.list_images(category="anime") if e.landmarks]
    loo = exemplars.catalogue_leave_one_out(("anime",))
    assert set(loo["category"]) == {"anime"} and sorted(loo["held_out"]) == sorted(drawings)
    assert (loo["group"] == loo["held_out"].map(character)).all()
    # scored against every drawing but those of its own character
    own = loo["group"].map(loo["group"].value_counts())
    assert (loo["others"] == len(drawings) - own).all() and (own > 1).any()
    summary = exemplars.leave_one_out_summary(loo, n_boot=200)
    assert summary.loc["anime", "common_n"] == loo["group"].nunique() < len(loo)
    wins = exemplars.beats_best(loo)
    assert wins.loc["anime", "count"] == len(loo) and 0 <= wins.loc["anime", "sum"] <= len(loo)

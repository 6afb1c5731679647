"""What evaluate() hands on (survey_lib.evaluation.runs.Runs): a tidy table, the pairs and results of its runs, read
without resolving a pair or opening the store again."""
import json

import pytest
import torch

from survey_lib.evaluation import plan_specs, plans
from survey_lib.evaluation import store as store_module
from survey_lib.evaluation.evaluate import evaluate
from survey_lib.evaluation.pairs import Pair
from survey_lib.profiles import get_profile

TINY = get_profile("smoke").replace(name="tiny", nst={"steps": 2}, dst={"scales": 1, "steps_per_scale": 2})


@pytest.fixture(scope="module")
def runs():
    """Two NST runs (one with a changed style weight) and a FastDST run, computed without any store."""
    return evaluate([("nst", {"style_weight": 20.0}), "nst", "fastdst"], [("astronaut", "mona_lisa")], profile=TINY,
                    store=None, show_progress=False)


def test_the_table_has_one_typed_column_per_changed_setting_and_no_json(runs):
    table = runs.table
    assert "settings" not in table and table["style_weight"].tolist() == [20.0, None, None]
    assert table["pair"].tolist() == ["astronaut/mona_lisa"] * 3 and table["name"].tolist() == ["nst", "nst",
                                                                                                 "fastdst"]
    committed = runs.committed()  # the form of a committed CSV: the settings as JSON, exactly
    assert [json.loads(s) for s in committed["settings"]] == [{"style_weight": 20.0}, {}, {}]
    assert "pair" not in committed and list(committed["key"]) == list(table["key"])


def test_results_and_pairs_come_from_the_runs_themselves(runs):
    keys = runs.table["key"].tolist()
    assert len(set(keys)) == 3 and len(runs.pairs) == 1
    pair = runs.pair(keys[2])
    assert isinstance(pair, Pair) and pair is runs.jobs[2].pair  # the pair evaluate resolved, not resolved again
    fast = runs.result(keys[2])
    assert fast.image.shape == (1, 3, TINY.size, TINY.size) and fast.warp is not None
    assert set(runs.results()) == set(keys)
    # the stored form is 8-bit: the result read back is the run's output rounded to 1/255
    assert torch.all(fast.image * 255 == torch.round(fast.image * 255))


def test_grid_rows_draw_where_each_output_shows_the_face_and_the_style_geometry_to_reach(runs):
    from survey_lib.evaluation.metrics import points_through_warp

    (row,) = runs.grid_rows()
    pair = runs.pairs[0]
    fast = runs.result(runs.table["key"][2])
    assert row["label"] == "astronaut / mona_lisa" and row["fastdst"] is fast.image
    (content_pts, _), = row["points"]["content"]
    assert torch.equal(content_pts, pair.landmarks("content"))
    (targets, _), (face, _) = row["points"]["fastdst"]
    assert torch.equal(targets, pair.targets)
    # FastDST's face is where its warp carried the landmarks (moved, not the content's); NST's stays put
    assert torch.allclose(face, points_through_warp(fast.warp, pair.landmarks("content")), equal_nan=True)
    assert not torch.allclose(face, pair.landmarks("content"))
    (_, _), (nst_face, _) = row["points"]["nst"]
    assert torch.equal(nst_face, pair.landmarks("content"))


def test_labelled_pairs_name_each_row_and_the_committed_table_leads_with_them(runs):
    named = runs.labelled(["k=1"])
    assert named.table["pair"].tolist() == ["k=1"] * 3 and named.committed().columns[0] == "pair"
    with pytest.raises(ValueError, match="2 pair labels for 1 pairs"):
        runs.labelled(["a", "b"])


def test_pairs_sharing_their_images_names_get_distinct_ids():
    base = Pair.resolve("astronaut", "mona_lisa", size=TINY.size, match_size=TINY.match_size)
    moved = Pair.resolve("astronaut", "mona_lisa", size=TINY.size, match_size=TINY.match_size,
                         style_landmarks=base.landmarks("style") * 1.01)
    twice = evaluate(["ghiasi"], [base, moved], profile=TINY, store=None, show_progress=False)
    assert twice.table["pair"].tolist() == ["astronaut/mona_lisa", "astronaut/mona_lisa #2"]


def test_a_plan_opens_its_store_once_and_resolves_no_pair_after_evaluate(tmp_path, monkeypatch):
    tiny = plan_specs.Plan("tiny_once", ("ghiasi", ("fastdst", {"record_every": 2})), (("astronaut", "mona_lisa"),),
                           profile="smoke", trajectories=True)
    monkeypatch.setattr(plan_specs, "_plans", lambda: {tiny.name: tiny})
    for module in (plan_specs, plans):
        monkeypatch.setattr(module, "PLANS", (tiny.name,))
    plans.jobs(tiny.name)  # warm: the plan's pairs resolved once, as evaluate will
    opened, resolved = [], []
    real_init, real_resolve = store_module.Store.__init__, Pair.resolve.__func__
    monkeypatch.setattr(store_module.Store, "__init__", lambda self, *a, **k: (opened.append(a),
                                                                               real_init(self, *a, **k))[1])
    monkeypatch.setattr(Pair, "resolve", classmethod(lambda cls, *a, **k: (resolved.append(a),
                                                                           real_resolve(cls, *a, **k))[1]))
    runs = plans.run_plan(tiny.name, store=str(tmp_path / "s.sqlite"), out_dir=tmp_path)
    assert len(opened) == 1 and len(resolved) == 1  # evaluate resolved the pair; the tables reused it
    assert plans.read_plan("tiny_once_trajectory", tmp_path)["key"].nunique() == 1  # fastdst traced from its runs
    assert len(runs) == 2 and runs.pair(runs.table["key"][1]).labels == ("astronaut", "mona_lisa")


def test_a_benchmark_style_names_its_base_family_and_level_in_the_table():
    runs = evaluate(["ghiasi"], [("obama", "mona_lisa~anime_eyes~11"), ("obama", "mona_lisa")], profile=TINY,
                    store=None, show_progress=False)
    table = runs.committed()
    assert table["base_style"].tolist()[0] == "mona_lisa" and table["family"].tolist()[0] == "anime_eyes"
    assert table["level"].tolist()[0] == 0.11 and table["level"].isna().tolist() == [False, True]
    assert "level" not in runs.record(table["key"][0]).metrics  # read off the name, not stored as a metric


def test_a_warp_only_column_shows_the_content_resampled_by_that_runs_warp_and_counts_its_points(runs):
    from survey_lib.geometry.warp import grid_sample_xy

    (row,) = runs.grid_rows(warped={"warp only": "fastdst", "nst warp": "nst"})
    fast = runs.result(runs.table["key"][2])
    assert torch.equal(row["warp only"], grid_sample_xy(runs.pairs[0].content, fast.warp))
    assert not torch.allclose(row["warp only"], runs.pairs[0].content)  # the warp moved the face
    assert row["points"]["warp only"] is row["points"]["fastdst"]
    assert "nst warp" not in row  # NST applies no warp: no column rather than the content unchanged
    counts = runs.point_counts()
    assert list(counts.index) == list(runs.table.index) and counts.isna().tolist() == [True, True, False]
    assert counts.iloc[2] == len(fast.points[0]) >= 5  # FastDST's landmark correspondences

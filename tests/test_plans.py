"""The at-scale tier: plans chosen by rule, tables and provenance written through the store, clear CLI errors."""
import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from survey_lib import cli, data
from survey_lib.evaluation import plan_specs, plans, provenance
from survey_lib.evaluation.plans import Plan
from survey_lib.evaluation.store import opened


def _only(monkeypatch, plan: Plan) -> None:
    """Make ``plan`` the one plan there is, for this test."""
    monkeypatch.setattr(plan_specs, "_plans", lambda: {plan.name: plan})
    for module in (plan_specs, plans):
        monkeypatch.setattr(module, "PLANS", (plan.name,))


def test_finding1_takes_every_photo_and_portrait_at_the_working_size():
    pairs = plans.finding1_pairs()
    assert len(pairs) >= 30 and len(set(pairs)) == len(pairs)
    for name in {n for p in pairs for n in p}:
        with Image.open(data.path(name)) as im:
            assert min(im.size) >= plans.MIN_SIDE, name
    small = [n for n in ("astronaut", "mona_lisa", "hokusai_fan") if all(n not in p for p in pairs)]
    assert small == ["astronaut", "mona_lisa", "hokusai_fan"]  # 250, 207 and 248 px: below the working size


def test_subsets_are_fixed_and_inside_finding1():
    seeds, held = plans.get_plan("finding1_seeds"), plans.get_plan("finding1_held_out")
    assert seeds.pairs == held.pairs and len(seeds.pairs) == 10 and seeds.seeds == (1,)
    assert set(seeds.pairs) <= set(plans.get_plan("finding1").pairs)
    assert plans.get_plan("finding1_seeds").pairs == seeds.pairs  # the same draw every time
    paper = plans.get_plan("paper_budget")
    assert paper.profile == "paper" and len(paper.pairs) == 2 and set(paper.pairs) <= set(seeds.pairs)
    with pytest.raises(ValueError, match="unknown plan 'nope'; choose one of table1, finding1"):
        plans.get_plan("nope")


def test_the_finding2_plans_take_every_anime_face_animeface_finds_and_one_face_per_character():
    anime = plans.anime_faces()
    assert "eileen_sprite" not in anime and len(anime) >= 8  # AnimeFace misses the two Eileen sprites at 256 px
    plan = plans.get_plan("anime")
    contents = sorted({c for c, _ in plan.pairs})
    assert len(contents) == 3 and set(contents) <= {c for c, _ in plans.get_plan("finding1").pairs}
    assert sorted(plan.pairs) == sorted((c, a) for c in contents for a in anime)
    foa = plans.get_plan("face_of_art")
    drawn = [s for _, s in foa.pairs if s in anime]
    assert len(foa.pairs) >= 6 and len(drawn) == 3 and len({s.split("_")[0] for s in drawn}) == 3
    ex = plans.get_plan("exemplars")
    assert ex.pair_labels[-1] == f"common of {len(ex.pairs) - 1}" and all(lb.startswith("sylvie_")
                                                                          for lb in ex.pair_labels[:-1])
    common = ex.pairs[-1]  # the first drawing's image with the drawings' mean shape as its geometry
    assert common.labels == ex.pairs[0] and not torch.equal(common.landmarks("style"),
                                                            data.landmarks(ex.pairs[0][1], common.size))


def test_the_geometry_plan_crosses_four_photographs_with_every_built_style():
    from survey_lib.evaluation import geometric_styles as gs
    from survey_lib.geometry.deform import face_problems

    plan = plans.get_plan("geometry")
    contents = list(dict.fromkeys(c for c, _ in plan.pairs))
    styles = list(dict.fromkeys(s for _, s in plan.pairs))
    assert len(contents) == 4 and set(contents) <= {c for c, _ in plans.get_plan("finding1").pairs}
    assert sorted(plan.pairs) == sorted((c, s) for c in contents for s in styles)  # crossed: clusters both ways
    built = [gs.style(s) for s in styles]
    assert {b.base for b in built} == set(gs.BASE_STYLES) and {b.family for b in built} == {"long_face", "anime_eyes"}
    for family in ("long_face", "anime_eyes"):  # every level from a photograph's gap to the largest art's
        assert sorted({b.level for b in built if b.family == family}) == [0.08, 0.11, 0.14, 0.17], family
    assert all(face_problems(b.landmarks) == [] for b in built)
    assert "oneshot_foa" in plan.methods and any(m.__name__ == "warp_shape" for m in plan.metrics)
    assert {"foa_fast", ("foa_fast", (("order", "stylise_first"),))} <= set(map(_hashable, plan.methods))


def _hashable(method):
    return method if isinstance(method, str) else (method[0], tuple(sorted(method[1].items())))


def test_run_plan_writes_the_table_and_its_provenance_and_resumes(tmp_path, monkeypatch):
    tiny = Plan("tiny", ("ghiasi", ("fastdst", {"record_every": 8}), "dst"), (("astronaut", "mona_lisa"),),
                profile="smoke", trajectories=True)
    _only(monkeypatch, tiny)
    store = str(tmp_path / "store.sqlite")
    first = plans.run_plan("tiny", store=store, out_dir=tmp_path / "at_scale").table
    assert list(first["method"]) == ["ghiasi", "fastdst", "dst"] and not first["from_store"].any()
    assert list(first["threads"]) == [torch.get_num_threads()] * 3  # what each run was computed with
    record = json.loads((tmp_path / "at_scale" / "tiny.provenance.json").read_text())
    assert {"commit", "profile", "torch", "device", "date", "wall_s", "runs", "computed"} <= set(record)
    assert record["profile"] == "smoke" and record["runs"] == 3 and record["computed"] == 3
    again = plans.run_plan("tiny", store=store, out_dir=tmp_path / "at_scale").table
    assert again["from_store"].all()
    resumed = json.loads((tmp_path / "at_scale" / "tiny.provenance.json").read_text())
    assert resumed["computed"] == 0 and [e["computed"] for e in resumed["earlier"]] == [3]  # who computed it is kept
    # an earlier invocation that ended before every row of the table was created computed none of them (the rows
    # were computed again since): the record stops naming it
    stale = {**resumed, "earlier": [{**resumed["earlier"][0], "date": "2000-01-01T00:00:00+00:00",
                                     "commit": "0" * 40 + "+dirty"}]}
    (tmp_path / "at_scale" / "tiny.provenance.json").write_text(json.dumps(stale))
    plans.run_plan("tiny", store=store, out_dir=tmp_path / "at_scale")
    rewritten = json.loads((tmp_path / "at_scale" / "tiny.provenance.json").read_text())
    assert [e["date"] for e in rewritten.get("earlier", [])] == [resumed["date"]]
    table = plans.read_plan("tiny", tmp_path / "at_scale")
    assert table["own_target_progress"].iloc[1] == pytest.approx(first["own_target_progress"].iloc[1])
    assert plans.read_plan("missing", tmp_path / "at_scale") is None
    curves = plans.read_plan("tiny_trajectory", tmp_path / "at_scale")
    recorded, logged = curves[curves["method"] == "fastdst"], curves[curves["method"] == "dst"]
    assert list(recorded["step"]) == [8, 16]  # fastdst recorded its keypoints every 8 steps: the warp traced there
    assert recorded["own_target_progress"].iloc[-1] == pytest.approx(first["own_target_progress"].iloc[1], abs=1e-4)
    assert recorded["warp_progress"].notna().all() and recorded["loss"].gt(0).all()
    # dst recorded nothing: its logged losses give the keypoint progress before every update, 0 at the start
    assert list(logged["step"]) == list(range(first["steps"].iloc[2])) and logged["own_target_progress"].iloc[0] == 0
    assert logged["warp_progress"].isna().all() and "ghiasi" not in set(curves["method"])  # no steps, no curve


@pytest.mark.parametrize("argv, message", [
    (["evaluate", "--methods", "nst"], "evaluate needs --contents, --styles (or --plan NAME"),
    (["evaluate", "--plan", "finding1", "--contents", "obama"],
     "--plan fixes methods, pairs and seeds; drop --contents"),
    (["evaluate", "--plan", "finding1", "--styles", "mona*"], "--plan fixes methods, pairs and seeds; drop --styles"),
    (["evaluate", "--plan", "finding1", "--methods", "nst", "--styles", "*~17", "--store", "{tmp}/s.sqlite"],
     "no style of plan finding1 matches --styles *~17"),
    (["evaluate", "--plan", "finding1", "--methods", "nst", "--save-partial"], "--methods with --plan computes part"),
    (["evaluate", "--plan", "finding1", "--methods", "foa_tps", "--store", "{tmp}/s.sqlite"],
     "plan finding1 runs none of foa_tps; it runs adain, dst, fastdst, ghiasi, nst"),
    (["evaluate", "--plan", "finding1", "--methods", "nst", "--contents", "astro*", "--store", "{tmp}/s.sqlite"],
     "no content of plan finding1 matches --contents astro*; its contents are named like"),
])
def test_evaluate_cli_says_what_is_missing(argv, message, capsys, tmp_path):
    assert cli.main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_a_timing_plan_runs_alone_on_two_threads_and_restores_the_count(tmp_path, monkeypatch):
    import torch

    tiny = Plan("tiny_timing", ("ghiasi",), (("astronaut", "mona_lisa"),), seeds=(0, 1, 2), profile="smoke",
                timing=True)
    _only(monkeypatch, tiny)
    before = torch.get_num_threads()

    class Refuses:  # a timing plan must not hand its runs to an executor
        def submit(self, *args, **kwargs):
            raise AssertionError("a timing plan used the executor")

    table = plans.run_plan("tiny_timing", store=str(tmp_path / "s.sqlite"), executor=Refuses(), out_dir=tmp_path).table
    record = json.loads((tmp_path / "tiny_timing.provenance.json").read_text())
    assert len(table) == 3 and table["total_s"].gt(0).all() and torch.get_num_threads() == before
    assert f"{plans.TIMING_THREADS} threads" in record["device"]
    # run again on the same store: a timing plan times its runs again (a stored run may have been timed under load)
    again = plans.run_plan("tiny_timing", store=str(tmp_path / "s.sqlite"), out_dir=tmp_path).table
    assert not again["from_store"].any() and list(again["key"]) == list(table["key"])


def test_timing_summary_gives_median_and_quartiles_per_method():
    import pandas as pd

    rows = [{"name": "nst", "steps": 80, "matching_s": 0.0, "optimisation_s": t, "total_s": t, "error": ""}
            for t in (40.0, 48.0, 60.0)]
    rows += [{"name": "ghiasi", "steps": 0, "matching_s": 0.0, "optimisation_s": t, "total_s": t, "error": ""}
             for t in (0.2, 0.3, 0.25)]
    rows.append({"name": "nst", "steps": 80, "matching_s": 0.0, "optimisation_s": 1.0, "total_s": 1.0,
                 "error": "interrupted"})  # a failed run is not a repeat
    out = plans.timing_summary(pd.DataFrame(rows))
    assert list(out.index) == ["nst", "ghiasi"] and out.loc["nst", "n"] == 3
    assert out.loc["nst", "total_s"] == 48.0 and out.loc["nst", "total_s_q25"] == 44.0
    assert out.loc["nst", "total_s_q75"] == 54.0 and out.loc["nst", "s_per_step"] == pytest.approx(0.6)
    assert out.loc["ghiasi", "total_s"] == pytest.approx(0.25) and out.loc["ghiasi", "s_per_step"] != out.loc[
        "ghiasi", "s_per_step"]  # NaN: no steps


def test_a_plan_of_given_geometries_labels_its_pairs_and_traces_each_against_its_own_targets(tmp_path, monkeypatch):
    from survey_lib.evaluation.metrics import RUN_METRICS, exact_tps_folds

    pairs = plans.sweep_pairs(size=64)[:2]
    tiny = Plan("tiny_sweep", (("oneshot_foa", {"record_every": 8}),), pairs, profile="smoke", trajectories=True,
                pair_labels=("k=0.5", "k=1"), metrics=RUN_METRICS + (exact_tps_folds,))
    _only(monkeypatch, tiny)
    table = plans.run_plan("tiny_sweep", store=str(tmp_path / "s.sqlite"), out_dir=tmp_path).table
    assert list(table["pair"]) == ["k=0.5", "k=1"] and list(table["content"]) == ["astronaut"] * 2
    assert (table["gap_px"].iloc[1] > table["gap_px"].iloc[0]) and table["moved_tps_folded_%"].notna().all()
    curves = plans.read_plan("tiny_sweep_trajectory", tmp_path)
    last = curves.groupby("pair").last()
    # each run traced against its own exaggerated targets: the last recorded step is where the run ended
    for label, row in zip(("k=0.5", "k=1"), table.itertuples()):
        assert last.loc[label, "own_target_progress"] == pytest.approx(row.own_target_progress, abs=1e-4)
    # the landmarks each warp ends on, 68 per run: scored against that pair's targets they give its warp_progress
    from survey_lib.evaluation.metrics import keypoint_progress

    points = plans.read_plan("tiny_sweep_points", tmp_path)
    # 68 rows per run: written compressed, without a timestamp (the same runs give the same bytes), and only so
    raw = (tmp_path / "tiny_sweep_points.csv.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b" and raw[4:8] == bytes(4) and not (tmp_path / "tiny_sweep_points.csv").exists()
    assert list(points.groupby("pair").size()) == [68, 68]
    for pair, row in zip(pairs, table.itertuples()):
        q = torch.tensor(points[points["pair"] == row.pair][["x", "y"]].to_numpy(), dtype=torch.float32)
        assert keypoint_progress(pair.landmarks("content"), q, pair.targets) == pytest.approx(row.warp_progress,
                                                                                             abs=1e-4)
    # each run's keypoints, targets and where it moved them: its own-target progress, from the repository alone
    keys = plans.read_plan("tiny_sweep_keypoints", tmp_path)
    for row in table.itertuples():
        k = keys[keys["key"] == row.key]
        src, tgt, moved = (torch.tensor(k[[f"{c}_x", f"{c}_y"]].to_numpy(), dtype=torch.float32)
                           for c in ("src", "target", "moved"))
        assert keypoint_progress(src, moved, tgt) == pytest.approx(row.own_target_progress, abs=1e-4)


def test_a_plan_refuses_to_write_the_committed_tables_from_uncommitted_code(monkeypatch, capsys):
    monkeypatch.setattr(provenance, "_git", lambda *args: " M survey_lib/dst.py" if "status" in args else "abc")
    monkeypatch.setattr(provenance, "_checkout", lambda: Path(__file__).resolve().parents[1])

    def no_run(*args, **kwargs):
        raise AssertionError("a run was started")

    monkeypatch.setattr("survey_lib.evaluation.evaluate.evaluate", no_run)
    with pytest.raises(plans.UncommittedCode, match=r"survey_lib/ has uncommitted changes \(survey_lib/dst.py\): "
                                                    "commit them first"):
        plans.run_plan("table1")
    assert cli.main(["evaluate", "--plan", "table1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: survey_lib/ has uncommitted changes") and "\n" not in err


def test_evaluate_stale_counts_the_rows_todays_code_keys_otherwise_and_exits_1(tmp_path, capsys):
    import shutil

    for name in ("beta_sweep", "paper_budget"):
        for suffix in (".csv", ".provenance.json"):
            shutil.copy(Path(__file__).resolve().parents[1] / plans.AT_SCALE_DIR / f"{name}{suffix}", tmp_path)
    argv = ["evaluate", "--stale", "--plan", "beta_sweep", "paper_budget", "--out-dir", str(tmp_path)]
    current = cli.main(argv)
    out = capsys.readouterr().out
    assert (current, plans.stale_rows("beta_sweep", tmp_path)) == (0, 0) and "beta_sweep: current (16 rows)" in out
    table = plans.read_plan("paper_budget", tmp_path)
    table.loc[[1, 4], "key"] = "0" * 64  # as if computed by another version of the methods
    table.to_csv(tmp_path / "paper_budget.csv", index=False)
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert "paper_budget: 2 of 6 rows stale" in out and "make evaluate PLANS='paper_budget'" in out
    assert plans.staleness_note("paper_budget", tmp_path).startswith("Note: 2 of the rows of paper_budget.csv")


def test_rescore_plan_scores_the_committed_rows_again_from_the_store_without_running(tmp_path, monkeypatch, capsys):
    def probe(pair, result):
        return {"probe": float(probe.version)}

    probe.version = 1
    tiny = Plan("tiny_rescore", ("ghiasi",), (("astronaut", "mona_lisa"), ("obama", "mona_lisa")), profile="smoke",
                metrics=(probe,))
    _only(monkeypatch, tiny)
    store, out = str(tmp_path / "store.sqlite"), tmp_path / "at_scale"
    first = plans.run_plan("tiny_rescore", store=store, out_dir=out).table
    assert first["probe"].tolist() == [1.0, 1.0]
    committed = plans.read_plan("tiny_rescore", out)
    committed.loc[1, "key"] = "not-in-the-store"  # e.g. a row whose run this store never saw
    committed.to_csv(out / "tiny_rescore.csv", index=False)
    probe.version = 2  # the metric's definition changed
    monkeypatch.setattr("survey_lib.evaluation.evaluate.run_job",
                        lambda job: pytest.fail("rescoring must not run anything"))
    table, scored = plans.rescore_plan("tiny_rescore", store=store, out_dir=out)
    assert scored == 1 and table["probe"].tolist() == [2.0, 1.0]
    assert plans.read_plan("tiny_rescore", out)["probe"].tolist() == [2.0, 1.0]
    record = json.loads((out / "tiny_rescore.provenance.json").read_text())
    assert [r["rows"] for r in record["rescored"]] == [1] and record["computed"] == 2
    # the same from the command line
    assert cli.main(["evaluate", "--plan", "tiny_rescore", "--rescore", "--store", store, "--out-dir", str(out)]) == 0
    assert "plan tiny_rescore: 1 rows scored again" in capsys.readouterr().out
    assert len(json.loads((out / "tiny_rescore.provenance.json").read_text())["rescored"]) == 2


def test_a_plan_saved_part_by_part_resumes_on_another_machine_without_its_store(tmp_path, monkeypatch, capsys):
    import pandas as pd

    from survey_lib.evaluation.evaluate import evaluate

    methods = ("ghiasi", ("fastdst", {"record_every": 8}))
    tiny = Plan("tiny_parts", methods, (("astronaut", "mona_lisa"), ("obama", "mona_lisa")), profile="smoke",
                trajectories=True)
    _only(monkeypatch, tiny)
    whole = plans.run_plan("tiny_parts", store=str(tmp_path / "whole.sqlite"), out_dir=tmp_path / "whole").table
    # machine A computed the first pair, then its session ended: what its store holds is saved beside the tables
    evaluate(list(methods), [("astronaut", "mona_lisa")], profile="smoke", store=str(tmp_path / "a.sqlite"),
             show_progress=False)
    out = tmp_path / "at_scale"
    argv = ["evaluate", "--plan", "tiny_parts", "--save-partial", "--store", str(tmp_path / "a.sqlite"),
            "--out-dir", str(out)]
    assert cli.main(argv) == 0 and "tiny_parts: 2 of 4 rows saved" in capsys.readouterr().out
    assert plans.read_plan("tiny_parts", out) is None  # no table yet: a part is not a table
    # saved again from the same store, which holds those runs whole: their geometry is written once, not twice
    assert cli.main(argv) == 0 and "tiny_parts: 2 of 4 rows saved" in capsys.readouterr().out
    for suffix in ("points", "keypoints", "trajectory"):
        saved = plans.read_plan(f"tiny_parts_partial_{suffix}", out)
        assert len(saved) and not saved.duplicated().any(), suffix
    # machine B, with an empty store of its own, computes only the rest
    table = plans.run_plan("tiny_parts", store=str(tmp_path / "b.sqlite"), out_dir=out).table
    assert list(table["from_store"]) == [True, True, False, False]
    record = json.loads((out / "tiny_parts.provenance.json").read_text())
    assert record["computed"] == 2 and [e["computed"] for e in record["earlier"]] == [2]
    assert not list(out.glob("tiny_parts_partial*"))  # the whole table stands for them now
    # the same table and the same geometry as computed in one go
    cols = ["key", "own_target_progress", "warp_progress", "landmark_progress", "steps"]
    pd.testing.assert_frame_equal(table[cols], whole[cols])
    for suffix in ("points", "keypoints", "trajectory"):
        parts, one_go = plans.read_plan(f"tiny_parts_{suffix}", out), plans.read_plan(f"tiny_parts_{suffix}",
                                                                                      tmp_path / "whole")
        assert len(parts) == len(one_go) > 0 and set(parts["key"]) == set(one_go["key"])
        pd.testing.assert_frame_equal(parts.reset_index(drop=True), one_go.reset_index(drop=True))
    # a reader on machine B who wants to look at those imported runs gets them computed (a table row has no output),
    # and the store keeps the outputs from then on, under the same keys
    from survey_lib.evaluation.store import Store

    first = evaluate(list(methods), [("astronaut", "mona_lisa")], profile="smoke", store=str(tmp_path / "b.sqlite"),
                     show_progress=False)
    assert not any(first.table["from_store"]) and len(first.results()) == 2
    again = evaluate(list(methods), [("astronaut", "mona_lisa")], profile="smoke", store=str(tmp_path / "b.sqlite"),
                     show_progress=False)
    assert all(again.table["from_store"]) and len(again.results()) == 2
    assert list(again.table["key"]) == list(table["key"][:2])
    with Store(str(tmp_path / "b.sqlite")) as db:
        assert len(db) == 4 and all(db.get(k).image for k in table["key"])


def test_a_plan_read_so_far_is_its_table_or_its_committed_part_with_a_note(tmp_path):
    import pandas as pd

    with pytest.raises(FileNotFoundError, match="make evaluate PLANS=finding1"):
        plans.read_plan_so_far("finding1", tmp_path)
    for table in plans.GEOMETRY_TABLES:  # a geometry table missing: the plan that writes it, not a plan of its name
        with pytest.raises(FileNotFoundError, match="make evaluate PLANS=finding1` "):
            plans.read_plan(f"finding1_{table}", tmp_path, required=True)
    pd.DataFrame({"key": ["a", "b"], "error": ["", "no face"]}).to_csv(tmp_path / "finding1_partial.csv", index=False)
    pd.DataFrame({"key": ["a", "a"], "step": [10, 20]}).to_csv(tmp_path / "finding1_partial_trajectory.csv.gz",
                                                                index=False)
    part, note = plans.read_plan_so_far("finding1", tmp_path)
    assert len(part) == 2 and note.startswith("plan finding1: 2 of 175 runs computed so far")
    assert list(plans.read_geometry_so_far("finding1", "trajectory", tmp_path)["step"]) == [10, 20]
    assert plans.read_geometry_so_far("finding1", "points", tmp_path) is None
    with pytest.raises(ValueError, match="points, keypoints, trajectory"):
        plans.read_geometry_so_far("finding1", "trajectories", tmp_path)
    pd.DataFrame({"key": ["a"], "error": [""]}).to_csv(tmp_path / "finding1.csv", index=False)
    pd.DataFrame({"key": ["a"], "step": [30]}).to_csv(tmp_path / "finding1_trajectory.csv.gz", index=False)
    whole, note = plans.read_plan_so_far("finding1", tmp_path)
    assert len(whole) == 1 and note.endswith("complete")
    assert list(plans.read_geometry_so_far("finding1", "trajectory", tmp_path)["step"]) == [30]  # the whole plan's


def test_a_table_row_without_its_output_is_computed_when_a_metric_it_lacks_is_asked(tmp_path):
    """A plan (``outputs=False``) reading a row imported from a committed table (metrics, no output) used to score
    the missing metric on no image and crash (face_of_art: near_white on an imported finding1 row)."""
    from dataclasses import replace

    from survey_lib.evaluation.evaluate import evaluate
    from survey_lib.evaluation.metrics import RUN_METRICS
    from survey_lib.evaluation.store import Store

    pair = [("astronaut", "mona_lisa")]
    first = evaluate(["ghiasi"], pair, profile="smoke", store=str(tmp_path / "a.sqlite"), show_progress=False)
    with Store(tmp_path / "a.sqlite") as a, Store(tmp_path / "b.sqlite") as b:
        b.put(replace(a.get(first.table["key"].iloc[0]), image=b"", arrays=b""))  # what an imported row holds

    def brightness(pair, result):
        return {"brightness": float(result.image.mean())}

    same = evaluate(["ghiasi"], pair, profile="smoke", store=str(tmp_path / "b.sqlite"), outputs=False,
                    show_progress=False)
    assert same.table["from_store"].all()  # the metrics it has: read, not computed
    more = evaluate(["ghiasi"], pair, profile="smoke", store=str(tmp_path / "b.sqlite"), outputs=False,
                    metrics=(*RUN_METRICS, brightness), show_progress=False)
    assert not more.table["from_store"].any() and more.table["brightness"].between(0.05, 0.95).all()


def test_part_of_a_plan_goes_into_the_store_and_is_saved_with_the_rest_later(tmp_path, monkeypatch, capsys):
    tiny = Plan("tiny_part", ("ghiasi", ("ghiasi", {"alpha": 0.5}), "adain"), (("astronaut", "mona_lisa"),),
                profile="smoke")
    _only(monkeypatch, tiny)
    store = str(tmp_path / "s.sqlite")
    argv = ["evaluate", "--plan", "tiny_part", "--methods", "ghiasi", "--store", store, "--out-dir", str(tmp_path)]
    assert cli.main(argv) == 0
    assert "ghiasi: 2 computed, 0 read" in capsys.readouterr().out  # both variants of the method, not adain
    assert not (tmp_path / "tiny_part.csv").exists()  # no table for half a plan
    assert plans.run_methods("tiny_part", ["ghiasi"], store=store) == (0, 2)  # resumable: all read back
    assert plans.save_partial("tiny_part", store=store, out_dir=tmp_path) == 2


def test_a_crossed_order_spreads_any_prefix_over_contents_and_styles():
    grid = [(c, s) for c in "abcd" for s in ("x", "y", "z")]  # content by content, as a plan lists them
    order = plans.crossed_order(grid)
    assert sorted(order) == sorted(grid)
    first = order[:3]
    assert {c for c, _ in first} == {"a", "b", "c"} and {s for _, s in first} == {"x", "y", "z"}
    assert {c for c, _ in grid[:3]} == {"a"}  # what the plan's own order would have run first
    uneven = [("a", "x"), ("b", "x"), ("a", "y")]  # a style left out for one content
    assert sorted(plans.crossed_order(uneven)) == sorted(uneven)


def test_part_of_a_plan_resumes_on_another_machine_from_the_committed_part(tmp_path, monkeypatch):
    """A new machine's empty store: the rows of the committed NAME_partial.csv are not computed again."""
    tiny = Plan("tiny_resume", ("ghiasi",), (("astronaut", "mona_lisa"), ("astronaut", "starry_night")),
                profile="smoke")
    _only(monkeypatch, tiny)
    a, b = str(tmp_path / "a.sqlite"), str(tmp_path / "b.sqlite")
    assert plans.run_methods("tiny_resume", ["ghiasi"], styles=["mona*"], store=a, out_dir=tmp_path) == (1, 0)
    assert plans.save_partial("tiny_resume", store=a, out_dir=tmp_path) == 1
    assert plans.run_methods("tiny_resume", ["ghiasi"], store=b, out_dir=tmp_path) == (1, 1)  # only the other one
    with pytest.raises(ValueError, match=r"no style of plan tiny_resume matches --styles \*~17; .*'starry_night'"):
        plans.run_methods("tiny_resume", ["ghiasi"], styles=["*~17"], store=b, out_dir=tmp_path)
    with pytest.raises(ValueError, match=r"no content of plan tiny_resume matches --contents obama; .*'astronaut'"):
        plans.run_methods("tiny_resume", ["ghiasi"], contents=["obama"], store=b, out_dir=tmp_path)


def test_part_of_a_plan_can_be_chosen_by_content_and_style_together(tmp_path, monkeypatch):
    tiny = Plan("tiny_pick", ("ghiasi",), tuple((c, s) for c in ("astronaut", "obama")
                                                for s in ("mona_lisa", "starry_night")), profile="smoke")
    _only(monkeypatch, tiny)
    store = str(tmp_path / "s.sqlite")
    # one content and one style of two each: one pair of four
    assert plans.run_methods("tiny_pick", ["ghiasi"], contents=["ob*"], styles=["starry*"], store=store,
                             out_dir=tmp_path) == (1, 0)
    with opened(store) as db:
        assert [(db.get(k).content, db.get(k).style) for k in db.keys()] == [("obama", "starry_night")]
    # the content alone: its other pair is computed, the one above read back
    assert plans.run_methods("tiny_pick", ["ghiasi"], contents=["obama"], store=store, out_dir=tmp_path) == (1, 1)

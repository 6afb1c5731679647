"""evaluate() and the results store: resuming, sharing a store between processes, executors, stale keys."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest
import torch

from survey_lib import methods
from survey_lib.evaluation.evaluate import evaluate, grid, group
from survey_lib.profiles import get_profile
from survey_lib.evaluation.store import Store, StoreError

TINY = get_profile("smoke").replace(name="tiny", nst={"steps": 2}, dst={"scales": 1, "steps_per_scale": 2})
METRICS = ["gap_px", "own_target_progress", "warp_progress", "folded_%"]


def _values(table: pd.DataFrame) -> pd.DataFrame:
    cols = ["method", "content", "style", "seed", *[c for c in METRICS if c in table]]
    return table[cols].sort_values(["method", "content", "style", "seed"]).reset_index(drop=True)


def _init_worker():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    store = tmp_path_factory.mktemp("serial") / "runs.sqlite"
    table = evaluate(["nst", "fastdst"], grid(["astronaut", "obama"], ["mona_lisa"]), profile=TINY, seeds=(0, 1),
                     store=str(store), show_progress=False).table
    return table, store


def test_tidy_table_one_row_per_run(serial):
    table, _ = serial
    assert len(table) == 8 and not table["from_store"].any() and (table["error"] == "").all()
    assert set(table.groupby(["method", "content", "style", "seed"]).size()) == {1}
    fast = table[table.method == "fastdst"]
    assert fast["gap_px"].gt(0).all() and fast["warp_progress"].notna().all()
    assert table[table.method == "nst"]["warp_progress"].isna().all()  # no warp: not applicable, not 0
    assert (table["total_s"] >= table["optimisation_s"]).all()


def test_second_run_reads_everything_from_the_store(serial):
    table, store = serial
    again = evaluate(["nst", "fastdst"], grid(["astronaut", "obama"], ["mona_lisa"]), profile=TINY, seeds=(0, 1),
                     store=str(store), show_progress=False).table
    assert again["from_store"].all()
    pd.testing.assert_frame_equal(_values(again), _values(table))


def test_changed_config_or_code_version_is_a_miss(serial, monkeypatch):
    _, store = serial
    changed = evaluate([("nst", {"style_weight": 20.0})], [("astronaut", "mona_lisa")], profile=TINY,
                       store=str(store), show_progress=False).table
    assert not changed["from_store"].any()
    same = evaluate(["nst"], [("astronaut", "mona_lisa")], profile=TINY, store=str(store), show_progress=False).table
    assert same["from_store"].all()
    monkeypatch.setattr(type(methods.get("nst")), "version", 99)
    edited = evaluate(["nst"], [("astronaut", "mona_lisa")], profile=TINY, store=str(store), show_progress=False).table
    assert not edited["from_store"].any()


def test_the_key_names_the_algorithm_version_not_the_source_so_a_move_of_code_keeps_it(monkeypatch):
    from survey_lib.evaluation.evaluate import plan_jobs

    spec = methods.get("nst")
    before = plan_jobs(["nst"], [("astronaut", "mona_lisa")], profile=TINY)[0]
    assert before.code_version == spec.code_version() == f"nst@v{spec.version}"
    monkeypatch.setattr(type(spec), "__call__", lambda *a, **k: None)  # the code replaced: the same version
    assert plan_jobs(["nst"], [("astronaut", "mona_lisa")], profile=TINY)[0].key == before.key
    monkeypatch.setattr(type(spec), "version", spec.version + 1)
    assert plan_jobs(["nst"], [("astronaut", "mona_lisa")], profile=TINY)[0].key != before.key


def test_process_pool_equals_serial(serial, tmp_path):
    table, _ = serial
    with ProcessPoolExecutor(2, initializer=_init_worker) as pool:
        pooled = evaluate(["nst", "fastdst"], grid(["astronaut", "obama"], ["mona_lisa"]), profile=TINY, seeds=(0, 1),
                          store=str(tmp_path / "pool.sqlite"), executor=pool, show_progress=False).table
    assert not pooled["from_store"].any()
    pd.testing.assert_frame_equal(_values(pooled), _values(table))


def test_survey_workers_runs_in_one_thread_processes_and_equals_serial(serial, tmp_path, monkeypatch):
    table, _ = serial
    monkeypatch.setenv("SURVEY_WORKERS", "2")
    pooled = evaluate(["nst", "fastdst"], grid(["astronaut", "obama"], ["mona_lisa"]), profile=TINY, seeds=(0, 1),
                      store=str(tmp_path / "env.sqlite"), show_progress=False).table
    assert (pooled["threads"] == 1).all()  # computed in the pool's one-thread processes
    pd.testing.assert_frame_equal(_values(pooled), _values(table))
    monkeypatch.setenv("SURVEY_WORKERS", "two")
    with pytest.raises(ValueError, match="SURVEY_WORKERS='two': give the number of local processes"):
        evaluate(["nst"], [("astronaut", "mona_lisa")], profile=TINY, store=None, seeds=(0, 1), show_progress=False)


def test_dask_local_cluster_equals_serial(serial, tmp_path):
    import distributed  # the [dask] extra, part of [dev]

    table, _ = serial
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        client.run(torch.set_num_threads, 1)
        dasked = evaluate(["nst", "fastdst"], grid(["astronaut", "obama"], ["mona_lisa"]), profile=TINY, seeds=(0, 1),
                          store=str(tmp_path / "dask.sqlite"), executor=client.get_executor(),
                          show_progress=False).table
    pd.testing.assert_frame_equal(_values(dasked), _values(table))


CLI = [sys.executable, "-m", "survey_lib", "evaluate", "--methods", "nst", "-p", "smoke"]


def _cli(store, contents, styles, seeds=("0",)):
    return [*CLI, "--contents", *contents, "--styles", *styles, "--seeds", *seeds, "--store", str(store)]


def _count(store) -> int:
    """Runs in the store, read without creating the file or taking a lock the writer needs."""
    if not store.exists():
        return 0
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0
    finally:
        db.close()


def test_sigint_half_way_then_resume_computes_only_the_missing(tmp_path):
    store = tmp_path / "runs.sqlite"
    argv = _cli(store, ["astronaut", "obama"], ["mona_lisa", "hokusai_fan", "starry_night"], ("0", "1"))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "SURVEY_PROGRESS": "0"}
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as in a terminal
    deadline = time.monotonic() + 300
    while _count(store) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, "all runs finished before the interruption: nothing tested"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err.strip().endswith("interrupted") and "Traceback" not in err, err
    kept = _count(store)
    assert 3 <= kept < 12
    with Store(store) as db:
        db.check()  # SQLite's integrity check
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"12 runs: {12 - kept} computed, {kept} read from" in done.stdout
    assert _count(store) == 12


def test_two_processes_share_one_store(tmp_path):
    store = tmp_path / "shared.sqlite"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "SURVEY_PROGRESS": "0"}
    a = subprocess.Popen(_cli(store, ["astronaut", "obama"], ["mona_lisa", "hokusai_fan"]), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(_cli(store, ["obama", "grace_hopper"], ["hokusai_fan", "mona_lisa"]), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for p in (a, b):
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    db = sqlite3.connect(store)
    keys = [r[0] for r in db.execute("SELECT key FROM runs")]
    pairs = {r for r in db.execute("SELECT content, style FROM runs")}
    db.close()
    assert len(keys) == len(set(keys)) == 6  # the union (2 overlapping runs), each key once
    assert pairs == {(c, s) for c in ("astronaut", "obama", "grace_hopper") for s in ("mona_lisa", "hokusai_fan")}


@pytest.mark.parametrize("content, fragment", [(b"\x00" * 4096, "not a results store"),
                                               (None, "another program")])
def test_a_corrupt_or_foreign_file_is_named(tmp_path, content, fragment):
    path = tmp_path / "other.sqlite"
    if content is None:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE things (x)")
    else:
        path.write_bytes(content)
    with pytest.raises(StoreError, match=fragment) as exc:
        Store(path)
    assert "other.sqlite" in str(exc.value)
    assert path.read_bytes()[:16] == (content[:16] if content else b"SQLite format 3\x00")  # never overwritten


def test_failed_runs_are_rows_with_their_reason(tmp_path):
    table = evaluate(["fastdst"], [("astronaut", "eileen_sprite")], profile=TINY, store=str(tmp_path / "s.sqlite"),
                     show_progress=False).table
    assert len(table) == 1 and "found no face" in table["error"].iloc[0]
    again = evaluate(["fastdst"], [("astronaut", "eileen_sprite")], profile=TINY, store=str(tmp_path / "s.sqlite"),
                     show_progress=False).table
    assert again["from_store"].all() and "found no face" in again["error"].iloc[0]


def test_groups_name_catalogue_images():
    photos, portraits = group("photos"), group("portraits")
    assert {"astronaut", "obama"} <= set(photos) and "mona_lisa" in portraits
    assert grid("photos", ["mona_lisa"]) == [(p, "mona_lisa") for p in photos]
    assert group("astronaut") == ["astronaut"]


def test_bad_settings_fail_before_any_run(tmp_path):
    with pytest.raises(TypeError, match="stepz"):
        evaluate([("nst", {"stepz": 3})], [("astronaut", "mona_lisa")], profile=TINY, store=None)
    with pytest.raises(ValueError, match="unknown method"):
        evaluate(["nts"], [("astronaut", "mona_lisa")], profile=TINY, store=None)
    assert not (tmp_path / "build").exists()


def test_registry_refuses_a_duplicate_name():
    with pytest.raises(ValueError, match="already registered"):
        methods.register(methods.get("nst"))


def test_the_store_counts_its_hits(tmp_path):
    store = tmp_path / "h.sqlite"
    evaluate(["nst"], [("astronaut", "mona_lisa")], profile=TINY, seeds=(0, 1), store=str(store), show_progress=False)
    with Store(store) as db:
        assert len(db) == 2 and db.total_hits() == 0
    evaluate(["nst"], [("astronaut", "mona_lisa")], profile=TINY, seeds=(0, 1, 2), store=str(store),
             show_progress=False)
    with Store(store) as db:
        assert len(db) == 3 and db.total_hits() == 2


def test_a_stored_run_is_scored_again_when_a_metric_gets_a_new_version(serial):
    _, store = serial
    calls = []

    def probe(pair, result):
        calls.append(probe.version)
        return {"probe": float(probe.version)}

    probe.version = 1
    first = evaluate(["nst"], [("astronaut", "mona_lisa")], profile=TINY, store=str(store), metrics=(probe,),
                     show_progress=False).table
    again = evaluate(["nst"], [("astronaut", "mona_lisa")], profile=TINY, store=str(store), metrics=(probe,),
                     show_progress=False).table
    assert first["from_store"].all() and calls == [1] and again["probe"].tolist() == [1.0]  # scored once, then read
    probe.version = 2  # the definition changed: the stored run is scored by it
    newer = evaluate(["nst"], [("astronaut", "mona_lisa")], profile=TINY, store=str(store), metrics=(probe,),
                     show_progress=False).table
    assert calls == [1, 2] and newer["probe"].tolist() == [2.0]


def _counted(pair, result):
    _counted.calls += 1
    return {"counted": 1.0}


def test_a_run_scored_under_a_metric_s_old_module_path_is_not_scored_again(tmp_path):
    """Stored runs list the metrics they were scored by; before the move into subpackages a metric's id carried its
    module (``survey_lib.metrics.folds``). Moving a metric must not score every stored run again."""
    store = tmp_path / "runs.sqlite"
    _counted.calls = 0
    pair = [("astronaut", "mona_lisa")]
    evaluate(["nst"], pair, profile=TINY, store=str(store), metrics=(_counted,), show_progress=False)
    assert _counted.calls == 1
    with sqlite3.connect(store) as db:  # as the record of a run scored before the move
        for key, text in db.execute("SELECT key, metrics FROM runs").fetchall():
            metrics = json.loads(text)
            metrics["_computed"] = [f"survey_lib.metrics.{c}" for c in metrics.get("_computed", [])]
            db.execute("UPDATE runs SET metrics = ? WHERE key = ?", (json.dumps(metrics), key))
    again = evaluate(["nst"], pair, profile=TINY, store=str(store), metrics=(_counted,), show_progress=False).table
    assert _counted.calls == 1 and again["from_store"].all() and again["counted"].tolist() == [1.0]


def test_a_stored_run_keeps_the_typed_correspondence_fields(serial):
    """The store records correspondences as JSON; reading a run back fills the typed fields again (detector, the
    pairs the matcher returned and which were kept), as the fresh run had them."""
    from survey_lib.evaluation.runs import results

    table, store = serial
    row = table[(table["method"] == "fastdst") & (table["content"] == "obama") & (table["seed"] == 0)]
    stored = results(row, str(store))[row["key"].iloc[0]].correspondences
    fresh = methods.run("fastdst", "obama", "mona_lisa", profile=TINY, show_progress=False).correspondences
    assert (stored.style_detector, stored.matched, stored.kept_index, stored.keypoints) == (
        fresh.style_detector, fresh.matched, fresh.kept_index, fresh.keypoints)
    assert stored.matched == 68 and stored.style_detector == "dlib" and len(stored.kept_index) == len(stored)

"""The results store under faults: a store that cannot take a run (read-only, disk full, deleted while in use) keeps
nothing from being lost; another program's file is never changed; an edited or older store is named with its cause.

The machine these run on may run as root, which file permissions do not stop; a read-only store is then made by
SQLite itself (``PRAGMA query_only``) or by the package's own permission check, never by trusting chmod."""
import hashlib
import math
import sqlite3
import warnings

import pytest

from survey_lib.cli import main
from survey_lib.evaluation import store as store_module
from survey_lib.evaluation.evaluate import evaluate
from survey_lib.evaluation.store import Record, Store, StoreError
from survey_lib.profiles import get_profile
from survey_lib.utils import SurveyWarning

TINY = get_profile("smoke").replace(name="tiny", nst={"steps": 2})
PAIR = [("astronaut", "mona_lisa")]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _evaluate(store, seeds=(0,)):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = evaluate(["nst"], PAIR, profile=TINY, seeds=seeds, store=store, show_progress=False).table
    return table, [str(w.message) for w in caught if issubclass(w.category, SurveyWarning)]


@pytest.fixture
def one_run(tmp_path):
    """A store holding the nst run of seed 0 (closed)."""
    path = tmp_path / "runs.sqlite"
    _evaluate(str(path))
    return path


def _kept(path) -> int:
    with Store(path) as db:
        return len(db)


def test_a_read_only_store_serves_its_runs_and_keeps_new_ones_beside_it(one_run, monkeypatch):
    monkeypatch.setattr(store_module, "_can_write", lambda path: False)  # as chmod 444 does for a normal user
    before = _digest(one_run)
    table, notes = _evaluate(str(one_run))
    assert table["from_store"].all() and notes == []  # everything stored: read, nothing to say
    table, notes = _evaluate(str(one_run), seeds=(0, 1))
    assert table["from_store"].tolist() == [True, False]
    beside = one_run.with_name("runs.unstored.sqlite")
    assert len(notes) == 1 and "read-only" in notes[0] and str(beside) in notes[0] and "--store" in notes[0]
    assert _digest(one_run) == before  # the read-only store was not written, not even its hit counts
    monkeypatch.undo()
    assert _kept(beside) == 1 and _kept(one_run) == 1


def test_sqlite_refusing_a_write_is_found_before_any_run_is_computed(one_run):
    db = Store(one_run)
    db._db.execute("PRAGMA query_only = ON")  # SQLite answers every write "attempt to write a readonly database"
    with pytest.raises(StoreError, match=r"runs.sqlite.*read-only"):
        db.check_writable()
    table, notes = _evaluate(db, seeds=(0, 1))
    db.close()
    assert table["from_store"].tolist() == [True, False] and "read-only" in notes[0]
    assert _kept(one_run.with_name("runs.unstored.sqlite")) == 1 and _kept(one_run) == 1


def test_a_full_disk_during_a_write_keeps_the_run_elsewhere(one_run):
    db = Store(one_run)
    pages = db._db.execute("PRAGMA page_count").fetchone()[0]
    db._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own 'database or disk is full' at the next page
    table, notes = _evaluate(db, seeds=(0, 1, 2))
    db.close()
    assert table["from_store"].tolist() == [True, False, False]
    assert len(notes) == 1 and "is full" in notes[0] and "runs.unstored.sqlite" in notes[0]
    assert _kept(one_run.with_name("runs.unstored.sqlite")) == 2 and _kept(one_run) == 1


def test_a_store_deleted_while_in_use_loses_no_run(one_run):
    db = Store(one_run)
    one_run.unlink()
    table, notes = _evaluate(db, seeds=(0, 1))
    db.close()
    # the open connection still read seed 0; seed 1 could not go into a deleted file, and was kept
    assert table["from_store"].tolist() == [True, False] and "deleted" in notes[0]
    assert _kept(one_run.with_name("runs.unstored.sqlite")) == 1


def test_another_program_s_database_is_left_byte_for_byte(tmp_path):
    path = tmp_path / "theirs.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE things (x)")
        db.execute("INSERT INTO things VALUES (1)")
    before = _digest(path)
    with pytest.raises(StoreError, match="another program"):
        Store(path)
    assert _digest(path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["theirs.sqlite"]


def test_a_store_of_an_older_layout_is_named_as_such(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('kind', 'survey_lib results store'), ('schema', '1')")
        db.execute("CREATE TABLE runs (key, method, content, style, seed, PRIMARY KEY (key))")
    with pytest.raises(StoreError, match=r"old.sqlite.*another layout.*no column profile"):
        Store(path)


@pytest.mark.parametrize("column, value, fragment", [
    ("seed", "abc", "seed 'abc' is not an integer"),
    ("metrics", '{"gap_px": "abc"}', "metric gap_px = 'abc' is not a number"),
    ("metrics", "{not json", "column metrics is not JSON"),
    ("image", "text", "column image is not binary"),
])
def test_an_edited_row_is_named_with_the_store_and_the_run(one_run, column, value, fragment):
    with sqlite3.connect(one_run) as db:
        db.execute(f"UPDATE runs SET {column} = ?", (value,))
    with pytest.raises(StoreError) as exc:
        _evaluate(str(one_run))
    message = str(exc.value)
    assert "runs.sqlite" in message and "nst astronaut/mona_lisa" in message and fragment in message


def test_metrics_are_stored_as_strict_json_and_read_back_as_nan(tmp_path):
    path = tmp_path / "nan.sqlite"
    with Store(path) as db:
        db.put(Record(key="k", method="m", content="c", style="s", seed=0, profile="p", code_version="m@v1",
                      config={}, metrics={"x": float("nan"), "y": 1.5}, history={"loss": [1.0, float("inf")]}))
        back = db.get("k")
    assert math.isnan(back.metrics["x"]) and back.metrics["y"] == 1.5 and math.isnan(back.history["loss"][1])
    with sqlite3.connect(path) as raw:  # SQLite's JSON functions reject bare NaN; null they read
        assert raw.execute("SELECT json_extract(metrics, '$.x'), json_extract(metrics, '$.y') FROM runs").fetchone() \
            == (None, 1.5)


def test_the_cli_names_a_store_that_cannot_be_opened_in_one_line(tmp_path, capsys):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('kind', 'survey_lib results store'), ('schema', '0')")
        db.execute("CREATE TABLE runs (key)")
    argv = ["evaluate", "--methods", "nst", "--contents", "astronaut", "--styles", "mona_lisa", "-p", "smoke",
            "--store", str(path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "Traceback" not in err and "old.sqlite" in err and "schema 0" in err

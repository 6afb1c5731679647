"""The results store: one embedded SQLite file holding every finished run, so work is never done twice.

>>> from survey_lib.evaluation.store import Store
>>> with Store("build/results.sqlite") as store:        # created when missing
...     len(store)                                       # doctest: +SKIP

One row per run, keyed by :func:`run_key` (a hash of the method, its full config, the pair's input bytes and
landmarks, the seed, the device type and the method's explicit algorithm version), holding the metrics, the
timing, the loss history, the resolved config, the output image as PNG bytes and the geometry (correspondences,
targets, moved keypoints, applied warp) as an ``.npz``. Each run is written in one transaction, so an interrupted
evaluation loses at most the runs in flight; the file is in WAL mode with a busy timeout, so several processes
may write to it at once; a key is stored once (a second writer of the same key keeps the first row).

A file is recognised (read-only) before anything writes to it: another program's database is never touched. A store
that cannot be written (a read-only file or folder) is opened read-only and serves what it has; every SQLite failure
becomes a :class:`StoreError` naming the file and the cause (read-only, disk full, older layout, deleted).
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import sqlite3
import time
from pathlib import Path

from .records import (COLUMNS, JSON_COLUMNS, Record, dumps_strict, jsonable, pack_arrays, png_bytes,
                      record_from_row, run_key)

__all__ = ["Store", "StoreError", "Record", "run_key", "jsonable", "pack_arrays", "png_bytes", "default_store_path",
           "opened", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
_MARKER = "survey_lib results store"


class StoreError(RuntimeError):
    """The store file cannot be used; the message names it and says what to do."""


def default_store_path() -> Path:
    """``$SURVEY_STORE``; else ``build/results.sqlite`` of the checkout this package runs from (so the notebooks,
    which run in ``notebooks/``, and the command line share one store); else ``build/results.sqlite`` under the
    working directory (an installed package)."""
    from .. import env
    from ..utils import bundled_dir

    if env.store_path():
        return env.store_path()

    checkout = bundled_dir("notebooks").parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "build" / "results.sqlite"
    return Path("build") / "results.sqlite"


def _can_write(path: Path) -> bool:
    """Whether SQLite can write ``path`` in WAL mode: the file and its folder (for the ``-wal`` and ``-shm``
    files) writable."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection that never writes ``path``: ``mode=ro``; where SQLite cannot even create the shared-memory
    file a WAL database needs (a read-only folder), ``immutable=1``."""
    from urllib.parse import quote

    uri = f"file:{quote(str(path.resolve()))}"
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None,
                             check_same_thread=False)
        db.execute("SELECT name FROM sqlite_master").fetchall()
        return db
    except sqlite3.OperationalError:
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=timeout, isolation_level=None,
                               check_same_thread=False)


def _check_layout(db: sqlite3.Connection) -> None:
    """Raise ``sqlite3.DatabaseError`` unless ``db`` is a results store of this schema with every column."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    meta = dict(db.execute("SELECT name, value FROM meta")) if "meta" in tables else {}
    if meta.get("kind") != _MARKER or "runs" not in tables:
        raise sqlite3.DatabaseError("an SQLite file of another program")
    if meta.get("schema") != str(SCHEMA_VERSION):
        raise sqlite3.DatabaseError(f"schema {meta.get('schema')}, this version reads {SCHEMA_VERSION}")
    have = {r[1] for r in db.execute("PRAGMA table_info(runs)")}
    missing = [c for c in COLUMNS if c not in have]
    if missing:
        raise sqlite3.DatabaseError(f"older layout: its runs table has no column {', '.join(missing)}")


class Store:
    """A results store at ``path`` (created with its folder when missing).

    Raises:
        StoreError: the file is not an SQLite database, or one that is not a results store (it is never
            written), or it cannot be opened. A store that exists but cannot be written opens read-only
            (``writable`` False): it serves its runs, and :meth:`put` refuses.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, timeout: float = 120.0):
        self.path = Path(path) if path is not None else default_store_path()
        self.writable = True
        self._recognise()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store '{self.path}' ({exc.strerror}); pass a store path in a "
                             "writable folder ($SURVEY_STORE, or --store for evaluate)") from None
        if self.path.exists() and not _can_write(self.path):
            self._open_read_only(timeout)
            return
        deadline = time.monotonic() + timeout
        for attempt in itertools.count():
            try:
                self._open(timeout)
                break
            except sqlite3.OperationalError as exc:
                # two processes creating one new store: switching it to WAL or writing its schema can report
                # "locked" at once (SQLite does not wait where waiting could deadlock); the other one finishes
                self._close_quietly()
                if "locked" in str(exc) and time.monotonic() <= deadline:
                    time.sleep(min(0.05 * 2 ** attempt, 1.0))
                    continue
                if "readonly" in str(exc) and self.path.exists():
                    self._open_read_only(timeout)
                    return
                raise self.error(exc) from None
            except sqlite3.DatabaseError as exc:
                self._close_quietly()
                raise self.error(exc) from None
        self._inode = self.path.stat().st_ino

    def _recognise(self) -> None:
        """Raise :class:`StoreError` unless ``path`` is missing, empty or a results store of this layout, reading
        it only (nothing is written to a file before it is known to be a store)."""
        if self.path.is_dir():
            raise StoreError(f"'{self.path}' is a folder; give the store a file name, e.g. {self.path}/results.sqlite")
        if not self.path.exists():
            return
        if not self.path.is_file():
            raise StoreError(f"'{self.path}' is not a regular file; pass a store file path ($SURVEY_STORE, or --store "
                             "for evaluate)")
        try:
            with open(self.path, "rb") as f:
                head = f.read(16)
        except OSError as exc:
            raise StoreError(f"cannot read the store '{self.path}' ({exc.strerror}); check its permissions") from None
        if not head:
            return
        if head != b"SQLite format 3\x00":
            raise StoreError(f"'{self.path}' is not a results store (not an SQLite file); move it away or use another "
                             "store path ($SURVEY_STORE, or --store for evaluate)")
        try:
            db = _connect_read_only(self.path, 10.0)
        except sqlite3.Error as exc:
            raise self.error(exc) from None
        try:
            _check_layout(db)
        except sqlite3.Error as exc:
            raise self.error(exc) from None
        finally:
            db.close()

    def _open_read_only(self, timeout: float) -> None:
        try:
            self._db = _connect_read_only(self.path, timeout)
            _check_layout(self._db)
        except sqlite3.Error as exc:
            self._close_quietly()
            raise self.error(exc) from None
        self.writable = False
        self._inode = self.path.stat().st_ino

    def error(self, exc: BaseException, doing: str = "") -> StoreError:
        """A :class:`StoreError` naming this store and the real cause of the SQLite (or OS) error ``exc``."""
        text = str(exc)
        where = f"'{self.path}'" + (f" ({doing})" if doing else "")
        if not self.path.exists() and getattr(self, "_inode", None) is not None:
            return StoreError(f"the store {where} was deleted while in use; run again to create it")
        if "readonly" in text or "read-only" in text:
            return StoreError(f"the store {where} is read-only; make it writable or use another store path "
                              "($SURVEY_STORE, or --store for evaluate)")
        if "disk is full" in text or "No space left" in text:
            return StoreError(f"the disk holding the store {where} is full; free space or use a store on another "
                              "disk ($SURVEY_STORE, or --store for evaluate)")
        if "no such column" in text or "older layout" in text or "schema" in text:
            return StoreError(f"the store {where} has another layout ({text}); move it away (runs are recomputed) "
                              "or use another store path ($SURVEY_STORE, or --store for evaluate)")
        if "another program" in text or "not a database" in text or "malformed" in text:
            return StoreError(f"{where} is not a results store ({text}); move it away or use another store path "
                              "($SURVEY_STORE, or --store for evaluate)")
        if "unable to open" in text:
            return StoreError(f"cannot open the store {where} ({text}); check that its folder exists and can be "
                              "written, or use another store path ($SURVEY_STORE, or --store for evaluate)")
        return StoreError(f"the store {where} failed: {text}")

    def _close_quietly(self) -> None:
        db, self._db = getattr(self, "_db", None), None
        if db is not None:
            db.close()

    def _open(self, timeout: float) -> None:
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._init_schema()

    def _init_schema(self) -> None:
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            with self._transaction():
                self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
                self._db.execute(f"CREATE TABLE IF NOT EXISTS runs ({', '.join(COLUMNS)}, PRIMARY KEY (key))")
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('kind', ?), ('schema', ?)",
                                 (_MARKER, str(SCHEMA_VERSION)))
        _check_layout(self._db)
        if "hits" not in tables:  # how often each run was read instead of computed
            self._db.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, n INTEGER NOT NULL)")

    def check_writable(self) -> None:
        """Raise :class:`StoreError` (with the cause) unless a run can be written now: tried in a transaction that
        is rolled back, so an evaluation learns it before computing anything."""
        if not self.writable:
            raise StoreError(f"the store '{self.path}' is read-only; make it writable or use another store path "
                             "($SURVEY_STORE, or --store for evaluate)")
        with self._errors("trying a write"):
            self._still_there()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('last_write_check', ?)", (str(time.time()),))
            finally:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")

    def _still_there(self) -> None:
        try:
            same = self.path.stat().st_ino == self._inode
        except OSError:
            same = False
        if not same:
            raise sqlite3.OperationalError("deleted or replaced")

    @contextlib.contextmanager
    def _errors(self, doing: str):
        try:
            yield
        except sqlite3.Error as exc:
            if "deleted or replaced" in str(exc):
                raise StoreError(f"the store '{self.path}' was deleted or replaced while in use ({doing}); run "
                                 "again to create it") from None
            raise self.error(exc, doing) from None

    class _Tx:
        def __init__(self, db):
            self.db = db

        def __enter__(self):
            self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type, *rest):
            if not exc_type:
                self.db.execute("COMMIT")
            elif self.db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                self.db.execute("ROLLBACK")

    def _transaction(self):
        return self._Tx(self._db)

    # ------------------------------------------------------------------------------------------------ access
    def put(self, record: Record) -> bool:
        """Write ``record`` in one transaction; returns False (and keeps the stored row) when its key is already
        there, unless the stored row is only a table row (no output, no error: imported by a plan resumed from a
        committed table) and ``record`` brings the computed output, which then replaces it.

        Raises:
            StoreError: the run could not be written (read-only, disk full, store deleted...); nothing was written.
        """
        values = [dumps_strict(getattr(record, c)) if c in JSON_COLUMNS else getattr(record, c) for c in COLUMNS]
        if not self.writable:
            raise self.error(sqlite3.OperationalError("readonly"), f"storing run {record.key[:12]}")
        with self._errors(f"storing run {record.key[:12]}"):
            self._still_there()
            with self._transaction():
                cur = self._db.execute(f"INSERT OR IGNORE INTO runs VALUES ({', '.join('?' * len(COLUMNS))})",
                                       values)
                if cur.rowcount == 0 and record.image and not record.error:
                    cur = self._db.execute(
                        f"UPDATE runs SET {', '.join(f'{c} = ?' for c in COLUMNS[1:])} WHERE key = ? AND "
                        "(image IS NULL OR length(image) = 0) AND (error IS NULL OR error = '')",
                        values[1:] + values[:1])
        return cur.rowcount == 1

    def get(self, key: str) -> Record | None:
        """The run stored under ``key``, or ``None``.

        Raises:
            StoreError: the row cannot be read back (an edited or damaged value), naming the store and the run.
        """
        with self._errors(f"reading run {key[:12]}"):
            row = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM runs WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return record_from_row(dict(zip(COLUMNS, row)))
        except (ValueError, TypeError) as exc:
            raise StoreError(f"the store '{self.path}' holds an unreadable run {key[:12]} ({row[1]} {row[2]}/{row[3]}"
                             f"): {exc}; delete that row or move the store away") from None

    def add_metrics(self, key: str, metrics: dict) -> None:
        """Merge newly computed metric columns into a stored run (not kept by a read-only store: they are
        computed again next time)."""
        if not self.writable:
            return
        with self._errors(f"adding metrics to run {key[:12]}"), self._transaction():
            old = self._db.execute("SELECT metrics FROM runs WHERE key = ?", (key,)).fetchone()
            if old is not None:
                merged = {**json.loads(old[0]), **jsonable(metrics)}
                self._db.execute("UPDATE runs SET metrics = ? WHERE key = ?", (dumps_strict(merged), key))

    def count_hits(self, keys) -> None:
        """Record that the runs ``keys`` were read instead of computed (one transaction; a read-only store counts
        nothing)."""
        if not self.writable:
            return
        try:
            with self._errors("counting the runs read"), self._transaction():
                self._db.executemany("INSERT INTO hits VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET n = n + 1",
                                     [(k,) for k in keys])
        except StoreError:
            pass  # bookkeeping only: a store that cannot be written still serves its runs (a write says why)

    def total_hits(self) -> int:
        """How many times runs were read from this store instead of computed, over its lifetime."""
        with self._errors("counting hits"):
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            return self._db.execute("SELECT COALESCE(SUM(n), 0) FROM hits").fetchone()[0] if "hits" in tables else 0

    def keys(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT key FROM runs")}

    def __contains__(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM runs WHERE key = ?", (key,)).fetchone() is not None

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def check(self) -> None:
        """Raise :class:`StoreError` unless SQLite's integrity check passes."""
        result = self._db.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise StoreError(f"'{self.path}' is damaged ({result}); move it away and run again")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store('{self.path}')"


@contextlib.contextmanager
def opened(store: "Store | str | os.PathLike | None" = "default"):
    """``store`` itself when it is a :class:`Store` (left open); otherwise the store at that path (``None`` or
    ``"default"``: :func:`default_store_path`), opened here and closed afterwards."""
    if isinstance(store, Store):
        yield store
        return
    db = Store(None if store in (None, "default") else store)
    try:
        yield db
    finally:
        db.close()

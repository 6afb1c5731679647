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
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = ["Store", "StoreError", "Record", "run_key", "default_store_path", "opened", "SCHEMA_VERSION"]

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


def jsonable(value):
    """Config and info values as JSON: tensors and arrays as lists, paths and other objects as text."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return np.asarray(value.detach().cpu() if isinstance(value, torch.Tensor) else value).tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def run_key(method: str, config: dict, pair_digest: str, seed: int, version: str, device: str) -> str:
    """SHA-256 that identifies one run: equal keys give equal results, any change in what a run reads gives a new
    key (so a changed setting, input or algorithm version is a store miss, never a stale hit). ``version`` is the
    method's algorithm version (:meth:`survey_lib.methods.Method.code_version`), not a hash of its source: a pure
    move of code keeps every key."""
    text = json.dumps({"method": method, "config": jsonable(config), "pair": pair_digest, "seed": seed,
                       "version": version, "device": device}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Record:
    """One stored run. ``metrics``/``timing``/``history``/``config``/``info`` are JSON-able dicts; ``image`` is PNG
    bytes (empty for a failed run); ``arrays`` an ``.npz`` of the run's geometry (``src``, ``dst``, ``targets``,
    ``moved``, ``warp``), each present when the method has it; ``error`` the one-line reason a run failed (e.g. no
    face found), else empty."""

    key: str
    method: str
    content: str
    style: str
    seed: int
    profile: str
    code_version: str
    config: dict
    metrics: dict = field(default_factory=dict)
    timing: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    image: bytes = b""
    arrays: bytes = b""
    error: str = ""
    created: str = ""
    environment: dict = field(default_factory=dict)

    def load_arrays(self) -> dict[str, torch.Tensor]:
        if not self.arrays:
            return {}
        with np.load(io.BytesIO(self.arrays)) as npz:
            return {k: torch.from_numpy(npz[k]) for k in npz.files}

    def load_image(self) -> torch.Tensor | None:
        """The output as ``(1, 3, H, W)`` in [0, 1] (8-bit, as saved), or ``None`` for a failed run."""
        if not self.image:
            return None
        from PIL import Image

        from ..images import to_tensor

        return to_tensor(Image.open(io.BytesIO(self.image)))


def pack_arrays(**arrays) -> bytes:
    """``.npz`` bytes of the given tensors (``None`` values left out)."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: v.detach().cpu().numpy() for k, v in arrays.items() if v is not None})
    return buf.getvalue()


def png_bytes(image: torch.Tensor) -> bytes:
    from ..images import to_pil

    buf = io.BytesIO()
    to_pil(image).save(buf, format="PNG")
    return buf.getvalue()


_COLUMNS = ("key", "method", "content", "style", "seed", "profile", "code_version", "config", "metrics", "timing",
            "history", "info", "image", "arrays", "error", "created", "environment")
_JSON = {"config", "metrics", "timing", "history", "info", "environment"}


class Store:
    """A results store at ``path`` (created with its folder when missing).

    Raises:
        StoreError: the file is not an SQLite database, or one that is not a results store (it is never
            overwritten), or it cannot be opened.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, timeout: float = 120.0):
        self.path = Path(path) if path is not None else default_store_path()
        if self.path.is_dir():
            raise StoreError(f"'{self.path}' is a folder; give the store a file name, e.g. {self.path}/results.sqlite")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        for attempt in itertools.count():
            try:
                self._open(timeout)
                break
            except sqlite3.OperationalError as exc:
                # two processes creating one new store: switching it to WAL or writing its schema can report
                # "locked" at once (SQLite does not wait where waiting could deadlock); the other one finishes
                self._close_quietly()
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise StoreError(f"'{self.path}' is not a results store ({exc}); move it away or pass another "
                                     "--store path") from None
                time.sleep(min(0.05 * 2 ** attempt, 1.0))
            except sqlite3.DatabaseError as exc:
                self._close_quietly()
                raise StoreError(f"'{self.path}' is not a results store ({exc}); move it away or pass another "
                                 "--store path") from None

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
                self._db.execute(f"CREATE TABLE IF NOT EXISTS runs ({', '.join(_COLUMNS)}, PRIMARY KEY (key))")
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('kind', ?), ('schema', ?)",
                                 (_MARKER, str(SCHEMA_VERSION)))
            tables = {"meta", "runs"}
        meta = dict(self._db.execute("SELECT name, value FROM meta")) if "meta" in tables else {}
        if meta.get("kind") != _MARKER or "runs" not in tables:
            raise sqlite3.DatabaseError("an SQLite file of another program")
        if meta.get("schema") != str(SCHEMA_VERSION):
            raise sqlite3.DatabaseError(f"schema {meta.get('schema')}, this version reads {SCHEMA_VERSION}")
        if "hits" not in tables:  # how often each run was read instead of computed
            self._db.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, n INTEGER NOT NULL)")

    class _Tx:
        def __init__(self, db):
            self.db = db

        def __enter__(self):
            self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type, *rest):
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _transaction(self):
        return self._Tx(self._db)

    # ------------------------------------------------------------------------------------------------ access
    def put(self, record: Record) -> bool:
        """Write ``record`` in one transaction; returns False (and keeps the stored row) when its key is already
        there, unless the stored row is only a table row (no output, no error: imported by a plan resumed from a
        committed table) and ``record`` brings the computed output, which then replaces it."""
        values = [json.dumps(jsonable(getattr(record, c))) if c in _JSON else getattr(record, c) for c in _COLUMNS]
        with self._transaction():
            cur = self._db.execute(f"INSERT OR IGNORE INTO runs VALUES ({', '.join('?' * len(_COLUMNS))})", values)
            if cur.rowcount == 0 and record.image and not record.error:
                cur = self._db.execute(
                    f"UPDATE runs SET {', '.join(f'{c} = ?' for c in _COLUMNS[1:])} WHERE key = ? AND "
                    "(image IS NULL OR length(image) = 0) AND (error IS NULL OR error = '')", values[1:] + values[:1])
        return cur.rowcount == 1

    def get(self, key: str) -> Record | None:
        row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM runs WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return Record(**{c: json.loads(v) if c in _JSON else v for c, v in zip(_COLUMNS, row)})

    def add_metrics(self, key: str, metrics: dict) -> None:
        """Merge newly computed metric columns into a stored run."""
        with self._transaction():
            old = self._db.execute("SELECT metrics FROM runs WHERE key = ?", (key,)).fetchone()
            if old is not None:
                merged = {**json.loads(old[0]), **jsonable(metrics)}
                self._db.execute("UPDATE runs SET metrics = ? WHERE key = ?", (json.dumps(merged), key))

    def count_hits(self, keys) -> None:
        """Record that the runs ``keys`` were read instead of computed (one transaction)."""
        with self._transaction():
            self._db.executemany("INSERT INTO hits VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET n = n + 1",
                                 [(k,) for k in keys])

    def total_hits(self) -> int:
        """How many times runs were read from this store instead of computed, over its lifetime."""
        return self._db.execute("SELECT COALESCE(SUM(n), 0) FROM hits").fetchone()[0]

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

"""What one run is, as the results store keeps it: :class:`Record`, its key (:func:`run_key`) and how its parts are
serialised (JSON with NaN as ``null``, the output as PNG bytes, the geometry as an ``.npz``)."""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass, field, is_dataclass

import numpy as np
import torch

__all__ = ["Record", "run_key", "jsonable", "pack_arrays", "png_bytes", "COLUMNS", "JSON_COLUMNS", "dumps_strict",
           "record_from_row"]


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


COLUMNS = ("key", "method", "content", "style", "seed", "profile", "code_version", "config", "metrics", "timing",
            "history", "info", "image", "arrays", "error", "created", "environment")
JSON_COLUMNS = {"config", "metrics", "timing", "history", "info", "environment"}



def dumps_strict(value) -> str:
    """Strict JSON (what SQLite's own JSON functions accept): NaN and infinities stored as ``null``."""
    return json.dumps(_finite(jsonable(value)), allow_nan=False)


def _finite(value):
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _number_or_nan(value):
    """A stored metric or history value as read back: ``null`` is NaN again; lists element-wise."""
    if value is None:
        return float("nan")
    if isinstance(value, list):
        return [_number_or_nan(v) for v in value]
    return value


def record_from_row(row: dict) -> Record:
    """A :class:`Record` from a stored row, checking what an edit could have broken (raises ValueError/TypeError
    naming the column)."""
    for c in JSON_COLUMNS:
        try:
            row[c] = json.loads(row[c]) if row[c] is not None else {}
        except (TypeError, ValueError):
            raise ValueError(f"column {c} is not JSON ({str(row[c])[:40]!r})") from None
        if not isinstance(row[c], dict):
            raise ValueError(f"column {c} is not a JSON object ({str(row[c])[:40]!r})")
    if isinstance(row["seed"], bool) or not isinstance(row["seed"], int):
        raise ValueError(f"seed {row['seed']!r} is not an integer")
    for name, value in row["metrics"].items():
        numbers = value if isinstance(value, list) else [value]
        if not name.startswith("_") and not all(v is None or isinstance(v, (int, float)) for v in numbers):
            raise ValueError(f"metric {name} = {value!r} is not a number")
    row["metrics"] = {k: v if k.startswith("_") else _number_or_nan(v) for k, v in row["metrics"].items()}
    row["history"] = {k: _number_or_nan(v) for k, v in row["history"].items()}
    for c in ("image", "arrays"):
        if row[c] is not None and not isinstance(row[c], bytes):
            raise ValueError(f"column {c} is not binary data")
        row[c] = row[c] or b""
    row["error"] = row["error"] or ""
    return Record(**row)

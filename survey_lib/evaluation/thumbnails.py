"""Small pictures of the committed runs' outputs, so that a reader can look at the runs a table summarises without
the results store: one 128-px WebP file per run, ``figures/at_scale/thumbnails/<plan>/<key[:16]>.webp``, shipped in
the wheel with the tables.

>>> write_thumbnails("finding1", store="build/results.sqlite")   # doctest: +SKIP
(175, 0)
>>> load_thumbnail("finding1", key).shape                         # doctest: +SKIP
torch.Size([1, 3, 128, 128])
"""
from __future__ import annotations

import io
from pathlib import Path

import torch

__all__ = ["THUMBNAIL_SIZE", "thumbnail_path", "write_thumbnails", "load_thumbnail"]

#: the side of every thumbnail in pixels (the runs are 256 px: half the size)
THUMBNAIL_SIZE = 128


def thumbnail_path(plan: str, key: str, folder=None) -> Path:
    """Where the thumbnail of the run ``key`` of ``plan`` lives under ``folder`` (default the committed at-scale
    folder)."""
    from ..utils import bundled_dir
    from .plans import AT_SCALE_DIR

    return Path(folder or bundled_dir(AT_SCALE_DIR)) / "thumbnails" / plan / f"{key[:16]}.webp"


def write_thumbnails(plan: str, *, store, folder=None) -> tuple[int, int]:
    """Write the missing thumbnails of every run of ``plan``'s committed table (or its partial table) that produced
    an output, from the runs ``store`` keeps. Returns ``(written, not in the store)``; nothing is computed."""
    from PIL import Image

    from ..utils import atomic_write
    from .plans import read_plan_so_far
    from .store import opened

    table, _ = read_plan_so_far(plan, folder)
    written = missing = 0
    with opened(store) as db:
        for key in table.loc[table["error"] == "", "key"]:
            path = thumbnail_path(plan, key, folder)
            if path.is_file():
                continue
            record = db.get(key)
            if record is None or not record.image:
                missing += 1
                continue
            small = Image.open(io.BytesIO(record.image)).convert("RGB").resize(
                (THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(path) as tmp:
                small.save(tmp, format="WEBP", quality=80, method=6)
            written += 1
    return written, missing


def load_thumbnail(plan: str, key: str, folder=None) -> torch.Tensor | None:
    """The thumbnail of run ``key`` as a ``(1, 3, 128, 128)`` tensor in [0, 1], or ``None`` when there is none."""
    from ..images import load_image

    path = thumbnail_path(plan, key, folder)
    return load_image(path, min_size=1) if path.is_file() else None

"""Seeding, timing and environment helpers."""
from __future__ import annotations

import os
import platform
import random
import time
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from . import env

__all__ = ["SurveyWarning", "seed_everything", "Timer", "environment_summary", "progress", "bundled_dir",
           "atomic_write", "check_writable_folder", "Interrupted", "keep_partial", "LongRunNote"]


class SurveyWarning(UserWarning):
    """A choice the package made for the user (a crop, one face of several); the CLI prints these as notes."""


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch (all devices) and return a CPU ``torch.Generator`` seeded with ``seed``."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


class Timer:
    """Wall-clock timer that synchronises CUDA before reading the clock.

    >>> with Timer() as t:
    ...     pass
    >>> t.seconds >= 0
    True
    """

    def __init__(self, device: torch.device | str | None = None):
        self.device = torch.device(device) if device is not None else None
        self.seconds = 0.0

    def _sync(self) -> None:
        if self.device is not None and self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def __enter__(self) -> "Timer":
        self._sync()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self._sync()
        self.seconds = time.perf_counter() - self._t0


def environment_summary(device: torch.device | str | None = None) -> dict[str, str]:
    """Versions and hardware, for figure captions and tables."""
    dev = torch.device(device) if device is not None else torch.device("cpu")
    if dev.type == "cuda":
        hw = torch.cuda.get_device_name(dev)
    else:
        hw = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    return {"python": platform.python_version(), "torch": torch.__version__, "device": f"{dev.type} ({hw})",
            "os": platform.platform(terse=True)}


def progress(iterable=None, *, total: int | None = None, desc: str | None = None, enabled: bool = True):
    """A progress bar over ``iterable`` (or ``total`` updates): tqdm in a terminal, its widget in a notebook (gone
    when done); plain lines every :data:`PLAIN_EVERY_S` seconds when stderr goes to a file or a pipe (a log stays
    readable); off when ``SURVEY_PROGRESS=0``."""
    import sys

    from tqdm import tqdm

    disable = not enabled or not env.progress_enabled()
    in_notebook = "ipykernel" in sys.modules
    if in_notebook and not disable and not env.headless():
        try:  # a widget that goes away when done: a text bar would leave an empty stderr box behind
            from tqdm.notebook import tqdm as widget_bar

            return widget_bar(iterable, total=total, desc=desc, leave=False)
        except ImportError:  # no ipywidgets: the text bar
            pass
    if disable or in_notebook or getattr(sys.stderr, "isatty", lambda: False)():
        return tqdm(iterable, total=total, desc=desc, disable=disable, leave=False, dynamic_ncols=True)
    return _PlainProgress(iterable, total, desc)


#: seconds between two lines of a progress report written to a file
PLAIN_EVERY_S = 30.0


class _PlainProgress:
    """tqdm's ``update``/``close``/iteration, reported as whole lines: ``desc: 12/45 (27 %), 36 s, about 99 s
    left``, at most every :data:`PLAIN_EVERY_S` seconds and once at the end."""

    def __init__(self, iterable, total, desc):
        import sys

        self.iterable, self.desc, self.n, self.file = iterable, desc or "progress", 0, sys.stderr
        self.total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
        self.t0 = self.last = time.monotonic()
        self.closed, self.printed = False, 0

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update(1)
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n
        if time.monotonic() - self.last >= PLAIN_EVERY_S:
            self._line()

    def _line(self) -> None:
        self.last = now = time.monotonic()
        self.printed = self.n
        spent = now - self.t0
        text = f"{self.desc}: {self.n}"
        if self.total:
            left = spent / self.n * (self.total - self.n) if self.n else float("nan")
            text += f"/{self.total} ({100 * self.n / self.total:.0f} %), {spent:.0f} s, about {left:.0f} s left"
        print(text, file=self.file, flush=True)

    def close(self) -> None:
        """The last line, where a line was printed before (a short run stays silent); closing twice prints once."""
        if not self.closed and self.last != self.t0 and self.printed != self.n:
            self._line()
        self.closed = True


def bundled_dir(name: str) -> Path:
    """The repository folder ``name`` (``"data"``, ``"notebooks"`` or ``"figures/at_scale"``) wherever this package
    runs from.

    An installed wheel carries it as the resource folder ``survey_lib/_<last part of name>``; a checkout (editable
    install, Colab clone, ``sys.path`` entry) has it beside the package, at ``<checkout>/<name>``.
    """
    packaged = resources.files(__package__) / f"_{Path(name).name}"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[1] / name


@contextmanager
def atomic_write(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step, so an interrupted write
    leaves the previous file (or none) intact, never half a file. The folder is created when missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def check_writable_folder(folder: str | os.PathLike, what: str) -> Path:
    """Check, before any work, that files can be written into ``folder`` (created when missing).

    Raises:
        ValueError: it is a file, or cannot be created or written; the message names ``what`` and the path.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{what} '{folder}' is a file, not a folder; give a folder")
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{what} '{folder}' cannot be written ('{existing}' is not writable); choose another folder")
    return folder


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during an optimisation; ``partial`` holds the result of the steps that finished (its ``steps`` says
    how many), so a caller can keep it (the CLI writes it to ``-o``)."""

    def __init__(self, partial):
        super().__init__(f"interrupted after {getattr(partial, 'steps', '?')} steps")
        self.partial = partial


class keep_partial:
    """``with keep_partial(to_result) as done: done(algorithm(...))`` sets ``done.result = to_result(output)``; a
    Ctrl-C inside the algorithm (:class:`Interrupted`) comes out carrying ``to_result`` of the
    steps that finished."""

    def __init__(self, to_result):
        self.to_result, self.result = to_result, None

    def __call__(self, output) -> None:
        self.result = self.to_result(output)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if isinstance(exc, Interrupted):
            raise Interrupted(self.to_result(exc.partial)) from None
        return False


class LongRunNote:
    """Says once, after the first steps, how long a run will take when that is more than ``threshold_s``: a
    :class:`SurveyWarning` (the CLI prints it as a note) with the measured seconds per step."""

    def __init__(self, total_steps: int, what: str, threshold_s: float = 3600.0, after_steps: int = 2):
        self.total, self.what, self.threshold, self.after = total_steps, what, threshold_s, after_steps
        self.t0, self.said = time.perf_counter(), False

    def step(self, done: int) -> None:
        if self.said or done < self.after:
            return
        self.said = True
        per_step = (time.perf_counter() - self.t0) / done
        left = per_step * (self.total - done)
        if left > self.threshold:
            import warnings

            when = f"{left / 3600:.1f} h" if left < 2 * 86400 else f"{left / 86400:.0f} days"
            warnings.warn(f"{self.what}: {self.total} steps at {per_step:.2f} s/step will take about {when}; Ctrl-C "
                          "stops it and keeps the result so far", SurveyWarning, stacklevel=3)

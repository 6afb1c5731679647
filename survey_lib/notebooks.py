"""The notebooks' shared first cell (:func:`start`) and their headless runner (papermill).

``python -m survey_lib notebooks`` executes the notebooks of the checkout, or the copies inside an installed wheel,
writes the executed copies to ``build/executed/<profile>/`` and the figures to ``FIG_DIR`` (both relative to the
working directory unless absolute), then writes ``FIG_DIR/README.md`` listing every figure and table in notebook order.
"""
from __future__ import annotations

import logging
import os
import re
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .utils import bundled_dir

if TYPE_CHECKING:
    import torch

    from .profiles import Profile

__all__ = ["Session", "start", "figure_dir", "COMMITTED_FIG_DIR", "notebook_paths", "execute", "NotebookFailed",
           "write_report"]


class Session(NamedTuple):
    """What a notebook needs from :func:`start`."""

    profile: Profile              #: sizes and step counts (``survey_lib.profiles``)
    device: torch.device
    env: dict[str, str]           #: versions and hardware for captions (``utils.environment_summary``)


def start(profile: str = "default", device: str = "auto", seed: int = 0) -> Session:
    """The set-up cell of every notebook: seed Python, NumPy and torch, pick the device, show wide tables whole, print
    one banner line.

    >>> profile, device, env = start("smoke", "cpu", 0)  # doctest: +SKIP
    survey_lib 0.1.0 | profile smoke | cpu (x86_64, 1 threads) | torch 2.14.1
    """
    from . import __version__
    from .profiles import get_profile
    from .utils import environment_summary, seed_everything
    from .vgg import resolve_device

    seed_everything(seed)
    _show_whole_tables()
    dev = resolve_device(device)
    session = Session(get_profile(profile), dev, environment_summary(dev))
    print(f"survey_lib {__version__} | profile {session.profile.name} | {session.env['device']} | "
          f"torch {session.env['torch']}")
    return session


def _show_whole_tables() -> None:
    """Tables as wide as the notebooks' pivot tables shown whole (pandas cuts at 20 columns and 80 characters)."""
    import pandas as pd

    pd.set_option("display.max_columns", 60)
    pd.set_option("display.width", 200)


#: the notebooks' own ``FIG_DIR`` parameter: the committed figures, beside ``notebooks/``
COMMITTED_FIG_DIR = "../figures"


def figure_dir(fig_dir: str, profile) -> str:
    """Where a notebook writes its figures: ``fig_dir`` as given, except that a reader running a profile other than
    ``default`` with the notebook's own setting (:data:`COMMITTED_FIG_DIR`) gets ``../build/figures/<profile>``, so
    the committed default-profile figures are never replaced by reading. ``profile``: a name or a Profile."""
    name = getattr(profile, "name", profile)
    if fig_dir != COMMITTED_FIG_DIR or name == "default":
        return fig_dir
    return f"../build/figures/{name}"


_KERNELS = weakref.WeakSet()  # the kernel managers this process started


class _HeldLog(logging.Handler):
    """Keeps the records logged to it, to be shown later or dropped."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class _Stopping(logging.Filter):
    """Drops what the kernel's messaging logs once a stop was asked for: the kernel it reports lost was stopped on
    purpose (its worker may log that after the main thread has handled the Ctrl-C)."""

    def __init__(self):
        super().__init__()
        self.asked = False

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.asked


_STOPPING = _Stopping()


def _run_interruptibly(run):
    """``run()`` in a worker thread; returns the exception it raised, or ``None``. Ctrl-C here kills the notebook's
    kernel, waits for the worker to notice, and re-raises :class:`KeyboardInterrupt`: one clean stop, no traceback
    from the kernel's messaging (which, run in the main thread, catches SIGINT itself and carries on). What the
    messaging logs meanwhile is held and shown after the run; after a Ctrl-C it is dropped: the kernel it reports
    lost ("Kernel died while waiting for execute reply.", which can come before this thread sees the signal) was
    stopped on purpose."""
    import threading

    outcome: dict = {}

    def target():
        try:
            run()
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc

    log, held = logging.getLogger("papermill"), _HeldLog()
    log.addFilter(_STOPPING)  # once per process (a filter is added once)
    _STOPPING.asked = False
    propagate, log.propagate = log.propagate, False
    log.addHandler(held)
    worker = threading.Thread(target=target, name="notebook", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        _STOPPING.asked = True
        deadline = time.monotonic() + 30
        while True:  # a kernel still starting is killed once it is up
            for km in list(_KERNELS):
                process = getattr(getattr(km, "provisioner", None), "process", None)
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait(10)
            if not worker.is_alive() or time.monotonic() > deadline:
                break
            worker.join(0.2)
        if not worker.is_alive():  # else it is still winding down and may yet report the kernel: keep holding
            log.removeHandler(held)
            log.propagate = propagate
        raise
    log.removeHandler(held)
    log.propagate = propagate
    for record in held.records:
        log.handle(record)
    return outcome.get("error")


def _kernel_manager():
    """Kernels on local IPC sockets where the OS has them: the kernel and this process talk through socket files in the
    temporary folder (removed with the kernel) instead of TCP ports, so the kernel has no reason to warn about
    unencrypted TCP traffic."""
    if os.name != "posix":
        return None
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            _KERNELS.add(self)
            self.transport = "ipc"
            self.ip = os.path.join(tempfile.gettempdir(), f"survey-kernel-{os.getpid()}-{id(self)}")

    return IPCKernelManager


class NotebookFailed(RuntimeError):
    """A notebook raised; the message names the notebook, the cell and the error."""


@dataclass
class Executed:
    path: Path
    output: Path
    seconds: float


def notebook_paths(folder: Path | None = None) -> list[Path]:
    """The ordered survey notebooks ``NN_name.ipynb`` (of the checkout, or the copies in the installed wheel)."""
    folder = folder or bundled_dir("notebooks")
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def execute(notebook: Path, *, profile: str, fig_dir: Path, out_dir: Path, parameters: dict | None = None,
            timeout: int = 4 * 3600) -> Executed:
    """Run one notebook with papermill; raise :class:`NotebookFailed` with the failing cell's source."""
    import papermill

    out_dir.mkdir(parents=True, exist_ok=True)
    fig_dir.mkdir(parents=True, exist_ok=True)
    params = {"PROFILE": profile, "FIG_DIR": str(fig_dir.resolve()), **(parameters or {})}
    unknown = set(params) - set(papermill.inspect_notebook(str(notebook)))
    if unknown:
        raise NotebookFailed(f"{notebook.name}: the parameters cell does not define {sorted(unknown)}")
    env_before = os.environ.get("SURVEY_HEADLESS")
    os.environ["SURVEY_HEADLESS"] = "1"
    t0 = time.perf_counter()
    try:
        error = _run_interruptibly(lambda: papermill.execute_notebook(
            str(notebook), str(out_dir / notebook.name), parameters=params, kernel_name="python3",
            cwd=str(notebook.parent), progress_bar=False, execution_timeout=timeout,
            kernel_manager_class=_kernel_manager()))
    finally:
        if env_before is None:
            os.environ.pop("SURVEY_HEADLESS", None)
        else:
            os.environ["SURVEY_HEADLESS"] = env_before
    if error is not None and not isinstance(error, papermill.PapermillExecutionError):
        raise error
    if error is not None:
        raise NotebookFailed(f"{notebook.name}: code cell #{error.cell_index} raised {error.ename}: {error.evalue}\n"
                             f"--- cell source ---\n{error.source}\n(executed copy: {out_dir / notebook.name})")
    return Executed(notebook, out_dir / notebook.name, time.perf_counter() - t0)


_RAN_IN = re.compile(r"Notebook `(\S+)\.ipynb` ran in (\d+) s(?: \(([^)]*)\))?\.")


def _in_survey_order(notebook: Path, files) -> list[Path]:
    """``files`` in the order the notebook first names them (its story's order); names it builds at run time come
    last, alphabetically. A table's Markdown comes before its CSV."""
    paired = notebook.with_suffix(".py")
    source = paired.read_text() if paired.is_file() else (notebook.read_text() if notebook.is_file() else "")
    suffix_rank = {".png": 0, ".md": 1, ".csv": 2}

    def key(f: Path):
        at = source.find(f'"{f.stem}"')
        return (at if at >= 0 else len(source), f.stem if at < 0 else "", suffix_rank.get(f.suffix, 3), f.name)

    return sorted(files, key=key)


def write_report(fig_dir: Path, notebooks: list[Path], profile: str, timings: dict[str, float] | None = None, *,
                 unfinished: str | None = None, store_notes: dict[str, str] | None = None) -> Path:
    """``fig_dir/README.md``: every PNG, Markdown table and CSV in ``fig_dir``, grouped by notebook prefix.

    ``timings`` (seconds by notebook stem) covers the notebooks run now; after a partial run (``--only``) the
    others keep the durations the previous report recorded for the figures they left in ``fig_dir``.
    ``store_notes`` (by stem) says how many runs each notebook computed and read from the results store.
    ``unfinished`` names a notebook that was interrupted or failed: the report says so at the top, and that its
    figures may be partly from an earlier run."""
    out = fig_dir / "README.md"
    found = list(_RAN_IN.finditer(out.read_text())) if out.is_file() else []
    previous = {m[1]: float(m[2]) for m in found}
    store_notes = {**{m[1]: m[3] for m in found if m[3]}, **(store_notes or {})}
    timings = {**previous, **(timings or {})}
    lines = ["# Figures and tables", "",
             f"Generated by `python -m survey_lib notebooks --profile {profile}`; do not edit by hand.", ""]
    from .evaluation.plans import PLANS, staleness_note

    stale = [note for note in map(staleness_note, PLANS) if note]
    if stale:  # the at-scale sections show these committed tables as they are
        lines += ["At-scale tables not yet recomputed by a clean commit of today's code:", "",
                  *[f"- {note}" for note in stale], ""]
    if unfinished:
        lines += [f"**Partial run:** `{unfinished}` did not finish, so its figures and tables (and those of the "
                  "notebooks after it) may be missing or from an earlier run. Run the same command again; finished "
                  "runs are read from the results store.", ""]
    for nb in notebooks:
        prefix = nb.stem.split("_", 1)[0]
        title = nb.stem.split("_", 1)[1].replace("_", " ")
        lines += [f"## {prefix}. {title}", ""]
        if nb.stem == unfinished:
            lines += [f"Notebook `{nb.name}` did not finish in this run.", ""]
        elif timings and nb.stem in timings:
            note = f" ({store_notes[nb.stem]})" if nb.stem in store_notes else ""
            lines += [f"Notebook `{nb.name}` ran in {timings[nb.stem]:.0f} s{note}.", ""]
        for f in _in_survey_order(nb, fig_dir.glob(f"{prefix}_*")):
            if f.suffix == ".png":
                lines += [f"![{f.stem}]({f.name})", f"*{f.name}*", ""]
            elif f.suffix == ".md":
                lines += [f.read_text().strip(), "", f"*{f.name}*", ""]
            elif f.suffix == ".csv":
                lines += [f"Data: [{f.name}]({f.name})", ""]
    out.write_text("\n".join(lines).rstrip() + "\n")
    return out

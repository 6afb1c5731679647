"""Where a committed at-scale table came from: the commit whose code computed it (refusing uncommitted code), and
the provenance record written beside it (``figures/at_scale/NAME.provenance.json``)."""
from __future__ import annotations

from .plan_specs import AT_SCALE_DIR

__all__ = ["commit", "UncommittedCode", "check_committed", "provenance", "INVOCATION", "read_provenance",
           "dirty_provenance", "write_json"]


def _checkout():
    """The git checkout this package runs from, or ``None`` (an installed package)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return root if (root / ".git").exists() else None


def _git(*args: str) -> str:
    import subprocess

    root = _checkout()
    if root is None:
        return ""
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30,
                              check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def commit() -> str:
    """The checkout's commit, ``+dirty`` when ``survey_lib/`` has uncommitted changes (``"unknown"`` outside a git
    checkout). Tables and figures written since do not count: the commit names the code that computed them."""
    return (_git("rev-parse", "HEAD") or "unknown") + ("+dirty" if _code_changes() else "")


def _code_changes() -> str:
    """``git status`` of ``survey_lib/`` (empty when the code is as committed)."""
    return _git("status", "--porcelain", "--", "survey_lib")


class UncommittedCode(RuntimeError):
    """A plan would write a committed table from code that is in no commit."""


def check_committed(out_dir) -> None:
    """Refuse to write the checkout's own at-scale tables (``figures/at_scale``) while ``survey_lib/`` has
    uncommitted changes: a committed table must name a commit whose code reproduces it. Other folders (a scratch
    run) and an installed package are not checked.

    Raises:
        UncommittedCode: with the changed files and what to do.
    """
    from pathlib import Path

    root = _checkout()
    if root is None or Path(out_dir).resolve() != (root / AT_SCALE_DIR).resolve():
        return
    changed = _code_changes()
    if changed:
        files = ", ".join(line[3:] for line in changed.splitlines()[:3]) + (", ..." if changed.count("\n") > 2 else "")
        raise UncommittedCode(f"survey_lib/ has uncommitted changes ({files}): commit them first, so that the "
                              f"table's provenance names a commit that reproduces it (or pass --out-dir elsewhere)")


def dirty_provenance(name: str, folder=None) -> bool:
    """Whether any invocation that computed the committed table of plan ``name`` ran on code with uncommitted
    changes (its provenance names a ``+dirty`` commit)."""
    record = read_provenance(name, folder) or {}
    return any(str(r.get("commit", "")).endswith("+dirty") for r in (record, *record.get("earlier", ())))


def provenance(plan, table, wall_s: float, device="cpu") -> dict:
    """Where a plan's table came from: commit (``+dirty`` when the checkout had changes), profile, torch, device,
    date, this invocation's wall time, and the summed run times in the table (the compute it stands for)."""
    import datetime

    from ..utils import environment_summary

    env = environment_summary(device)
    return {"plan": plan.name, "commit": commit(), "profile": plan.profile,
            "torch": env["torch"], "python": env["python"], "device": env["device"],
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "wall_s": round(wall_s, 1), "runs": len(table), "computed": int((~table["from_store"]).sum()),
            "run_seconds_total": round(float(table["total_s"].sum()), 1),
            "failed": int((table["error"] != "").sum())}


#: what the provenance record keeps of each earlier invocation of a plan
INVOCATION = ("commit", "date", "device", "wall_s", "computed")


def write_json(path, obj) -> None:
    """Write ``obj`` to ``path`` as indented JSON, atomically."""
    import json
    from pathlib import Path

    from ..utils import atomic_write

    with atomic_write(path) as tmp:
        Path(tmp).write_text(json.dumps(obj, indent=2) + "\n")


def read_provenance(name: str, folder=None) -> dict | None:
    """The committed provenance record of plan ``name``, or ``None`` when it has not been computed yet."""
    import json
    from pathlib import Path

    from ..utils import bundled_dir

    path = Path(folder or bundled_dir(AT_SCALE_DIR)) / f"{name}.provenance.json"
    return json.loads(path.read_text()) if path.is_file() else None

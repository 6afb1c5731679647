"""The notebooks: paired sources in sync, committed clean, and every one runs end to end in the smoke profile.

The executed copies land in ``build/smoke/executed`` with their figures in ``build/smoke/figures``; ``make nbval``
then re-executes those copies and compares every output (the same seed must give the same findings).
"""
import json
import sys
from pathlib import Path

import jupytext
import pytest
from ipykernel.ipkernel import IPythonKernel
from jupyter_client.kernelspec import KernelSpecManager

from survey_lib.notebooks import NotebookFailed, execute, notebook_paths

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
SMOKE = ROOT / "build" / "smoke"
NOTEBOOKS = notebook_paths()


def _cells(notebook) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ()))) for c in notebook.cells]


def test_runner_finds_the_checkout_notebooks():
    assert [p.parent for p in NOTEBOOKS] == [NB_DIR] * len(NOTEBOOKS)
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{i:02d}_" for i in range(len(NOTEBOOKS))]


def test_every_notebook_is_a_pair_in_sync():
    sources = sorted(p.stem for p in NB_DIR.glob("[0-9][0-9]_*.py"))
    assert sources == [p.stem for p in NOTEBOOKS], "every NN_name.py needs its NN_name.ipynb and vice versa"
    for nb in NOTEBOOKS:
        py, ipynb = jupytext.read(nb.with_suffix(".py")), jupytext.read(nb)
        assert _cells(py) == _cells(ipynb), f"{nb.stem}.py and {nb.name} differ: run `make sync`"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean_with_colab_and_parameters_cells(nb):
    raw = json.loads(nb.read_text())
    code = [c for c in raw["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), f"{nb.name} has outputs"
    tags = [c["metadata"].get("tags", []) for c in code]
    assert tags[0] == ["colab"] and tags[1] == ["parameters"], f"{nb.name}: colab cell, then parameters cell"
    assert sum("parameters" in t for t in tags) == 1
    assert raw["metadata"]["kernelspec"]["name"] == "python3"
    # what JupyterLab writes when the kernel starts, so a notebook opens unmodified (the browser test opens one)
    assert raw["metadata"]["kernelspec"]["display_name"] == KernelSpecManager().get_kernel_spec("python3").display_name
    info = dict(IPythonKernel.language_info, version=raw["metadata"]["language_info"].get("version", "?"))
    assert raw["metadata"]["language_info"] == info, f"{nb.name}: language_info is not the kernel's"
    assert info["version"].startswith("%d.%d." % sys.version_info[:2]), f"{nb.name}: written under another Python"
    # the shared set-up is one call, not pasted code
    assert sum("start(PROFILE, DEVICE, SEED)" in "".join(c["source"]) for c in code) == 1


def test_colab_cell_is_the_same_in_every_notebook():
    cells = {nb.name: next(c.source for c in jupytext.read(nb).cells if "colab" in c.metadata.get("tags", ()))
             for nb in NOTEBOOKS}
    assert len(set(cells.values())) == 1, "the Colab cells differ between notebooks"


@pytest.mark.notebooks
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_smoke_profile(nb, monkeypatch):
    # one thread per kernel: two kernels side by side on two cores, and `make nbval` re-runs them the same way
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("SURVEY_STORE", str(SMOKE / "results.sqlite"))  # shared by the notebooks, as in make figures
    fig_dir = SMOKE / "figures"
    prefix = nb.stem.split("_", 1)[0]
    for old in fig_dir.glob(f"{prefix}_*"):
        old.unlink()
    try:
        execute(nb, profile="smoke", fig_dir=fig_dir, out_dir=SMOKE / "executed", timeout=600)
    except NotebookFailed as exc:
        pytest.fail(str(exc), pytrace=False)
    assert list(fig_dir.glob(f"{prefix}_*.png")), f"{nb.name} wrote no figure"


def test_report_keeps_durations_of_notebooks_not_rerun(tmp_path):
    from survey_lib.notebooks import write_report

    (tmp_path / "00_a.png").write_bytes(b"")
    (tmp_path / "01_t.md").write_text("| x |\n|---|\n| 1 |\n")
    nbs = [Path("00_setup.ipynb"), Path("01_table.ipynb")]
    write_report(tmp_path, nbs, "default", {"00_setup": 10, "01_table": 20})
    text = write_report(tmp_path, nbs, "default", {"00_setup": 5}).read_text()
    assert "`00_setup.ipynb` ran in 5 s" in text and "`01_table.ipynb` ran in 20 s" in text
    assert "![00_a](00_a.png)" in text and "| 1 |" in text
    from survey_lib.evaluation import plans

    for name in plans.AWAITING_RECOMPUTE:  # one line each while their committed tables await a recompute
        assert f"- {plans.staleness_note(name)}\n" in text
    assert ("not yet recomputed" in text) == bool(plans.AWAITING_RECOMPUTE)  # and no heading once none does


def test_report_lists_figures_in_the_order_the_notebook_makes_them(tmp_path):
    from survey_lib.notebooks import write_report

    nb = tmp_path / "02_story.py"
    nb.write_text('save_figure(fig, "02_zeta")\nsave_table(rows, "02_alpha")\nsave_figure(fig, "02_mid")\n')
    for name in ("02_alpha.md", "02_alpha.csv", "02_mid.png", "02_zeta.png", "02_built_at_run_time.png"):
        (tmp_path / name).write_text("| x |\n|---|\n| 1 |\n" if name.endswith(".md") else "")
    text = write_report(tmp_path, [nb.with_suffix(".ipynb")], "default").read_text()
    order = [text.index(s) for s in ("02_zeta.png", "| 1 |", "02_alpha.csv", "02_mid.png", "02_built_at_run_time")]
    assert order == sorted(order)


def test_the_set_up_cell_shows_a_wide_pivot_table_whole(capsys):
    import pandas as pd

    from survey_lib.notebooks import start

    wide = pd.DataFrame([[0.123] * 30], columns=[f"pair {i}" for i in range(30)])
    try:
        pd.set_option("display.max_columns", 20)  # pandas' default in a notebook kernel
        assert "..." in wide._repr_html_()
        start("smoke", "cpu", 0)
        assert "..." not in wide._repr_html_() and "pair 29" in wide._repr_html_()
    finally:
        pd.reset_option("display.max_columns")
        pd.reset_option("display.width")

"""Every notebook runs end-to-end in the smoke profile (papermill); a failure names the cell that broke."""
import pytest

from survey_lib.notebooks import NotebookFailed, execute, notebook_paths

NOTEBOOKS = notebook_paths()


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name.startswith("00_")


@pytest.mark.notebooks
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_smoke_profile(nb, tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # two kernels side by side on two cores (pytest -n 2)
    fig_dir = tmp_path / "figures"
    try:
        execute(nb, profile="smoke", fig_dir=fig_dir, out_dir=tmp_path / "executed", timeout=600)
    except NotebookFailed as exc:
        pytest.fail(str(exc), pytrace=False)
    prefix = nb.stem.split("_", 1)[0]
    assert list(fig_dir.glob(f"{prefix}_*.png")), f"{nb.name} wrote no figure"

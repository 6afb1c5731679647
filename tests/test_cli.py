import subprocess
import sys

import numpy as np
from PIL import Image

from survey_lib import data
from survey_lib.cli import main


def test_stylize_cli_writes_image(tmp_path, capsys):
    out = tmp_path / "out.png"
    assert main(["stylize", "astronaut", "starry_night", "-p", "smoke", "--steps", "2", "-o", str(out)]) == 0
    assert Image.open(out).size == (64, 64)
    assert "wrote" in capsys.readouterr().out


def test_cli_reports_bad_input_without_traceback(tmp_path):
    gray = tmp_path / "tiny.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(gray)
    proc = subprocess.run([sys.executable, "-m", "survey_lib", "stylize", str(gray), "starry_night", "-p", "smoke"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "tiny.png" in proc.stderr and "Traceback" not in proc.stderr


def test_stylize_cli_with_hand_landmarks(tmp_path, capsys):
    out = tmp_path / "anime.png"
    argv = ["stylize", "astronaut", "sylvie_ios", "-m", "oneshot_foa", "-p", "smoke", "--steps", "1",
            "--style-landmarks", str(data.data_dir() / "landmarks" / "sylvie_ios.pts"), "-o", str(out)]
    assert main(argv) == 0 and out.is_file()
    assert main(["stylize", "astronaut", "eileen_sprite", "-m", "fastdst", "-p", "smoke", "-o", str(out)]) == 2
    assert "oneshot_foa" in capsys.readouterr().err


def test_explorer_renders_a_static_figure_headless(monkeypatch):
    from survey_lib.widgets import method_explorer

    monkeypatch.setenv("SURVEY_HEADLESS", "1")
    view = method_explorer(["astronaut"], ["mona_lisa"], [("adain", {"decoder": "optimised"}), "nst"],
                           profile="smoke")
    assert view.choice["method"] == "foa_fast" and view.result.image.shape[-1] == 64  # the live preview, at 64 px
    fig = view.figure()
    assert len(fig.axes) == 3 and fig.axes[2].get_title() == "foa_fast" and "shape progress" in fig._suptitle.get_text()


def test_adain_decoder_flag(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SURVEY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SURVEY_ALLOW_DOWNLOAD", raising=False)
    argv = ["stylize", "astronaut", "mona_lisa", "-m", "adain", "-p", "smoke", "-o", str(tmp_path / "a.png")]
    assert main(argv + ["--decoder", "published"]) == 2
    assert "SURVEY_ALLOW_DOWNLOAD=1" in capsys.readouterr().err
    assert main(argv + ["--decoder", "project"]) == 0
    assert "adain (project decoder): wrote" in capsys.readouterr().out
    assert main(argv[:3] + ["--decoder", "project", "-p", "smoke"]) == 2
    assert "--decoder applies to -m adain" in capsys.readouterr().err


def test_ctrl_c_during_notebooks_is_one_clean_stop(tmp_path):
    """Ctrl-C (SIGINT to the process group, as a terminal sends it): exit 130 with one line, the kernel gone, the
    report marked partial, no half-executed notebook that looks complete."""
    import os
    import signal
    import time

    env = {**os.environ, "SURVEY_STORE": str(tmp_path / "s.sqlite"), "OMP_NUM_THREADS": "1"}
    argv = [sys.executable, "-m", "survey_lib", "notebooks", "-p", "smoke", "--only", "02", "--fig-dir",
            str(tmp_path / "fig"), "--executed-dir", str(tmp_path / "exec")]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_sigint_as_in_a_terminal)
    executed = tmp_path / "exec" / "02_finding1_qualitative.ipynb"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (executed.exists() and '"execution_count": 2' in executed.read_text()):
        time.sleep(0.2)  # papermill saves the copy after each cell: the kernel is running the notebook's cells
    assert proc.poll() is None, "the notebook finished before the interruption: nothing tested"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err.strip() == "interrupted", err
    assert "Partial run:** `02_finding1_qualitative` did not finish" in (tmp_path / "fig" / "README.md").read_text()
    assert not (tmp_path / "exec" / "02_finding1_qualitative.ipynb").exists()


def _sigint_as_in_a_terminal():
    """In the child, before Python starts: SIGINT handled as in a terminal session (a test run in the background
    inherits it ignored, and so would every process it starts)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)

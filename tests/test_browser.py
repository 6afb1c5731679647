"""The survey read as a reader reads it: JupyterLab on a free local port (with a token, a temporary store and copies
of notebooks 00 and 02 set to the smoke profile), driven in Debian's chromium through Playwright. Every cell runs
with no traceback and draws its figures; a photograph uploaded into the explorer comes back stylised, once, at the
size of the quality chosen. Screenshots go to ``build/browser/``.

Chromium comes from Debian (``/usr/bin/chromium``; Playwright's own browser download needs the internet) and
Playwright from the ``browser`` extra; ``make setup`` installs both when missing.
"""
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jupytext
import pytest
from playwright.sync_api import expect, sync_playwright

from survey_lib import data
from survey_lib.run_browser import RunBrowser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "build" / "browser"
NOTEBOOKS = ("00_setup_and_data", "02_finding1_qualitative")
UNTOUCHED = "05_conclusions"
RUN_LIMIT_MS = int(os.environ.get('BROWSER_RUN_LIMIT_S', 600)) * 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``(base URL, token)`` of a JupyterLab serving smoke-profile copies of the notebooks from a temporary folder."""
    root = tmp_path_factory.mktemp("lab")
    books = root / "notebooks"
    books.mkdir()
    for name in NOTEBOOKS:
        text = (ROOT / "notebooks" / f"{name}.py").read_text()
        assert 'PROFILE = "default"' in text
        notebook = jupytext.reads(text.replace('PROFILE = "default"', 'PROFILE = "smoke"', 1), fmt="py:percent")
        jupytext.write(notebook, books / f"{name}.ipynb")
    shutil.copy(ROOT / "notebooks" / f"{UNTOUCHED}.ipynb", books)  # as committed, to open and leave
    settings = root / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)  # every cell kept in the page (the test sees every output); the kernel starts
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none",
                                                                     "autoStartDefaultKernel": True}))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "SURVEY_STORE": str(root / "store.sqlite"), "OMP_NUM_THREADS": "1",
           "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"), "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces")}
    env.pop("SURVEY_HEADLESS", None)
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
                             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", f"--ServerApp.token={token}",
                             f"--ServerApp.root_dir={books}", "--LabApp.news_url=", "--LabApp.check_for_updates_class"
                             "=jupyterlab.NeverCheckForUpdate"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, (root / "lab.log").read_text()[-2000:]
            time.sleep(0.5)
    yield base, token
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _open(page, base: str, token: str, name: str) -> None:
    """Open notebook ``name`` alone in a fresh workspace and wait until its kernel is idle."""
    page.goto(f"{base}/lab/workspaces/{secrets.token_hex(4)}/tree/{name}.ipynb?token={token}&reset")  # one tab
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    news = page.get_by_role("button", name="No", exact=True)  # JupyterLab asks once about its news feed
    if news.count():
        news.first.click()
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=90_000)  # the kernel is up


def _run_all(page, base: str, token: str, name: str) -> None:
    """Open notebook ``name``, run every cell from the Run menu, wait until each code cell has its number."""
    _open(page, base, token, name)
    started = page.locator(".jp-CodeCell .jp-InputArea-prompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for _ in range(3):  # a click while the kernel is still connecting runs nothing: try again
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            expect(started.first).to_be_visible(timeout=20_000)
            break
        except AssertionError:
            continue
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        _wait_for_every_cell(page)
    except Exception:
        page.screenshot(path=str(SHOTS / f"{name}_unfinished.png"), full_page=True)
        raise


def _wait_for_every_cell(page) -> None:
    page.wait_for_function(
        """() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
                   return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }""",
        timeout=RUN_LIMIT_MS, polling=1000)


def _errors(page) -> list[str]:
    """Tracebacks and errors on the page, and empty stderr boxes (what a finished text progress bar leaves)."""
    texts = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    return [t or "(an empty stderr box)" for t in texts if "Traceback" in t or "Error" in t or not t.strip()]


def _open_and_run(browser, lab, name):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _run_all(page, base, token, name)
    assert _errors(page) == []
    assert page.locator(".jp-RenderedImage img").count() >= 2  # the figures are drawn
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    return page


def test_a_committed_notebook_opens_unmodified(lab, browser):
    """JupyterLab writes the kernel's name and language into a notebook when its kernel starts; a committed notebook
    already carries them, so opening it marks nothing modified and autosave rewrites no file."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        _open(page, *lab, UNTOUCHED)
        page.wait_for_timeout(3000)  # the kernel's info arrives after the status shows idle
        assert page.locator(".lm-TabBar-tab.jp-mod-dirty").count() == 0, "the notebook is marked modified on opening"
    finally:
        page.close()


def test_notebook_00_runs_in_the_browser_with_figures_and_no_traceback(lab, browser):
    _open_and_run(browser, lab, "00_setup_and_data").close()


def test_notebook_02_runs_and_its_explorer_stylises_an_uploaded_photo_once_at_the_chosen_size(lab, browser, tmp_path):
    page = _open_and_run(browser, lab, "02_finding1_qualitative")
    try:
        explorer = page.locator(".survey-explorer")
        explorer.scroll_into_view_if_needed()
        photo = tmp_path / "my_photo.png"
        shutil.copy(data.path("obama"), photo)
        explorer.locator("select").nth(3).select_option(label="default: 256 px")  # quality: 256 px
        with page.expect_file_chooser() as chooser:
            explorer.get_by_role("button", name="upload content").click()
        chooser.value.set_files(str(photo))
        status = explorer.locator(".widget-html").first
        expect(status).to_contain_text("foa_fast on my_photo.png", timeout=120_000)  # the live preview ran on it
        images = explorer.locator(".widget-image")
        assert images.count() == 3  # content, style, result: each drawn once
        assert images.evaluate_all("els => els.map(e => e.naturalWidth)") == [256, 256, 256]
        assert "shape progress" in status.inner_text() and _errors(page) == []
        explorer.screenshot(path=str(SHOTS / "explorer_upload.png"))
        browser_box = page.locator(".survey-run-browser")  # the run browser opens on the benchmark's worst DST pair
        browser_box.scroll_into_view_if_needed()
        expect(browser_box.locator(".widget-image").first).to_be_visible(timeout=60_000)
        worst = RunBrowser().pairs("geometry", metric="shape_progress", method="dst").iloc[0]
        first = browser_box.locator("select").nth(3).locator("option").first.inner_text().replace("\xa0", " ")
        assert first == f"{worst['content']} / {worst['style']}: {worst['metric']:.3f}"
        numbers = browser_box.locator("div[style*='overflow-x']")  # the row of numbers: wide, it scrolls in place
        right = numbers.evaluate("e => e.getBoundingClientRect().right")
        assert right <= page.viewport_size["width"] and numbers.locator("th", has_text="folded_%").count() == 1
        browser_box.screenshot(path=str(SHOTS / "run_browser_worst_dst.png"))
    finally:
        page.close()

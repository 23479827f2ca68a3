"""The what-if panel and the HTML reports, seen in a real browser.

JupyterLab runs on a free local port (no token, state in temporary folders) and headless
Chromium, driven by Playwright, at 1280 px, opens copies of notebooks/scenarios.ipynb and
notebooks/forecast.ipynb pointed at the mini pack, runs every cell, unticks one piece of
evidence (scenarios) or moves its credibility slider (forecast) in the what-if panel and reads
the forecasts the panel then shows (also in notebooks/outcomes.ipynb on the typed test pack, where an
options question's probabilities move); they must change and equal what `Forecast.what_if` gives,
and the panel's "changed X" line must name the control. Then it screenshots a small run's index
and forecast report, checks they rendered and that no table is wider than the page.

Chromium is the Debian package at /usr/bin/chromium (`.ci/run` installs it); Playwright only
drives it (`playwright install` is never needed). Without it this test FAILS, saying what to
install: a browser test that skips would prove nothing.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from foresight import forecast, load_pack
from foresight.model.forecasting import pack_as_of
from foresight.model.joint import joint_forecast
from foresight.report.whatif_panel import control_label
from foresight.run.params import check_params
from nbhelpers import DRAWS, MINI, NOTEBOOKS, foresight_cli, notebook_env
from typedpacks import write_typed_pack

pytestmark = pytest.mark.slow  # JupyterLab and Chromium: minutes; run by make test-all and CI

__all__ = ["notebook_env"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DROPPED = "ev-talks"  # standing at the mini pack's date; bears on both questions
QUESTION = "deal-by-june"  # the forecast notebook's question (ev-talks stands on the day it opened)
PAGE_WIDTH = 1280
LAB_START_SECONDS = 180
RUN_ALL_SECONDS = 600


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install the Debian package with "
            "`apt-get update && apt-get install -y chromium` (.ci/run does this as root)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing: install the dev extra (pip install -e .[dev])")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook_copy(folder: Path, name: str, **extra: str) -> Path:
    """notebooks/<name>.ipynb with its parameters pointed at the mini pack and few draws (and ``extra`` lines,
    e.g. ``question="question: Optional[str] = 'deal-by-june'"``, replacing the line of that parameter)."""
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    (cell,) = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    lines = "".join(cell["source"]).splitlines(keepends=True)
    swap = {
        "pack:": f"pack: str = {str(MINI)!r}\n",
        "draws:": f"draws: Optional[int] = {DRAWS}\n",
        **{f"{key}:": f"{line}\n" for key, line in extra.items()},
    }
    cell["source"] = [next((new for key, new in swap.items() if line.startswith(key)), line) for line in lines]
    assert sum(line in swap.values() for line in cell["source"]) == len(swap)
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _sign_on_opens(files) -> None:
    """The typed pack's one sign, seen on the day its questions open: the outcomes notebook forecasts a closed
    question as on its opening day, so the sign stands there and the panel gets its control."""
    (ev,) = files["evidence.yaml"]["evidence"]
    ev.update(document="d1", observed="2020-01-01")


@pytest.fixture(scope="module")
def lab(notebook_env, tmp_path_factory):
    """A JupyterLab server on a free port, token off, HOME and Jupyter state in temporary folders."""
    base = tmp_path_factory.mktemp("lab")
    home, root = base / "home", base / "notebooks"
    home.mkdir()
    root.mkdir()
    _notebook_copy(root, "scenarios")
    _notebook_copy(root, "forecast", question=f"question: Optional[str] = {QUESTION!r}")
    typed = write_typed_pack(base / "typed", _sign_on_opens)
    _notebook_copy(root, "outcomes", pack=f"pack: str = {str(typed)!r}")
    port = _free_port()
    env = {**os.environ, **notebook_env, "HOME": str(home)}
    log = (base / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",  # no traffic beyond this machine
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),  # CI runs as root
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + LAB_START_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited ({proc.returncode}):\n{(base / 'lab.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer in {LAB_START_SECONDS} s:\n{(base / 'lab.log').read_text()[-3000:]}"
                )
            time.sleep(1)
        yield url, base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


# Queries look inside the notebook on screen only: JupyterLab keeps notebooks opened earlier as hidden tabs.
# textContent, not innerText: JupyterLab skips rendering cells scrolled out of view (content-visibility), and
# innerText of an unrendered cell is empty.
PANEL_TABLE = """() => {
  const t = window.jupyterapp.shell.currentWidget.node.querySelector('.widget-output table');
  if (!t) return null;
  const heads = [...t.querySelectorAll('thead tr:last-child th')].map(x => x.textContent.trim());
  const rows = [...t.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('th, td')].map(c => c.textContent.trim()));
  return {heads, rows};
}"""

ERRORS = """() => [...window.jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
  .map(e => e.innerText).filter(t => /Error|Traceback/.test(t))"""


ON_SCREEN = ".jp-NotebookPanel:visible"
"""The notebook tab on screen (Playwright selector)."""


def _what_if_column(table: dict) -> dict[str, float]:
    """{question id: displayed what-if mean} from the panel's table (heads may start with an index's blank)."""
    heads = table["heads"]
    assert "what-if" in heads, f"not the panel's table: {table}"
    out = {}
    for row in table["rows"]:
        cells = dict(zip(heads[-len(row) :], row)) if len(heads) >= len(row) else dict(zip(heads, row[-len(heads) :]))
        out[cells["question"]] = float(cells["what-if"])
    return out


def _what_if_texts(table: dict) -> list[str]:
    """The what-if cells as displayed, in row order (what the page compares against)."""
    col = table["heads"].index("what-if") - (len(table["heads"]) - len(table["rows"][0]))
    return [row[col] for row in table["rows"]]


def _kernel_idle(page) -> None:
    """Wait until every cell has run (no "[*]" prompt left) and the kernel is idle."""
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const busy = [...w.node.querySelectorAll('.jp-InputPrompt')].some(p => p.innerText.includes('*'));"
        " return !busy && w.sessionContext.session.kernel.status === 'idle'; }",
        timeout=RUN_ALL_SECONDS * 1000,
    )


def _run_all(browser, url: str, base: Path, name: str):
    """Open notebook ``name`` in JupyterLab at 1280 px, run every cell, and wait for the what-if panel's table."""
    page = browser.new_page(viewport={"width": PAGE_WIDTH, "height": 1000})
    page.goto(f"{url}/lab/tree/{name}")
    # the notebook asked for must be the one on screen (Lab reopens earlier notebooks too) with its kernel up
    page.wait_for_function(
        "(name) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return !!(w && w.context && w.context.path === name && w.sessionContext && w.sessionContext.session"
        " && w.sessionContext.session.kernel"
        " && w.sessionContext.session.kernel.connectionStatus === 'connected'); }",
        arg=name,
        timeout=LAB_START_SECONDS * 1000,
    )
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    try:
        page.wait_for_function(f"{PANEL_TABLE}", timeout=RUN_ALL_SECONDS * 1000)
    except Exception:
        page.screenshot(path=str(base / f"lab-failed-{name}.png"), full_page=True)
        errors = page.evaluate(ERRORS)
        pytest.fail(f"the what-if panel of {name} never showed its table; errors in the notebook: {errors[:3]}")
    _kernel_idle(page)
    assert page.evaluate(ERRORS) == []
    return page


def _wait_for_new_table(page, shown: dict) -> None:
    """The kernel handles a control's change (busy), redraws the panel, and is idle again with a new table."""
    page.wait_for_function(
        f"""(before) => {{
          const w = window.jupyterapp.shell.currentWidget;
          const t = ({PANEL_TABLE})();
          if (!t || w.sessionContext.session.kernel.status !== 'idle') return false;
          const col = t.heads.indexOf('what-if') - (t.heads.length - t.rows[0].length);
          return JSON.stringify(t.rows.map(r => r[col])) !== before;
        }}""",
        arg=json.dumps([str(v) for v in _what_if_texts(shown)]),
        timeout=180_000,
        polling=500,
    )
    page.wait_for_timeout(1000)  # let a redraw still in flight finish before reading


def test_what_if_panel_in_jupyterlab_matches_the_library(browser, lab, tmp_path):
    url, base = lab
    page = _run_all(browser, url, base, "scenarios.ipynb")
    shown = page.evaluate(PANEL_TABLE)
    before = _what_if_column(shown)

    pack = load_pack(MINI)
    jf = joint_forecast(pack, pack_as_of(pack), draws=DRAWS, seed=1)
    label = control_label(list(jf.forecasts.values()), DROPPED)
    checkbox = page.locator(ON_SCREEN).locator(".widget-checkbox", has_text=label).locator("input[type=checkbox]")
    assert checkbox.is_checked()
    checkbox.scroll_into_view_if_needed()
    checkbox.click()
    _wait_for_new_table(page, shown)
    after = _what_if_column(page.evaluate(PANEL_TABLE))
    page.screenshot(path=str(tmp_path / "lab-what-if.png"), full_page=True)

    expected = {}
    for qid, f in jf.forecasts.items():
        stands = any(o.evidence_id == DROPPED for o in f.observations.values())
        expected[qid] = (f.what_if({DROPPED: None}) if stands else f).mean
    assert set(after) == set(expected) == set(before)
    assert any(abs(after[q] - before[q]) > 0.001 for q in after), (before, after)
    for qid, value in expected.items():
        assert after[qid] == pytest.approx(value, abs=6e-4), qid  # the table shows 3 decimals
    line = page.locator(ON_SCREEN).locator(".widget-html", has_text="changed").inner_text()
    assert label in line and "dropped" in line
    page.close()


def test_forecast_notebook_panel_follows_a_slider_and_says_what_changed(browser, lab, tmp_path):
    """Moving the credibility slider of one piece of evidence in forecast.ipynb's panel shows what `what_if`
    gives (to 3 decimals), and the "changed X" line names that control."""
    url, base = lab
    page = _run_all(browser, url, base, "forecast.ipynb")
    shown = page.evaluate(PANEL_TABLE)
    p = check_params(pack=str(MINI), question=QUESTION, draws=DRAWS)
    f = forecast(p.pack, p.question_id, **p.forecast_kwargs())
    assert _what_if_column(shown) == {QUESTION: pytest.approx(f.mean, abs=6e-4)}
    label = control_label([f], DROPPED)
    row = page.locator(ON_SCREEN).locator(".widget-hbox", has=page.locator(".widget-checkbox", has_text=label)).last
    handle = row.locator(".widget-slider .noUi-handle")
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.keyboard.press("ArrowLeft")  # one step (0.05) down
    _wait_for_new_table(page, shown)
    credibility = float(row.locator(".widget-readout").inner_text())
    assert credibility < f.observations["talks-held"].credibility
    expected = f.what_if({DROPPED: {"credibility": credibility}}).mean
    assert _what_if_column(page.evaluate(PANEL_TABLE))[QUESTION] == pytest.approx(round(expected, 3), abs=1e-9)
    line = page.locator(ON_SCREEN).locator(".widget-html", has_text="changed").inner_text()
    assert f"changed {label} (credibility {credibility:.2f})" in line
    assert f"to {expected:.1%}" in line and f"from {f.mean:.1%}" in line
    page.screenshot(path=str(tmp_path / "lab-forecast-panel.png"), full_page=True)
    page.close()


def test_outcomes_panel_moves_an_options_questions_probabilities(browser, lab, tmp_path):
    """Unticking the one sign in outcomes.ipynb's panel (typed test pack) moves the summit's option rows to what
    `what_if` gives (3 decimals), leaves the tariff rate (no sign bears on it) alone, and names the control."""
    from foresight.model.forecasting import natural_as_of
    from foresight.model.outcomes import forecast_any

    url, base = lab
    page = _run_all(browser, url, base, "outcomes.ipynb")
    shown = page.evaluate(PANEL_TABLE)
    p = check_params(pack=str(base / "typed"), draws=DRAWS)
    fs = {
        q.id: forecast_any(p.pack, q.id, as_of=natural_as_of(q), options=p.options)
        for q in p.pack.typed_questions.values()
    }
    summit = fs["summit-outcome"]
    rows = {f"summit-outcome: {o}": k for k, o in enumerate(summit.options)}
    before = _what_if_column(shown)
    assert {f"tariff-rate: {o}" for o in fs["tariff-rate"].options} | set(rows) | {"first-meeting"} == set(before)
    for row, k in rows.items():
        assert before[row] == pytest.approx(summit.mean[k], abs=6e-4)
    label = control_label([summit], "ev1")
    checkbox = page.locator(ON_SCREEN).locator(".widget-checkbox", has_text=label).locator("input[type=checkbox]")
    checkbox.scroll_into_view_if_needed()
    checkbox.click()
    _wait_for_new_table(page, shown)
    after = _what_if_column(page.evaluate(PANEL_TABLE))
    page.screenshot(path=str(tmp_path / "lab-outcomes-panel.png"), full_page=True)
    expected = summit.what_if({"ev1": None}).mean
    assert abs(after["summit-outcome: signed"] - before["summit-outcome: signed"]) > 0.01
    for row, k in rows.items():
        assert after[row] == pytest.approx(expected[k], abs=6e-4), row
    assert sum(after[row] for row in rows) == pytest.approx(1.0, abs=2e-3)
    assert all(after[r] == before[r] for r in before if r.startswith("tariff-rate: "))
    assert after["first-meeting"] == pytest.approx(fs["first-meeting"].what_if({"ev1": None}).by_closes.mean, abs=6e-4)
    line = page.locator(ON_SCREEN).locator(".widget-html", has_text="changed").inner_text()
    assert label in line and "dropped" in line
    page.close()


WIDEST_TABLE = """() => Math.max(0, ...[...document.querySelectorAll('table')]
  .map(t => Math.ceil(t.getBoundingClientRect().right)))"""


def _fits(page, what: str) -> None:
    """No table reaches past the page's right edge, and the page does not scroll sideways."""
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate(WIDEST_TABLE) <= width, f"a table of the {what} is wider than the {width} px page"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, f"the {what} scrolls sideways"


def test_run_index_and_forecast_report_render_in_the_browser(browser, notebook_env, tmp_path):
    runs = tmp_path / "runs"
    result = foresight_cli(
        "run", str(MINI), "--question", "deal-by-june", "--draws", str(DRAWS), "--runs-dir", str(runs), "--no-progress"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = [p for p in runs.iterdir() if not p.name.startswith(".")]
    page = browser.new_page(viewport={"width": PAGE_WIDTH, "height": 900})

    page.goto((run / "index.html").as_uri())
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    assert page.locator("pre").count() == 0  # the index's error box
    assert page.locator("table tr").count() >= 2  # the forecasts table has a row
    links = page.locator("a[href$='.html']")
    assert links.count() >= 4
    _fits(page, "index")

    page.goto((run / "forecast-deal-by-june.html").as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(tmp_path / "forecast.png"), full_page=True)
    images = page.evaluate("() => [...document.images].map(i => [i.naturalWidth, i.naturalHeight])")
    assert len(images) >= 5 and all(w > 100 and h > 50 for w, h in images), images
    text = page.inner_text("body")
    assert "Traceback" not in text and "Error" not in text.replace("NOT CONVERGED", "")
    assert page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
    _fits(page, "forecast report")
    assert "..." not in text.replace("…", "")  # no cell cut off

    page.goto((run / "brief.html").as_uri())
    _fits(page, "brief")
    for shot in ("index.png", "forecast.png"):
        assert (tmp_path / shot).read_bytes().startswith(b"\x89PNG") and (tmp_path / shot).stat().st_size > 10_000
    page.close()

"""`make lab`: JupyterLab works on a scratch copy of notebooks/, so an analyst's session never dirties the repo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from foresight.run import lab
from nbhelpers import DRAWS, NOTEBOOKS, ROOT, notebook_env

__all__ = ["notebook_env"]


def _git_status_notebooks() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "notebooks"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_lab_serves_a_copy_and_executing_it_leaves_the_tracked_notebooks_clean(notebook_env, tmp_path):
    import papermill as pm

    before = _git_status_notebooks()  # "" in CI; a developer's own edits must stay exactly as they were
    folder = lab.prepare(tmp_path / "lab")
    assert sorted(p.name for p in folder.glob("*.ipynb")) == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    cmd = lab.command(folder)
    assert f"--ServerApp.root_dir={folder}" in cmd and not any(str(NOTEBOOKS) in part for part in cmd)
    assert ("--allow-root" in cmd) == (os.geteuid() == 0)
    copy = folder / "history.ipynb"
    # what a session does: run the copy and save it over itself, from the copy's folder
    pm.execute_notebook(
        str(copy),
        str(copy),
        parameters={"pack": "tests/fixtures/mini", "draws": DRAWS},  # relative: found from the project root
        kernel_name="python3",
        cwd=str(folder),
        progress_bar=False,
    )
    assert '"output_type"' in copy.read_text(encoding="utf-8")  # the copy holds outputs now
    assert _git_status_notebooks() == before


def test_default_scratch_folder_is_git_ignored(tmp_path):
    probe = lab.scratch_root() / "probe.ipynb"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=ROOT)
    assert ignored.returncode == 0, f"{probe} would show in git status"


@pytest.mark.slow
def test_make_lab_starts_jupyterlab_on_the_copy_and_says_where(notebook_env, tmp_path):
    """The real `make lab` entry point: it prints the folder, the server answers, and lists the copy."""
    before = _git_status_notebooks()
    home = tmp_path / "home"
    home.mkdir()
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, **notebook_env, "HOME": str(home)}
    log = tmp_path / "lab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "foresight.run.lab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                "--IdentityProvider.token=",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                assert proc.poll() is None, log.read_text()[-3000:]
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=5) as r:
                        names = {item["name"] for item in json.load(r)["content"]}
                        break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(1)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    with pytest.raises(OSError):  # the signal reached the server itself: nothing is left serving
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5)
    text = log.read_text()
    (line,) = [x for x in text.splitlines() if "JupyterLab serves a copy of notebooks/ in" in x]
    folder = Path(line.split(" in ", 1)[1].strip())
    assert folder.parent == lab.scratch_root() and "forecast.ipynb" in names
    assert "Jupyter Server" in text and str(port) in text  # Jupyter's own line with the URL
    assert _git_status_notebooks() == before

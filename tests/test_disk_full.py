"""A write that fails under the runs folder (a full disk) is one line, and the run folder gets a true status."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from foresight.run import runner
from foresight.run.folders import INCOMPLETE, RunWriteError
from foresight.run.notebooks import JobResult
from foresight.run.runner import RunPlan, execute_run


def plan(finish=None, jobs=None) -> RunPlan:
    """A run of no real notebook: the lifecycle alone (folder, run.json, finish, index, rename)."""
    return RunPlan(
        kind="run",
        label="t",
        record={"parameters": {}},
        jobs=jobs or (lambda work: []),
        finish=finish or (lambda work, jobs, ok, record: None),
        html=False,
        progress=False,
    )


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def leftovers(runs: Path) -> list[str]:
    return sorted(p.name for p in runs.iterdir()) if runs.exists() else []


def test_a_full_disk_at_the_first_write_removes_the_folder_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "write_json_atomic", enospc)
    with pytest.raises(RunWriteError) as failed:
        execute_run(plan(), tmp_path / "runs")
    message = str(failed.value)
    assert "\n" not in message
    assert "No space left on device" in message and "MB free" in message and str(tmp_path / "runs") in message
    assert "removed" in message
    assert leftovers(tmp_path / "runs") == []


def test_a_full_disk_after_a_notebook_finished_closes_the_run_as_failed(tmp_path, monkeypatch):
    """The notebook's output is worth keeping: the folder is renamed into place with status failed."""
    from foresight.run.notebooks import Job

    def fake_jobs(jobs, folder, *, on_done=None, **kwargs):
        result = JobResult(jobs[0].name, "a.ipynb", {})
        result.status = "ok"
        on_done(0, result)
        return {0: result}

    def finish(work, jobs, ok, record):
        raise OSError(errno.ENOSPC, "No space left on device", str(work / "forecasts.csv"))

    monkeypatch.setattr(runner, "execute_jobs", fake_jobs)
    fake = Job.__new__(Job)
    object.__setattr__(fake, "name", "a")
    monkeypatch.setattr(runner, "_pending", lambda job: {"name": "a", "status": "pending"})
    with pytest.raises(RunWriteError, match="recorded as failed") as failed:
        execute_run(plan(finish, jobs=lambda work: [fake]), tmp_path / "runs")
    assert "forecasts.csv: No space left on device" in str(failed.value)
    (folder,) = (tmp_path / "runs").iterdir()
    assert not folder.name.endswith(INCOMPLETE)
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "failed" and "No space left" in record["error"]["evalue"]
    assert record["notebooks"][0]["status"] == "ok"


@pytest.fixture
def tiny_disk(tmp_path):
    """A 5 MB tmpfs (root only); skipped with the reason where mounting is impossible."""
    where = tmp_path / f"full-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=5m", "tmpfs", str(where)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'mount failed'}); the ENOSPC tests cover it")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_really_full_tmpfs_gives_one_line_and_no_leftover(tiny_disk):
    """The finish step fills the disk for real (as a big HTML export would)."""

    def finish(work, jobs, ok, record):
        (work / "big.bin").write_bytes(b"x" * 6_000_000)

    runs = tiny_disk / "runs"
    with pytest.raises(RunWriteError) as failed:
        execute_run(plan(finish), runs)
    message = str(failed.value)
    assert "No space left on device" in message and "MB free" in message and "removed" in message
    assert leftovers(runs) == []
    assert shutil.disk_usage(tiny_disk).free > 4_000_000  # the half-written files went with the folder


def test_the_cli_prints_the_write_failure_as_one_line_with_exit_2(tmp_path, monkeypatch, capsys):
    from foresight.run import cli

    monkeypatch.setattr(runner, "write_json_atomic", enospc)
    code = cli.main(["run", "tests/fixtures/mini", "--runs-dir", str(tmp_path / "runs"), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "No space left on device" in err[0] and "MB free" in err[0], err
    assert leftovers(tmp_path / "runs") == []


def test_a_full_disk_during_accept_changes_neither_file(pack, monkeypatch, capsys):
    """The evidence goes in, then the proposals file cannot be written: the evidence is taken out again,
    so the two files never disagree; the command says so in one line."""
    from foresight.run import cli, ingest
    from test_pack_writes import with_proposals

    with_proposals(pack, 1)
    before = {name: (pack / name).read_bytes() for name in ("evidence.yaml", "proposals/doc-a.yaml")}
    monkeypatch.setattr(ingest, "write_proposals", enospc)
    assert cli.main(["accept", str(pack), "doc-a", "p01"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "MB free" in err[0], err
    assert {name: (pack / name).read_bytes() for name in before} == before

"""Fault injection for the run layer: a real `foresight run` stopped by SIGINT, SIGTERM or SIGKILL while it
samples, then checked for left-over processes and for what its records say.

Each stop test starts the runner with an empty posterior cache (so the forecast
notebook must sample), watches its process tree through /proc until a kernel
has forked the sampler's chain workers, stops the runner, and asserts that
within a few seconds no process it started is left (by ancestry, and by the
run's private Jupyter runtime folder on any command line).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from foresight.base.processes import is_alive, start_time
from foresight.run import folders
from nbhelpers import BIN, MINI, ROOT, foresight_cli, notebook_env

__all__ = ["notebook_env"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; parent-death signals")


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process, from /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            out[int(entry)] = (int(fields[1]), cmd)
    return out


def _descendants(root: int, table: dict[int, tuple[int, str]]) -> set[int]:
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, (ppid, _) in table.items() if ppid in frontier} - found
        found |= frontier
    return found


def _start_sampling_run(runs_dir: Path, runtime: Path) -> tuple[subprocess.Popen, dict[int, int]]:
    """A `foresight run` with an empty cache, returned once a kernel has forked chain workers;
    with every descendant seen so far (pid -> start time, so a reused pid is not mistaken for it)."""
    env = {
        **os.environ,
        "FORESIGHT_CACHE_DIR": str(runtime.parent / "empty-cache"),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "TMPDIR": str(runtime),  # kernels' connection files, on their command lines: a mark of this run
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "lib"), os.environ.get("PYTHONPATH")])),
    }
    # NUTS forks chain workers (the default Laplace + PSIS would finish in a blink without any)
    args = [
        "run",
        str(MINI),
        "--question",
        "deal-by-june",
        "--draws",
        "40000",
        "--jobs",
        "2",
        "--param",
        "inference=nuts",
    ]
    proc = subprocess.Popen(
        [str(BIN / "foresight"), *args, "--runs-dir", str(runs_dir), "--no-progress"],
        cwd=ROOT,
        env=env,
        # Files, not pipes: a left-over worker holding a pipe open would hang the test instead of failing it.
        stdout=(runtime.parent / "stdout").open("w"),
        stderr=(runtime.parent / "stderr").open("w"),
    )
    seen: dict[int, int] = {}
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the run ended before sampling: {(runtime.parent / 'stderr').read_text()}"
        table = _processes()
        family = _descendants(proc.pid, table)
        for pid in family:
            seen.setdefault(pid, start_time(pid))
        kernels = {pid for pid in family if "foresight.run.kernel" in table[pid][1]}
        # A chain worker is forked from a kernel: same command line, parent a kernel.
        workers = {pid for pid in family if table[pid][0] in kernels and table[pid][1] == table[table[pid][0]][1]}
        if len(workers) >= 2:
            time.sleep(0.5)  # well inside sampling (draws are many), and every worker has started
            for pid in _descendants(proc.pid, _processes()):
                seen.setdefault(pid, start_time(pid))
            return proc, seen
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("no kernel started sampling within 300 s")


def _left_over(seen: dict[int, int], runtime: Path, wait: float = 10.0) -> list[str]:
    """Processes of the run still alive after ``wait`` seconds: seen descendants, or any process whose
    command line names the run's private Jupyter runtime folder (kernels and their forks carry it)."""
    deadline = time.monotonic() + wait
    while True:
        alive = [pid for pid, started in seen.items() if is_alive(pid, started)]
        marked = [pid for pid, (_, cmd) in _processes().items() if str(runtime) in cmd]
        left = sorted(set(alive) | set(marked))
        if not left or time.monotonic() > deadline:
            table = _processes()
            return [f"{pid}: {table.get(pid, (0, '?'))[1][:200]}" for pid in left]
        time.sleep(0.2)


@pytest.mark.slow  # three real runs stopped mid-sampling; run by make test-all and CI
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_stopped_run_leaves_no_process_and_a_true_record(signum, tmp_path, notebook_env):
    runs_dir, runtime = tmp_path / "runs", tmp_path / "runtime"
    runtime.mkdir()
    proc, seen = _start_sampling_run(runs_dir, runtime)
    os.kill(proc.pid, signum)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"the runner did not stop within 60 s of {signum.name}") from None
    out, err = (tmp_path / "stdout").read_text(), (tmp_path / "stderr").read_text()
    left = _left_over(seen, runtime)
    for line in left:  # never leave them running for the next test
        os.kill(int(line.split(":")[0]), signal.SIGKILL)
    assert left == []

    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        (work,) = runs_dir.glob(f".*{folders.INCOMPLETE}")
        record = json.loads((work / "run.json").read_text())
        assert record["status"] == "running" and record["owner"]["pid"] == proc.pid
        assert record["notebooks"][1]["status"] == "pending"  # the forecast never finished
        table = folders.list_runs(runs_dir)
        assert table["status"].tolist() == ["abandoned"]
        pruned = foresight_cli("runs", "--runs-dir", str(runs_dir), "--prune", "--yes")
        assert pruned.returncode == 0 and "removed 1 abandoned run folder(s)" in pruned.stdout
        assert list(runs_dir.iterdir()) == []
        return

    assert proc.returncode == 128 + signum, err
    (folder,) = [p for p in runs_dir.iterdir() if not p.name.startswith(".")]
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "interrupted" and record["run_id"] == folder.name
    assert record["error"]["signal_number"] == signum and signum.name in record["error"]["evalue"]
    statuses = {nb["name"]: nb["status"] for nb in record["notebooks"]}
    assert statuses["forecast-deal-by-june"] == "interrupted"
    assert set(statuses.values()) <= {"ok", "interrupted", "not run"}
    assert statuses["backtest"] == "not run"
    assert f"interrupted: {folder}" in out
    # Only notebooks recorded complete contribute rows: the interrupted forecast wrote none.
    forecasts = pd.read_csv(folder / "forecasts.csv")
    assert forecasts.empty


def test_a_worker_forked_after_the_notebook_checks_dies_with_its_parent(tmp_path):
    """Plain papermill or JupyterLab: the first cell's notebook_setup guards the workers the kernel forks."""
    code = (
        "import multiprocessing as mp, os, sys, time\n"
        "from foresight.run.params import notebook_setup\n"
        "notebook_setup()\n"
        "p = mp.get_context('fork').Process(target=time.sleep, args=(120,))\n"
        "p.start()\n"
        "print(p.pid, flush=True)\n"
        "os._exit(0)\n"  # the parent vanishes without a word to its child, as a killed kernel does
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "lib"), os.environ.get("PYTHONPATH")]))}
    out = tmp_path / "out"
    with out.open("w") as fh:  # a file, not a pipe: a surviving child must not keep the test waiting
        subprocess.run([sys.executable, "-c", code], stdout=fh, env=env, timeout=120, check=True)
    child = int(out.read_text().split()[0])
    started = start_time(child)
    deadline = time.monotonic() + 5
    while is_alive(child, started) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = is_alive(child, started)
    if alive:
        os.kill(child, signal.SIGKILL)
    assert not alive

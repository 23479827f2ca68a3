"""Runs on a real Dask cluster: a `dask scheduler` and two single-threaded `dask worker` processes on 127.0.0.1,
started once per session on free ports (tests/test_dask.py's fixture) and torn down with everything they started.

Checked against them: a sweep gives the same CSV as local kernels, a worker killed mid-sweep loses no run
(the run records the retry), Ctrl-C leaves no kernel on any worker, and a lost scheduler ends the run with
one line and exit 2, keeping what finished. A bad address fails within seconds without a cluster.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from foresight.run import cluster
from nbhelpers import BIN, DRAWS, MINI, SEED, foresight_cli, notebook_env, read_json

__all__ = ["notebook_env"]

KERNEL_MODULE = "foresight.run.kernel"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
GRID = f"""\
notebook: forecast
parameters:
  pack: {MINI}
  question: deal-by-june
  draws: {DRAWS}
  learn_from_cases: false
grid:
  as_of: [2020-02-01, 2020-05-01]
  lr_width_scale: [0.5, 1.0, 2.0, 4.0]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Cluster:
    """A scheduler and its workers as child processes, each in a session of its own (killed as a group)."""

    def __init__(self, folder: Path, workers: int = 2):
        self.folder = folder
        self.address = f"tcp://127.0.0.1:{free_port()}"
        # one BLAS thread per worker, as Dask's nanny sets it (distributed.nanny.pre-spawn-environ): the tasks
        # must still compute a local run's numbers
        self.env = {**os.environ, cluster.WORKER_DIR_ENV: str(folder / "slots"), **ONE_THREAD}
        self.logs: list = []
        self.scheduler = self._start("scheduler", [self.address.rsplit(":", 1)[1]])
        self.workers: list[subprocess.Popen] = []
        for _ in range(workers):
            self.add_worker()

    def _start(self, what: str, args: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{what}-{len(self.logs)}.log", "w")  # noqa: SIM115 - closed at teardown
        self.logs.append(log)
        if what == "scheduler":
            cmd = [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", args[0], "--no-dashboard"]
        else:
            cmd = [str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)

    def add_worker(self) -> None:
        self.workers.append(self._start("worker", []))
        self.wait_for_workers(len(self.alive_workers()))

    def alive_workers(self) -> list[subprocess.Popen]:
        return [w for w in self.workers if w.poll() is None]

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        def ready():
            try:
                with Client(self.address, timeout=2) as client:
                    return len(client.scheduler_info()["workers"]) == n
            except OSError:
                return False

        wait_for(ready, 60, f"{n} Dask workers")

    def kernels(self, worker: subprocess.Popen | None = None) -> list[psutil.Process]:
        """Kernel processes started by the workers (or by one of them)."""
        found = []
        for w in [worker] if worker is not None else self.workers:
            try:
                children = psutil.Process(w.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                continue
            found += [c for c in children if _is_kernel(c)]
        return found

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            with_group_killed(proc)
        for log in self.logs:
            log.close()


def _is_kernel(proc: psutil.Process) -> bool:
    try:
        return KERNEL_MODULE in proc.cmdline()
    except psutil.Error:
        return False


def with_group_killed(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=30)


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory, notebook_env):
    """A real scheduler and two `dask worker --nthreads 1` processes (they inherit the notebook environment)."""
    found = Cluster(tmp_path_factory.mktemp("dask-cluster"))
    try:
        yield found
    finally:
        found.close()


def sweep_cli(grid: Path, runs: Path, *extra: str) -> list[str]:
    return [str(BIN / "foresight"), "sweep", str(grid), "--runs-dir", str(runs), "--no-progress", *extra]


def the_run(runs: Path) -> Path:
    (folder,) = [p for p in runs.iterdir() if not p.name.startswith(".")]
    return folder


# --- fast: no notebooks ------------------------------------------------------------------------------


def test_a_bad_scheduler_address_gives_one_line_and_exit_2_within_seconds(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    result = foresight_cli("run", str(MINI), "--runs-dir", str(tmp_path / "runs"), "--scheduler", address)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"foresight run: --scheduler: cannot reach a Dask scheduler at '{address}'"
    )
    # "within seconds", without timing a test: the refused connection itself is the reason, so the command
    # did not wait out Dask's connection retries (an address that does not answer waits CONNECT_TIMEOUT s)
    assert "Connection refused" in lines[0]
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())  # nothing was started


@pytest.mark.slow  # two commands, each importing Dask
@pytest.mark.parametrize("command", ["backtest", "calibrate"])
def test_a_library_command_with_a_bad_scheduler_gives_one_line_and_exit_2(tmp_path, command):
    address = f"tcp://127.0.0.1:{free_port()}"
    result = foresight_cli(
        command, str(MINI), "--today", "2021-01-01", "--out", str(tmp_path / "out"), "--scheduler", address
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"foresight {command}: --scheduler: cannot reach a Dask scheduler")
    assert not (tmp_path / "out").exists()


def test_the_scheduler_can_come_from_the_environment(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, cluster.SCHEDULER_ENV: address}
    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID)
    result = subprocess.run(sweep_cli(grid, tmp_path / "runs"), capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 2 and f"cannot reach a Dask scheduler at '{address}'" in result.stderr


def test_map_tasks_runs_each_item_on_the_cluster(dask_cluster):
    """The generic entry for per-item work (e.g. one backtest per pack): every item once, results by index."""
    got = dict(
        cluster.map_tasks(os.path.basename, ["a/x.yaml", "b/y.yaml", "c/z.yaml"], scheduler=dask_cluster.address)
    )
    assert got == {0: "x.yaml", 1: "y.yaml", 2: "z.yaml"}


def test_release_waits_for_a_kernel_still_starting():
    """A session whose kernel is on its way counts as alive, so Ctrl-C waits until its start is undone."""
    from foresight.run import cluster_worker

    class Starting:
        km = None
        starting = True

    token, session = "a-run-being-stopped", Starting()
    cluster_worker._sessions[token] = {session}
    try:
        assert cluster_worker.release(token) == 1
        assert cluster_worker._stop_event(token).is_set()  # so the session gives its kernel up
        session.starting = False
        assert cluster_worker.release(token) == 0
    finally:
        cluster_worker._sessions.pop(token, None)
        cluster_worker._stops.pop(token, None)


def test_the_kernel_warm_up_and_a_task_wait_until_the_module_warm_up_has_imported(tmp_path, monkeypatch):
    """Two threads importing jupyter_client at once can leave one with a partially initialised module (the
    warm kernel then never started); so the kernel warm-up and a task start only once the imports are done."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from foresight.run import cluster_worker

    importing, go_on, started = threading.Event(), threading.Event(), []

    def slow_import(name: str) -> None:
        importing.set()
        go_on.wait(30)

    class Session:
        def kernel(self, work, stop):
            started.append("kernel")

    monkeypatch.setattr(cluster_worker, "importlib", SimpleNamespace(import_module=slow_import))
    monkeypatch.setattr(cluster_worker, "worker_slot", lambda: tmp_path)
    monkeypatch.setattr(cluster_worker, "_session", lambda token, threads: Session())
    plugin = cluster_worker.WarmUp(["some.module"], cluster_worker.KernelWarmUp("a-connection", None))
    with ThreadPoolExecutor(1) as task_thread:
        try:
            plugin.setup(SimpleNamespace(executor=task_thread))
            assert importing.wait(10)
            plugin.setup(SimpleNamespace(executor=task_thread))  # a second setup starts no second import
            task = task_thread.submit(cluster_worker._after_warm_up)
            time.sleep(0.3)
            assert started == [] and not task.done()
        finally:
            go_on.set()
        task.result(timeout=10)
    assert started == ["kernel", "kernel"]
    assert cluster_worker._importing.acquire(blocking=False)
    cluster_worker._importing.release()


def test_a_pack_travels_as_its_files_and_loads_the_same(tmp_path):
    from foresight import load_pack
    from foresight.pack.snapshot import pack_files, write_pack_files

    files = pack_files(MINI)
    assert "pack.yaml" in files and all(not name.startswith(".") for name in files)
    copy = load_pack(write_pack_files(files, tmp_path / "copy"))
    assert copy.content_hash == load_pack(MINI).content_hash
    with pytest.raises(ValueError, match="outside"):
        write_pack_files({"../escape.yaml": b""}, tmp_path / "other")


def test_a_kernel_warms_up_with_the_import_lines_of_its_notebooks(tmp_path):
    """The import statements of the notebooks' code cells, each once, are what a local cluster's kernels run
    before the first task; a line that fails there is skipped (its notebook reports it)."""
    import json
    import sys

    from foresight.run.kernel import warm_up

    cell = {"cell_type": "code", "source": ["import json\n", "from os import path as p\n", "x = 1\n", "import json"]}
    magic = {"cell_type": "code", "source": "%matplotlib inline\nimport antigravity"}
    text = {"cell_type": "markdown", "source": "import this"}
    notebook = tmp_path / "a.ipynb"
    notebook.write_text(json.dumps({"cells": [cell, magic, text, cell]}))
    assert cluster.kernel_imports([notebook, tmp_path / "missing.ipynb"]) == ("import json", "from os import path as p")
    assert "foresight.run.params" in " ".join(cluster.kernel_imports([BIN.parents[1] / "notebooks" / "forecast.ipynb"]))
    sys.modules.pop("colorsys", None)
    warm_up(["import a_module_that_does_not_exist", "import colorsys"])
    assert "colorsys" in sys.modules


# --- slow: notebooks on the cluster ------------------------------------------------------------------


@pytest.mark.slow  # 16 notebook runs (8 on the cluster, 8 local); run by make test-all and CI
def test_a_sweep_on_the_cluster_gives_the_csv_of_a_local_sweep(tmp_path, dask_cluster):
    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID)
    on_dask = subprocess.run(
        sweep_cli(grid, tmp_path / "dask", "--scheduler", dask_cluster.address), capture_output=True, text=True
    )
    assert on_dask.returncode == 0, on_dask.stderr[-3000:]
    assert f"running on the Dask scheduler at {dask_cluster.address} (2 worker thread(s))" in on_dask.stderr
    local = subprocess.run(sweep_cli(grid, tmp_path / "local"), capture_output=True, text=True)
    assert local.returncode == 0, local.stderr[-3000:]
    a, b = the_run(tmp_path / "dask"), the_run(tmp_path / "local")
    frame = pd.read_csv(a / "sweep.csv")
    assert len(frame) == 8 and (frame["status"] == "ok").all()
    assert (a / "sweep.csv").read_bytes() == (b / "sweep.csv").read_bytes()
    record = read_json(a / "run.json")
    assert record["executor"]["kind"] == "dask" and record["executor"]["scheduler"] == dask_cluster.address
    assert record["workers"] == 2 and record["status"] == "complete"
    workers = {nb["worker"] for nb in record["notebooks"]}
    assert len(workers) == 2  # both workers took a share
    for nb in record["notebooks"]:  # the client wrote what each worker sent back
        assert (a / nb["output"]).is_file() and any((a / "results" / nb["name"]).iterdir())
        assert nb["parameters"]["pack"] == str(MINI)  # the record keeps the client's values, not the worker's
    assert not dask_cluster.kernels(), "a finished run leaves no kernel on the workers"


@pytest.mark.slow  # two sweeps of 2 notebooks through one connection
def test_a_connection_keeps_its_kernels_across_runs_with_the_same_numbers_and_close_ends_them(tmp_path, dask_cluster):
    """Each worker thread keeps one kernel for all the runs of a connection: a second run's notebooks run in
    kernels that ran the first run's (no start, no imports) and give the numbers of fresh kernels; closing the
    connection leaves no kernel on any worker."""
    from foresight.run.sweep import load_grid, run_sweep

    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID.replace("2020-02-01, 2020-05-01", "2020-05-01"))
    executor = cluster.connect(dask_cluster.address, progress=False)
    try:
        first = run_sweep(load_grid(grid), runs_dir=tmp_path / "first", executor=executor)
        kept = {k.pid for k in dask_cluster.kernels()}
        second = run_sweep(load_grid(grid), runs_dir=tmp_path / "second", executor=executor)
        assert kept and {k.pid for k in dask_cluster.kernels()} == kept
    finally:
        executor.close()
    assert first.record["status"] == second.record["status"] == "complete"
    assert (first.folder / "sweep.csv").read_bytes() == (second.folder / "sweep.csv").read_bytes()
    assert not dask_cluster.kernels(), "closing the connection left kernels on the workers"


@pytest.mark.slow  # a local cluster's kernels start as its workers join
def test_a_local_cluster_starts_its_kernels_before_the_first_task_and_ends_them_on_close(
    tmp_path, notebook_env, monkeypatch
):
    """With ``--scheduler local``, each worker starts its kernel as it joins (the notebook's imports run in it)
    and its first notebook runs in that kernel; closing the executor leaves no kernel process."""
    from foresight.run.notebooks import find
    from foresight.run.sweep import load_grid, run_sweep

    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID.replace("2020-02-01, 2020-05-01", "2020-05-01").replace("0.5, 1.0, 2.0, 4.0", "1.0, 2.0"))

    def kernels() -> list[psutil.Process]:
        return [c for c in psutil.Process().children(recursive=True) if _is_kernel(c)]

    monkeypatch.setenv(cluster.WORKER_DIR_ENV, str(tmp_path / "slots"))
    executor = cluster.connect(cluster.LOCAL, 1, progress=False, notebooks=[find("forecast").path])
    try:
        warm = wait_for(kernels, 120, "a kernel started by the warm-up")
        outcome = run_sweep(load_grid(grid), runs_dir=tmp_path / "runs", executor=executor)
        assert outcome.record["status"] == "complete"
        assert {k.pid for k in kernels()} == {k.pid for k in warm}
    finally:
        executor.close()
    gone = [k for k in warm if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    assert not gone, "closing the executor left the warm kernel running"


@pytest.mark.slow  # the whole suite twice on the mini pack (NUTS included)
def test_a_run_on_the_cluster_writes_the_tables_of_a_local_run(tmp_path, dask_cluster):
    common = ("run", str(MINI), "--draws", str(DRAWS), "--seed", "7", "--no-progress")
    on_dask = foresight_cli(*common, "--runs-dir", str(tmp_path / "dask"), "--scheduler", dask_cluster.address)
    assert on_dask.returncode == 0, on_dask.stderr[-3000:]
    local = foresight_cli(*common, "--runs-dir", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr[-3000:]
    a, b = the_run(tmp_path / "dask"), the_run(tmp_path / "local")
    tables = sorted(p.name for p in b.glob("*.csv"))
    assert "forecasts.csv" in tables and sorted(p.name for p in a.glob("*.csv")) == tables
    for name in tables:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert a.name.rsplit("-", 1)[1] == b.name.rsplit("-", 1)[1]  # the same parameters: the same hash
    assert sorted(p.name for p in a.glob("*.html")) == sorted(p.name for p in b.glob("*.html"))


@pytest.mark.slow  # two library backtests, one on the cluster
def test_a_backtest_on_the_cluster_writes_the_tables_of_a_local_backtest(tmp_path, dask_cluster):
    """One pack per task, the packs' files carried to the workers: the same rows and scores as in one process
    (the seed pack at its default draws: one BLAS thread instead of the client's moved 3 of its forecasts in
    the 7th digit), and the draws the workers sampled land in the client's posterior cache."""
    from packtools import copy_pack, replace

    mini = copy_pack(tmp_path / "library")
    replace(mini, "pack.yaml", "id: mini", "id: mini-copy")
    common = ["backtest", str(SEED), str(mini), "--today", "2021-01-01"]

    def backtest(out: str, *extra: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "FORESIGHT_CACHE_DIR": str(tmp_path / f"cache-{out}")}  # both sample afresh
        cmd = [str(BIN / "foresight"), *common, "--out", str(tmp_path / out), *extra]
        return subprocess.run(cmd, capture_output=True, text=True, env=env)

    on_dask = backtest("dask", "--scheduler", dask_cluster.address)
    assert on_dask.returncode == 0, on_dask.stderr[-3000:]
    assert f"running on the Dask scheduler at {dask_cluster.address}" in on_dask.stderr
    assert any(p.is_file() for p in (tmp_path / "cache-dask").rglob("*")), "the workers' draws reach the client"
    local = backtest("local")
    assert local.returncode == 0, local.stderr[-3000:]
    tables = sorted(p.name for p in (tmp_path / "local").glob("library_*.csv"))
    assert "library_steps.csv" in tables and sorted(p.name for p in (tmp_path / "dask").glob("*.csv")) == tables
    for name in tables:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    assert on_dask.stdout == local.stdout.replace(str(tmp_path / "local"), str(tmp_path / "dask"))


@pytest.mark.slow  # a sweep with a worker killed mid-way
def test_a_worker_killed_mid_sweep_loses_no_run_and_the_retry_is_recorded(tmp_path, dask_cluster):
    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID.replace("draws: 200", "draws: 300"))  # not in the cache: every run samples
    proc = subprocess.Popen(
        sweep_cli(grid, tmp_path / "runs", "--scheduler", dask_cluster.address),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        victim = wait_for(
            lambda: next((w for w in dask_cluster.alive_workers() if dask_cluster.kernels(w)), None),
            300,
            "a worker running a notebook",
        )
        kernels = dask_cluster.kernels(victim)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
        dask_cluster.add_worker()  # two workers again for the next test
    assert proc.returncode == 0, err[-3000:]
    wait_for(
        lambda: not any(k.is_running() and k.status() != psutil.STATUS_ZOMBIE for k in kernels), 10, "kernel death"
    )
    record = read_json(the_run(tmp_path / "runs") / "run.json")
    assert record["status"] == "complete" and all(nb["status"] == "ok" for nb in record["notebooks"])
    retried = [nb for nb in record["notebooks"] if nb.get("attempts", 1) > 1]
    assert retried and all(len(nb["workers"]) == nb["attempts"] for nb in retried)
    assert len(pd.read_csv(the_run(tmp_path / "runs") / "sweep.csv")) == 8


@pytest.mark.slow  # a sweep stopped with Ctrl-C
def test_ctrl_c_leaves_no_kernel_on_any_worker(tmp_path, dask_cluster):
    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID.replace("draws: 200", "draws: 400"))
    proc = subprocess.Popen(
        sweep_cli(grid, tmp_path / "runs", "--scheduler", dask_cluster.address),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(lambda: dask_cluster.kernels(), 300, "a kernel on a worker")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-3000:]
    assert not dask_cluster.kernels(), "Ctrl-C left kernels on the workers"
    record = read_json(the_run(tmp_path / "runs") / "run.json")
    assert record["status"] == "interrupted"
    assert {nb["status"] for nb in record["notebooks"]} <= {"ok", "not run", "interrupted", "failed"}


@pytest.mark.slow  # its own scheduler, killed mid-sweep
def test_a_lost_scheduler_ends_the_run_with_one_line_and_exit_2_keeping_finished_notebooks(tmp_path, notebook_env):
    (tmp_path / "own").mkdir()
    own = Cluster(tmp_path / "own", workers=1)
    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID)
    runs = tmp_path / "runs"
    try:
        proc = subprocess.Popen(
            sweep_cli(grid, runs, "--scheduler", own.address), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

        def one_done():
            folders = [p for p in runs.iterdir()] if runs.is_dir() else []
            return folders and any(f.suffix == ".ipynb" for p in folders for f in p.iterdir())

        wait_for(one_done, 300, "a finished notebook")
        with_group_killed(own.scheduler)
        out, err = proc.communicate(timeout=120)
    finally:
        own.close()
    assert proc.returncode == 2, err[-3000:]
    lines = err.strip().splitlines()
    assert lines[-1].startswith(f"foresight sweep: lost the Dask scheduler at {own.address}")
    assert len(lines) == 2  # "running on ..." and the reason
    record = read_json(the_run(runs) / "run.json")
    assert record["status"] == "failed" and record["error"]["ename"] == "ExecutorError"
    ok = [nb for nb in record["notebooks"] if nb["status"] == "ok"]
    assert ok and all((the_run(runs) / nb["output"]).is_file() for nb in ok)
    assert {nb["status"] for nb in record["notebooks"]} <= {"ok", "not run"}


@pytest.mark.slow  # its own scheduler, killed while a pack's backtest runs
def test_a_backtest_that_loses_its_scheduler_says_so_in_one_line_and_exits_2(tmp_path, notebook_env):
    (tmp_path / "own").mkdir()
    own = Cluster(tmp_path / "own", workers=1)
    out = tmp_path / "out"
    try:
        proc = subprocess.Popen(
            [str(BIN / "foresight"), "backtest", str(MINI), "--today", "2021-01-01", "--draws", "600", "--seed", "5"]
            + ["--out", str(out), "--scheduler", own.address],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # the pack's backtest takes well under a second once the worker's imports are done: look often
        packs = tmp_path / "own" / "slots"
        wait_for(lambda: any(packs.glob("slot-*/work/packs/*")), 300, "a pack on the worker", every=0.01)
        with_group_killed(own.scheduler)
        _, err = proc.communicate(timeout=120)
    finally:
        own.close()
    assert proc.returncode == 2, err[-3000:]
    lines = err.strip().splitlines()
    assert lines[-1] == f"foresight backtest: lost the Dask scheduler at {own.address}; what finished is not written"
    assert len(lines) == 2 and "Traceback" not in err  # "running on ..." and the reason
    assert not out.exists()


@pytest.mark.slow  # a local cluster started by the command, stopped as a terminal's Ctrl-C stops it
def test_ctrl_c_stops_a_local_cluster_run_cleanly(tmp_path, notebook_env):
    """A terminal sends Ctrl-C to every process of the command, the local cluster's workers too: the command
    alone answers it (exit 130, no worker traceback) and no kernel outlives it."""
    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID.replace("draws: 200", "draws: 500"))
    env = {**os.environ, cluster.WORKER_DIR_ENV: str(tmp_path / "slots")}
    cmd = sweep_cli(grid, tmp_path / "runs", "--scheduler", "local", "--jobs", "2")
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )

    def kernels() -> list[psutil.Process]:
        try:
            return [c for c in psutil.Process(proc.pid).children(recursive=True) if _is_kernel(c)]
        except psutil.NoSuchProcess:
            return []

    try:
        # the workers start their kernels as they join: wait until the run has started too
        started = tmp_path / "runs"
        seen = wait_for(lambda: list(started.glob("*/run.json")) and kernels(), 300, "a kernel under a running sweep")
        os.killpg(proc.pid, signal.SIGINT)  # as the terminal does: the whole process group
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            with_group_killed(proc)
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    alive = [k for k in seen if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    assert not alive, "a kernel outlived the command"
    assert read_json(the_run(tmp_path / "runs") / "run.json")["status"] == "interrupted"

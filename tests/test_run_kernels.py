"""One live kernel per runner worker (foresight.run.shared_kernel): isolation between notebooks and faults.

Small crafted notebooks in a temporary folder, executed by the runner's own
``execute_jobs`` with real papermill kernels; each notebook writes what it saw
(its kernel's pid, working directory, figures...) to its ``out_dir``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from foresight.base.processes import is_alive
from foresight.run import kernel
from foresight.run.executor import execute_jobs
from foresight.run.notebooks import KERNEL, KERNEL_ARGUMENTS, Job, discover, execute, jobs_for
from foresight.run.runner import previous_seconds, run_order
from nbhelpers import notebook_env

__all__ = ["notebook_env"]

REPORT = """
import json, os, sys
os.makedirs(out_dir, exist_ok=True)
seen = {"pid": os.getpid(), "cwd": os.getcwd(), "time": __import__("time").time()}
if "matplotlib.pyplot" in sys.modules:
    import matplotlib
    seen["figures"] = sys.modules["matplotlib.pyplot"].get_fignums()
    seen["linewidth"] = matplotlib.rcParams["lines.linewidth"]
with open(os.path.join(out_dir, "seen.json"), "w") as fh:
    json.dump(seen, fh)
"""


def write_notebook(folder: Path, name: str, order: int, *cells: str) -> None:
    """A notebook with a ``parameters`` cell (``out_dir``), a cell reporting what it sees, then ``cells``."""
    params = nbformat.v4.new_code_cell('out_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(
        cells=[params, nbformat.v4.new_code_cell(REPORT), *(nbformat.v4.new_code_cell(c) for c in cells)]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["foresight"] = {"order": order}
    nbformat.write(nb, str(folder / f"{name}.ipynb"))


def suite(tmp_path: Path, notebooks: dict[str, tuple[str, ...]]) -> tuple[list[Job], Path, Path]:
    """Write ``notebooks`` (run in the given order) into tmp_path/notebooks; the jobs, output folder and cwd."""
    folder, out = tmp_path / "notebooks", tmp_path / "out"
    folder.mkdir()
    out.mkdir()
    for n, (name, cells) in enumerate(notebooks.items()):
        write_notebook(folder, name, n, *cells)
    jobs = jobs_for(discover(folder), [], {}, out / "results")
    assert [j.name for j in jobs] == list(notebooks)
    return jobs, out, folder


def seen(out: Path, name: str) -> dict:
    return json.loads((out / "results" / name / "seen.json").read_text())


def execution_counts(out: Path, name: str) -> list[int | None]:
    nb = nbformat.read(str(out / f"{name}.ipynb"), as_version=4)
    return [c.execution_count for c in nb.cells if c.cell_type == "code"]


def assert_no_kernel_left(pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while any(is_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in pids if is_alive(p)] == []
    assert kernel.stop_all() == 0  # nothing registered as live either


def test_notebooks_share_a_kernel_but_not_its_namespace_figures_settings_or_directory(tmp_path, notebook_env):
    jobs, out, cwd = suite(
        tmp_path,
        {
            "a": (
                "import matplotlib, matplotlib.pyplot as plt\nsecret = 42\nplt.figure()\n"
                "matplotlib.rcParams['lines.linewidth'] = 9.0\nimport os\nos.chdir('/')",
            ),
            "b": ("secret",),
            "c": ("x = 1 + 1",),
        },
    )
    results = execute_jobs(jobs, out, workers=1, html=False, cwd=cwd, progress=False)
    status = {r.name: r.status for r in results.values()}
    assert status == {"a": "ok", "b": "failed", "c": "ok"}
    b = results[1]
    assert b.error["ename"] == "NameError" and "secret" in b.error["evalue"]
    a_saw, b_saw, c_saw = seen(out, "a"), seen(out, "b"), seen(out, "c")
    assert a_saw["pid"] == b_saw["pid"] == c_saw["pid"]  # one kernel: imports are paid once
    import matplotlib

    for saw in (b_saw, c_saw):  # a fresh kernel's view (a failed cell in b poisons nothing either)
        assert saw["cwd"] == str(cwd)
        assert saw["figures"] == []
        assert saw["linewidth"] == matplotlib.rcParamsDefault["lines.linewidth"]
    for name in ("b", "c"):  # numbered from 1, as in a kernel of its own (papermill adds a parameters cell)
        assert execution_counts(out, name) == [1, 2, 3, 4]
    c_nb = nbformat.read(str(out / "c.ipynb"), as_version=4)
    assert [o for cell in c_nb.cells for o in cell.get("outputs", [])] == []  # nothing from the reuse (history...)
    assert list(Path(notebook_env["IPYTHONDIR"]).rglob("history.sqlite")) == []  # code goes to no history file
    assert_no_kernel_left([a_saw["pid"]])


def test_a_dead_kernel_fails_its_notebook_and_the_next_gets_a_fresh_kernel(tmp_path, notebook_env):
    jobs, out, cwd = suite(
        tmp_path,
        {
            "before": ("big = list(range(10))",),
            "dies": ("import os\nos._exit(1)",),
            "after": ("assert 'big' not in dir()",),
        },
    )
    results = execute_jobs(jobs, out, workers=1, html=False, cwd=cwd, progress=False)
    assert [results[i].status for i in range(3)] == ["ok", "failed", "ok"]
    assert results[1].error["ename"] == "DeadKernelError"
    before, dies, after = (seen(out, n)["pid"] for n in ("before", "dies", "after"))
    assert before == dies != after
    assert_no_kernel_left([before, after])


def test_a_hung_notebook_fails_on_the_cell_timeout_and_the_next_gets_a_fresh_kernel(
    tmp_path, notebook_env, monkeypatch
):
    from foresight.run import notebooks

    monkeypatch.setattr(notebooks, "CELL_TIMEOUT", 3)
    jobs, out, cwd = suite(tmp_path, {"hangs": ("import time\ntime.sleep(60)",), "after": ("pass",)})
    results = execute_jobs(jobs, out, workers=1, html=False, cwd=cwd, progress=False)
    assert [results[i].status for i in range(2)] == ["failed", "ok"]
    assert "Timeout" in results[0].error["ename"]
    hangs, after = seen(out, "hangs")["pid"], seen(out, "after")["pid"]
    assert hangs != after  # a kernel still busy with the hung cell serves no other notebook
    assert_no_kernel_left([hangs, after])


def test_an_interrupted_run_stops_its_kernels_records_interrupted_and_starts_nothing_new(tmp_path, notebook_env):
    """Ctrl-C arrives (here: from on_done, on the runner's main thread, where a signal would land) while
    the second worker's notebook sleeps: it is recorded interrupted, the queued ones never run."""
    waits = (
        "import pathlib, time\nflag = pathlib.Path(out_dir).parent / 'slow' / 'seen.json'\n"
        "deadline = time.time() + 120\nwhile not flag.exists() and time.time() < deadline:\n    time.sleep(0.1)"
    )
    jobs, out, cwd = suite(
        tmp_path,
        {
            "quick": (waits,),
            "slow": ("import time\ntime.sleep(120)",),
            "later": ("import time\ntime.sleep(120)",),
            "last": ("pass",),
        },
    )
    done = {}

    def on_done(i, result):
        done[i] = result
        if result.name == "quick":
            raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        execute_jobs(jobs, out, workers=2, html=False, cwd=cwd, progress=False, on_done=on_done)
    assert time.monotonic() - started < 100  # stopped, not slept out
    statuses = {r.name: r.status for r in done.values()}
    assert statuses["quick"] == "ok" and statuses["slow"] == "interrupted"
    # "later" may have been taken by the quick worker before the stop; it sleeps, so it cannot finish first
    assert set(statuses) <= {"quick", "slow", "later"}
    assert statuses.get("later", "interrupted") == "interrupted" and "last" not in statuses
    assert_no_kernel_left([seen(out, n)["pid"] for n in ("quick", "slow")])


def test_a_stop_before_the_start_runs_nothing_and_starts_no_kernel(tmp_path):
    import threading

    from foresight.run.shared_kernel import KernelSession

    jobs, out, cwd = suite(tmp_path, {"a": ("pass",)})
    stop = threading.Event()
    stop.set()
    session = KernelSession(KERNEL, KERNEL_ARGUMENTS)
    result = execute(jobs[0], out, html=False, cwd=cwd, stop=stop, session=session)
    assert result.status == "not run" and session.km is None and session.started == 0
    assert not (out / "a.ipynb").exists()


def test_a_stop_while_a_kernel_starts_shuts_it_down_and_starts_no_other(tmp_path, notebook_env):
    """Ctrl-C kills a run's kernels while one is still starting: the failed start is not tried again (a second
    kernel would appear after the run counted its kernels gone)."""
    import threading

    from foresight.run.shared_kernel import KernelSession, RunStopped

    stop = threading.Event()
    session = KernelSession(KERNEL, KERNEL_ARGUMENTS)
    started = session._start
    pids = []

    async def killed_while_starting(cwd):
        await started(cwd)
        pids.append(session.km.provisioner.process.pid)
        stop.set()
        raise RuntimeError("Kernel died before replying to kernel_info")

    session._start = killed_while_starting
    with pytest.raises(RuntimeError) as raised:
        session.kernel(tmp_path, stop)
    assert not isinstance(raised.value, RunStopped) and session.started == 1 and session.km is None
    assert not session.starting
    with pytest.raises(RunStopped):
        session.kernel(tmp_path, stop)
    assert session.started == 1
    assert_no_kernel_left(pids)


def test_code_run_quietly_in_a_kernel_reports_its_status_and_a_killed_kernel_ends_the_wait(tmp_path, notebook_env):
    """What a Dask worker's warm-up runs in its kernel before the first notebook: it waits for the reply, and
    a kernel killed meanwhile (the run was stopped) ends the wait at once instead of after the timeout."""
    import os
    import signal
    import threading

    from foresight.run.shared_kernel import KernelSession

    session = KernelSession(KERNEL, KERNEL_ARGUMENTS)
    try:
        session.kernel(tmp_path)
        assert session.run_quietly("import colorsys")
        assert not session.run_quietly("import a_module_that_does_not_exist")
        pid = session.km.provisioner.process.pid
        threading.Timer(1.0, os.kill, (pid, signal.SIGKILL)).start()
        start = time.monotonic()
        assert not session.run_quietly("import time; time.sleep(60)", timeout=50)
        assert time.monotonic() - start < 10
    finally:
        session.discard()
    assert_no_kernel_left([pid])


def test_a_worker_session_writes_only_the_finished_notebook(tmp_path, notebook_env, monkeypatch):
    from papermill.engines import NotebookExecutionManager

    from foresight.run.shared_kernel import FINISHED_ONLY, SAVE_EVERY, KernelSession

    jobs, out, cwd = suite(tmp_path, {"a": ("x = 1", "y = 2", "print(x + y)")})
    saves = []
    save = NotebookExecutionManager.save
    monkeypatch.setattr(NotebookExecutionManager, "save", lambda self, **kw: (saves.append(1), save(self, **kw)))
    counts = {}
    session = KernelSession(KERNEL, KERNEL_ARGUMENTS)
    try:
        for every in (0.0, SAVE_EVERY, FINISHED_ONLY):
            saves.clear()
            session.save_every = every
            assert execute(jobs[0], out, html=False, cwd=cwd, session=session).status == "ok"
            counts[every] = len(saves)
    finally:
        session.close()
    nb = nbformat.read(str(out / "a.ipynb"), as_version=4)  # written last with FINISHED_ONLY
    assert nb.cells[-1].outputs[0]["text"] == "3\n"  # the finished notebook, outputs and all
    # every save around a cell is skipped (papermill's own before the first cell and after the last remain)
    assert counts[FINISHED_ONLY] < counts[SAVE_EVERY] <= counts[0.0] - 8, counts


def test_a_run_starts_the_longest_notebooks_of_the_previous_run_first_and_records_them_in_order(tmp_path, notebook_env):
    from foresight.run.runner import RunPlan, execute_run

    _, _, cwd = suite(tmp_path, {"first": (), "second": (), "third": ()})
    runs_dir = tmp_path / "runs"
    (runs_dir / "20200101-000000-old").mkdir(parents=True)
    took = {"first": 1.0, "second": 2.0, "third": 9.0}
    notebooks = [{"name": n, "status": "ok", "seconds": s} for n, s in took.items()]
    (runs_dir / "20200101-000000-old" / "run.json").write_text(json.dumps({"kind": "run", "notebooks": notebooks}))
    plan = RunPlan(
        kind="run",
        label="order",
        record={},
        jobs=lambda work: jobs_for(discover(cwd), [], {}, work / "results"),
        finish=lambda work, jobs, ok, record: None,
        html=False,
        cwd=cwd,
        progress=False,
    )
    outcome = execute_run(plan, runs_dir)
    assert outcome.status == "complete"
    assert [nb["name"] for nb in outcome.record["notebooks"]] == ["first", "second", "third"]  # documented order
    started = {n: json.loads((outcome.folder / "results" / n / "seen.json").read_text())["time"] for n in took}
    assert sorted(started, key=started.get) == ["third", "second", "first"]  # longest first


def test_longest_expected_jobs_go_first_and_unknown_ones_keep_their_place(tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    for n, name in enumerate(["evidence", "forecast", "backtest"]):
        write_notebook(folder, name, n)
    notebooks = discover(folder)
    by_name = {nb.name: nb for nb in notebooks}
    jobs = [
        Job(by_name["evidence"], "evidence", {}),
        Job(by_name["forecast"], "forecast-q1", {}),
        Job(by_name["forecast"], "forecast-q2", {}),
        Job(by_name["forecast"], "forecast-new", {}),
        Job(by_name["backtest"], "backtest", {}),
    ]
    assert run_order(jobs, {}) == [0, 1, 2, 3, 4]
    seconds = {"evidence": 2.0, "forecast-q1": 5.0, "forecast-q2": 9.0, "backtest": 30.0}
    # forecast-new is expected to take what the other forecasts took on average (7 s)
    assert run_order(jobs, seconds) == [4, 2, 3, 1, 0]


def test_expected_seconds_come_from_the_newest_run_of_the_same_kind(tmp_path):
    def record(name, kind, notebooks):
        (tmp_path / name).mkdir()
        (tmp_path / name / "run.json").write_text(json.dumps({"kind": kind, "notebooks": notebooks}))

    assert previous_seconds(tmp_path / "missing", "run") == {}
    record("20260101-000000-aaaa", "run", [{"name": "a", "status": "ok", "seconds": 3.5}])
    record("20260102-000000-bbbb", "run", [{"name": "b", "status": "not run", "seconds": 0}])  # nothing timed
    record("20260103-000000-cccc", "sweep", [{"name": "s", "status": "ok", "seconds": 1.0}])
    (tmp_path / "20260104-000000-dddd").mkdir()  # unreadable: skipped
    (tmp_path / "20260104-000000-dddd" / "run.json").write_text("{")
    (tmp_path / ".20260105-000000-eeee.incomplete").mkdir()  # unfinished: skipped
    assert previous_seconds(tmp_path, "run") == {"a": 3.5}
    assert previous_seconds(tmp_path, "sweep") == {"s": 1.0}

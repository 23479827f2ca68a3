"""`foresight run` and `foresight runs`, through the installed console script, into a temporary runs folder.

One complete run on the mini pack is shared by the module; a failed run and an
invalid pack come after it and must leave it untouched.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from foresight.report import results
from foresight.run import executor, folders, runner
from nbhelpers import BIN, DRAWS, MINI, foresight_cli, notebook_env, read_json, snapshot
from packtools import replace

__all__ = ["notebook_env"]


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def first_run(notebook_env, runs_dir):
    """One complete run of the whole suite on the mini pack (as_of before one question opens)."""
    result = foresight_cli(
        "run", str(MINI), "--draws", str(DRAWS), "--as-of", "2020-02-01", "--runs-dir", str(runs_dir), "--no-progress"
    )
    folders = [p for p in runs_dir.iterdir() if not p.name.startswith(".")]
    assert len(folders) == 1, result.stderr
    return result, folders[0]


def test_run_exits_0_and_says_where_the_run_is(first_run):
    result, folder = first_run
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"complete: {folder}")
    assert "index.html" in result.stdout


def test_run_folder_holds_notebooks_html_tables_and_record(first_run):
    _, folder = first_run
    names = {p.name for p in folder.iterdir()}
    expected = {"evidence", "forecast-deal-by-june", "forecast-clash-by-december", "scenarios"}
    assert {f"{n}.ipynb" for n in expected} <= names
    assert {f"{n}.html" for n in expected} <= names
    assert {"forecasts.csv", "scenarios.csv", "indicator_matrix.csv", "run.json", "index.html"} <= names
    assert {"side_by_side.csv", "sensitivity.csv", "conditionals.csv"} <= names
    sensitivity = pd.read_csv(folder / "sensitivity.csv")
    assert set(sensitivity.question_id) == {"deal-by-june", "clash-by-december"}
    assert (sensitivity.low <= sensitivity.high).all()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")], "no work folder left behind"


def test_forecasts_csv_has_one_row_per_question_in_pack_order_with_the_clipped_dates(first_run):
    _, folder = first_run
    with open(folder / "forecasts.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        assert reader.fieldnames[: len(results.FORECAST_COLUMNS)] == results.FORECAST_COLUMNS  # the one list
    assert [r["question_id"] for r in rows] == ["deal-by-june", "clash-by-december"]
    assert [r["as_of"] for r in rows] == ["2020-02-01", "2020-03-01"]  # clash opens 2020-03-01
    assert rows[0]["resolution"] == "no" and rows[1]["resolution"] == ""
    for r in rows:
        assert 0 <= float(r["p05"]) <= float(r["p50"]) <= float(r["p95"]) <= 1
        assert r["converged"] in ("True", "False")


def test_run_json_records_parameters_pack_versions_timings_and_status(first_run):
    _, folder = first_run
    record = read_json(folder / "run.json")
    assert record["status"] == "complete" and record["error"] is None
    assert record["run_id"] == folder.name
    assert folder.name.endswith(runner.parameter_hash(record["parameters"]))
    assert record["parameters"]["draws"] == DRAWS and record["parameters"]["as_of"] == "2020-02-01"
    assert record["parameters"]["questions"] == ["deal-by-june", "clash-by-december"]
    from foresight import load_pack

    assert record["pack"]["content_hash"] == load_pack(MINI).content_hash
    assert {"python", "pymc", "arviz", "papermill", "foresight"} <= set(record["versions"])
    names = [nb["name"] for nb in record["notebooks"]]
    ours = ["evidence", "forecast-deal-by-june", "forecast-clash-by-december", "scenarios"]
    assert [n for n in names if n in ours] == ours  # in run order; notebooks added later may sit between
    for nb in record["notebooks"]:
        assert nb["status"] == "ok" and nb["seconds"] > 0
    scenarios = next(nb for nb in record["notebooks"] if nb["name"] == "scenarios")
    assert scenarios["parameters"]["interactive"] is False  # the runner asks for static what-if tables
    fc = next(nb for nb in record["notebooks"] if nb["name"] == "forecast-deal-by-june")
    assert fc["parameters"]["question"] == "deal-by-june" and fc["parameters"]["clip_to_window"] is True
    assert "question" not in record["notebooks"][0]["parameters"]  # only what a notebook defines
    assert record["tables"]["forecasts"] == 2
    assert record["convergence"]["not_converged"] == ["deal-by-june", "clash-by-december"]  # 200 draws


def test_html_hides_code_and_embeds_the_figures(first_run):
    _, folder = first_run
    page = (folder / "forecast-deal-by-june.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 2
    assert "check_params(" not in page and "import " not in page
    assert "Outside view" in page
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="forecast-deal-by-june.html"' in index and "deal-by-june" in index


def test_the_run_writes_a_self_contained_brief_linked_from_the_index(first_run):
    _, folder = first_run
    reasons = pd.read_csv(folder / "reasons.csv")
    assert set(reasons.question_id) <= {"deal-by-june", "clash-by-december"} and (reasons["rank"] <= 3).all()
    page = (folder / "brief.html").read_text(encoding="utf-8")
    assert 'href="brief.html"' in (folder / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page and "src=" not in page and "<link" not in page  # one file, prints as it is
    forecasts = pd.read_csv(folder / "forecasts.csv")
    for row in forecasts[forecasts["resolution"].isna()].itertuples():
        assert f"<h2>{row.title}</h2>" in page and f"{row.mean:.1%}</span>" in page


@pytest.mark.slow  # two real runs; run by make test-all and CI
def test_failed_notebook_marks_the_run_failed_and_leaves_the_first_run_alone(first_run, runs_dir):
    _, first = first_run
    before = snapshot(first)
    # A value the checks before the run cannot judge: the scenarios notebook finds no open question then.
    result = foresight_cli(
        "run",
        str(MINI),
        "--question",
        "deal-by-june",
        "--draws",
        str(DRAWS),
        "--param",
        "scenarios.as_of=2030-01-01",
        "--runs-dir",
        str(runs_dir),
        "--no-progress",
    )
    assert result.returncode == 1
    assert "FAILED scenarios: ValueError: no question of pack mini is open on or after 2030-01-01" in result.stderr
    found = sorted(p for p in runs_dir.iterdir() if not p.name.startswith("."))
    assert len(found) == 2
    second = next(p for p in found if p != first)
    record = read_json(second / "run.json")
    assert record["status"] == "failed" and record["run_id"] == second.name
    assert record["parameters"]["notebook_params"] == {"scenarios": {"as_of": "2030-01-01"}}
    assert record["error"]["notebook"] == "scenarios"
    assert record["error"]["ename"] == "ValueError"
    statuses = {nb["name"]: nb["status"] for nb in record["notebooks"]}
    assert statuses == {
        "evidence": "ok",
        "forecast-deal-by-june": "ok",
        "scenarios": "failed",
        "history-deal-by-june": "ok",
        "backtest": "ok",
        "outcomes": "ok",  # runs on any pack: mini has no options or date question, and says so
    }
    entry = next(nb for nb in record["notebooks"] if nb["name"] == "scenarios")
    assert entry["parameters"]["as_of"] == "2030-01-01"
    assert (second / "scenarios.ipynb").is_file()  # the partial notebook, for reading the error
    forecasts = pd.read_csv(second / "forecasts.csv")
    assert list(forecasts.columns[:3]) == ["question_id", "title", "family"]
    assert forecasts["question_id"].tolist() == ["deal-by-june"]  # from the notebook that completed
    assert snapshot(first) == before


def test_runs_lists_every_run_with_its_status(first_run, runs_dir):
    result = foresight_cli("runs", "--runs-dir", str(runs_dir))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["run", "kind", "status"]
    assert first_run[1].name in result.stdout and " complete " in result.stdout


def test_invalid_pack_exits_2_with_the_validate_problems_and_makes_no_run(pack, tmp_path):
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: 2")
    result = foresight_cli("run", str(pack), "--runs-dir", str(tmp_path / "runs"))  # the console script itself
    assert result.returncode == 2
    assert f"{pack}/evidence.yaml:7: evidence[0].credibility: must be a number" in result.stderr
    assert "1 problem(s); the pack is not valid." in result.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--question", "nope"], "parameter 'question': got 'nope'"),
        (["--as-of", "2020-02-30"], "parameter 'as_of'"),
        (["--draws", "10"], "parameter 'draws': got 10"),
        (["--draws", "0"], "parameter 'draws': got 0"),
        (["--param", "lr_width=2"], "--param lr_width: no notebook has this parameter"),
        (["--param", "question=x"], "--param question: is set by `foresight run` itself (use --question"),
        (["--param", "lr_width_scale=-1"], "--param lr_width_scale: parameter 'lr_width_scale': got -1 (int)"),
        (["--jobs", "0"], "--jobs: got 0; expected at least 1"),
        (["--jobs", "-3"], "--jobs: got -3; expected at least 1"),
        (["--param", "lr_width_scale=abc"], "--param lr_width_scale: parameter 'lr_width_scale': got 'abc'"),
        (["--param", "learn_from_cases=maybe"], "--param learn_from_cases: parameter 'learn_from_cases'"),
        (["--param", "overrides={nope: present}"], "--param overrides: parameter 'overrides'"),
        (["--param", "forecast.lr_width_scale=0"], "--param forecast.lr_width_scale: parameter 'lr_width_scale'"),
        (["--param", "history.extra_dates=1999-01-01"], "--param history.extra_dates: parameter 'extra_dates'"),
        (["--param", "nope.seed=1"], "--param nope.seed: no notebook 'nope' in a run; notebooks: evidence, forecast"),
        (["--param", "forecast.question=x"], "--param forecast.question: is set by `foresight run` itself"),
        (["--param", "evidence.draws=5"], "--param evidence.draws: not a parameter of evidence"),
        (["--param", "scenarios.as_of=2020-02-30"], "--param scenarios.as_of: parameter 'as_of'"),
    ],
)
def test_bad_values_exit_2_before_any_kernel(args, words, tmp_path, capsys):
    """In-process: what the console script does is main() (tests/test_import_weight.py checks that an error
    exit imports nothing heavy; a subprocess each would cost seconds of start-up)."""
    from foresight.run import cli

    assert cli.main(["run", str(MINI), *args, "--runs-dir", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "runs").exists()


def test_a_param_that_is_not_name_equals_value_is_a_usage_error(capsys):
    from foresight.run import cli

    with pytest.raises(SystemExit) as stop:
        cli.main(["run", str(MINI), "--param", "forecast.=1"])
    assert stop.value.code == 2 and "expected NAME=VALUE or NOTEBOOK.NAME=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda t: (t / "f").write_text("x") and t / "f", "is a file, not a folder"),
        (lambda t: (t / "f").write_text("x") and t / "f" / "runs", "cannot be created: "),
    ],
    ids=["a file", "under a file"],
)
def test_a_runs_dir_that_cannot_hold_runs_exits_2_in_one_line(make, words, tmp_path, capsys):
    from foresight.run import cli

    runs = make(tmp_path)
    for command in ("run", "sweep"):
        target = str(MINI) if command == "run" else str(tmp_path / "grid.yaml")
        assert cli.main([command, target, "--runs-dir", str(runs)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"foresight {command}: --runs-dir: {runs}")
        assert len(err.strip().splitlines()) == 1 and words in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_runs_dir_exits_2(tmp_path, capsys):
    from foresight.run import cli

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert cli.main(["run", str(MINI), "--runs-dir", str(locked / "runs")]) == 2
    assert "is not writable" in capsys.readouterr().err


def test_jobs_beyond_the_machine_are_capped_saying_why():
    n, note = executor.worker_cap(10_000)
    assert 1 <= n <= (os.cpu_count() or 1)
    assert note.startswith(f"10000 notebooks at a time capped to {n} (") and "CPU(s)" in note
    assert executor.worker_cap(1) == (1, None)


def test_one_notebook_gets_its_own_value(tmp_path):
    """--param NOTEBOOK.NAME=VALUE reaches that notebook's jobs only, over --param NAME=VALUE and --as-of."""
    from foresight import load_pack
    from foresight.run.notebooks import discover, jobs_for

    options = runner.RunOptions(
        pack=load_pack(MINI),
        as_of="2020-02-01",
        params={"lr_width_scale": 2.0},
        notebook_params={"scenarios": {"as_of": "2020-03-01"}, "forecast": {"lr_width_scale": 0.5}},
    )
    notebooks = discover()
    assert runner.check_values(options, notebooks) is None
    jobs = {
        j.name: j.parameters
        for j in jobs_for(
            notebooks, ["deal-by-june"], options.notebook_values(), tmp_path, options.values_by_notebook()
        )
    }
    assert jobs["scenarios"]["as_of"] == "2020-03-01" and jobs["scenarios"]["lr_width_scale"] == 2.0
    assert jobs["forecast-deal-by-june"]["as_of"] == "2020-02-01"
    assert jobs["forecast-deal-by-june"]["lr_width_scale"] == 0.5
    assert jobs["evidence"]["as_of"] == "2020-02-01"
    assert options.record()["notebook_params"] == options.notebook_params


# --- run folders, without kernels -----------------------------------------------------------


def test_two_runs_in_the_same_second_get_different_folders(tmp_path):
    ids = [folders.new_run_folder(tmp_path, "abcd1234")[0] for _ in range(3)]
    assert len(set(ids)) == 3
    assert all(not (tmp_path / i).exists() for i in ids)  # work folders are hidden until finished
    final = folders.finish_run_folder(tmp_path / f".{ids[0]}{folders.INCOMPLETE}", tmp_path, ids[0])
    assert final == tmp_path / ids[0] and final.is_dir()


def test_finishing_onto_a_taken_name_picks_a_new_one(tmp_path):
    run_id, work = folders.new_run_folder(tmp_path, "x")
    (tmp_path / run_id).mkdir()
    (tmp_path / run_id / "run.json").write_text("{}")
    final = folders.finish_run_folder(work, tmp_path, run_id)
    assert final != tmp_path / run_id and final.name.startswith(run_id)
    assert (tmp_path / run_id / "run.json").read_text() == "{}"


def _record(folder, data) -> None:
    folder.mkdir()
    (folder / "run.json").write_text(data if isinstance(data, str) else json.dumps(data))


@pytest.mark.parametrize(
    "data, reason",
    [
        ("{not json", "unreadable: not valid JSON (Expecting property name enclosed in double quotes, line 1)"),
        ("[1, 2]", "unreadable: expected a JSON object, got list"),
        ({"status": "complete", "notebooks": 3}, "unreadable: field 'notebooks' is int"),
        ({"status": "complete", "pack": "mini"}, "unreadable: field 'pack' is str"),
        ({"status": 7}, "unreadable: field 'status' is int"),
    ],
)
def test_a_bad_run_json_shows_as_unreadable_and_hides_no_other_run(data, reason, tmp_path):
    _record(tmp_path / "20260101-000001-bad", data)
    _record(tmp_path / "20260101-000002-good", {"kind": "run", "status": "complete", "pack": {"id": "mini"}})
    frame = folders.list_runs(tmp_path)
    assert frame["status"].tolist() == [reason, "complete"]
    result = foresight_cli("runs", "--runs-dir", str(tmp_path))
    assert result.returncode == 0 and reason in result.stdout and "Traceback" not in result.stderr


def test_runs_dir_missing_or_a_file_says_so(tmp_path, capsys):
    from foresight.run import cli

    (tmp_path / "f").write_text("x")
    for path, words in ((tmp_path / "nope", "no such folder"), (tmp_path / "f", "is a file, not a folder")):
        assert cli.main(["runs", "--runs-dir", str(path)]) == 2
        assert capsys.readouterr().err == f"foresight runs: --runs-dir {path}: {words}\n"


def test_an_unfinished_folder_is_running_while_its_owner_lives_and_abandoned_after(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = folders.owner()
    _record(tmp_path / ".20260101-000001-live.incomplete", {"status": "running", "owner": owner})
    _record(tmp_path / ".20260101-000002-dead.incomplete", {"status": "running", "owner": {**owner, "pid": dead.pid}})
    reused = {**owner, "process_start": (owner["process_start"] or 0) + 1}  # same pid, another process
    _record(tmp_path / ".20260101-000003-reused.incomplete", {"status": "running", "owner": reused})
    _record(tmp_path / ".20260101-000004-elsewhere.incomplete", {"status": "running", "owner": {**owner, "host": "x"}})
    frame = folders.list_runs(tmp_path)
    assert frame["status"].tolist() == ["running", "abandoned", "abandoned", "incomplete"]

    def prune(answer: str) -> subprocess.CompletedProcess:
        command = [str(BIN / "foresight"), "runs", "--runs-dir", str(tmp_path), "--prune"]
        return subprocess.run(command, input=answer, capture_output=True, text=True)

    declined = prune("n\n")
    assert declined.returncode == 0 and "nothing removed" in declined.stdout
    assert len(list(tmp_path.iterdir())) == 4
    agreed = prune("y\n")
    assert agreed.returncode == 0 and "removed 2 abandoned run folder(s)" in agreed.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".20260101-000001-live.incomplete",
        ".20260101-000004-elsewhere.incomplete",
    ]


def test_runs_table_shows_incomplete_and_unreadable_folders(tmp_path):
    (tmp_path / ".20260101-000000-aaaa.incomplete").mkdir()
    (tmp_path / "20260101-000001-bbbb").mkdir()
    good = tmp_path / "20260101-000002-cccc"
    good.mkdir()
    (good / "run.json").write_text(
        json.dumps(
            {"kind": "run", "status": "complete", "pack": {"id": "mini"}, "notebooks": [{}], "tables": {"forecasts": 2}}
        )
    )
    frame = folders.list_runs(tmp_path)
    assert frame["status"].tolist() == ["incomplete", "no run.json", "complete"]
    assert frame.loc[2, "forecasts"] == 2


def test_run_picks_up_history_and_backtest_and_writes_their_csvs(first_run):
    _, folder = first_run
    names = {p.name for p in folder.iterdir()}
    assert {"history-deal-by-june.html", "history-clash-by-december.html", "backtest.html"} <= names
    assert {"history.csv", "scores.csv"} <= names
    history = pd.read_csv(folder / "history.csv")
    assert set(history["question_id"]) == {"deal-by-june", "clash-by-december"}
    for _, steps in history.groupby("question_id"):
        assert steps["as_of"].is_monotonic_increasing and steps["as_of"].iloc[0] == steps["opens"].iloc[0]
    scores = pd.read_csv(folder / "scores.csv")
    assert list(scores.columns[:7]) == ["question_id", "family", "as_of", "forecast", "outcome", "brier", "log_score"]
    assert {"naive_brier", "base_rate_brier", "p50_brier"} <= set(scores.columns)
    assert set(scores["question_id"]) == {"deal-by-june"} and scores["brier"].between(0, 1).all()
    for name in ("history-deal-by-june.html", "backtest.html"):
        assert "data:image/png;base64," in (folder / name).read_text(encoding="utf-8")


def test_concurrent_runs_into_one_folder_each_get_their_own(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: folders.new_run_folder(tmp_path, "same"), range(8)))
    assert len({run_id for run_id, _ in made}) == 8 and all(work.is_dir() for _, work in made)


def test_the_lifecycle_follows_a_renamed_folder_in_its_record(tmp_path, monkeypatch):
    """If the final name is taken at the last moment, run_id, run.json and index.html follow the new name
    (the sweep used to keep the old id)."""
    real = runner.finish_run_folder

    def taken(work, runs_dir, run_id):
        (runs_dir / run_id).mkdir()
        (runs_dir / run_id / "other").write_text("another run's file")
        return real(work, runs_dir, run_id)

    monkeypatch.setattr(runner, "finish_run_folder", taken)
    finished = []
    plan = runner.RunPlan(
        kind="sweep",
        label="sweep-x",
        record={"parameters": {}, "pack": None},
        jobs=lambda work: [],
        finish=lambda work, jobs, ok, record: finished.append(work),
    )
    outcome = runner.execute_run(plan, tmp_path)
    assert outcome.status == "complete" and outcome.exit_code == 0
    record = read_json(outcome.folder / "run.json")
    assert record["run_id"] == outcome.folder.name != finished[0].name
    assert record["owner"]["pid"] == os.getpid() and record["kind"] == "sweep"
    assert f"Sweep {outcome.folder.name}</h1>" in (outcome.folder / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([outcome.folder.name, record["run_id"][:-2]])


def test_html_export_reuses_one_exporter_per_thread_with_the_same_output(tmp_path):
    """The exporter is built once per thread (its templates load once) and gives exactly what a fresh one gives."""
    import nbformat
    from nbconvert import HTMLExporter

    from foresight.run import notebooks

    paths = []
    for i, text in enumerate(["first <b>one</b>", "second & last"]):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# Notebook {i}"), nbformat.v4.new_code_cell("x = 1")]
        nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        path = tmp_path / f"nb{i}.ipynb"
        nbformat.write(nb, str(path))
        paths.append(path)
    outputs = [notebooks.export_html(p).read_text(encoding="utf-8") for p in (*paths, paths[0])]
    assert notebooks._html_exporter() is notebooks._html_exporter()
    fresh = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    expected = fresh.from_notebook_node(
        nbformat.read(str(paths[0]), as_version=4), resources={"metadata": {"name": "nb0"}}
    )[0]
    assert outputs[0] == outputs[2] == expected
    assert "second &amp; last" in outputs[1] and "x = 1" not in outputs[1]  # code hidden

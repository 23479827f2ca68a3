"""`foresight sweep`: grid files checked with FILE: field: message errors, and one real sweep on the mini pack."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from foresight.run.sweep import GridError, load_grid
from nbhelpers import DRAWS, MINI, ROOT, foresight_cli, notebook_env, read_json

__all__ = ["notebook_env"]

GOOD = f"""\
title: mini sweep
notebook: forecast
parameters:
  pack: {MINI}
  question: deal-by-june
  draws: {DRAWS}
  learn_from_cases: false   # exact draws: the sweep's mechanics, not NUTS, are under test
grid:
  as_of: [2020-02-01, 2020-05-01]
  lr_width_scale: [0.5, 2.0]
rows:
  - {{as_of: 2020-06-01, lr_width_scale: 1.0}}
workers: 2
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "grid.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(GridError) as info:
        load_grid(path)
    assert info.value.file == str(path)
    return info.value.problems


def test_a_good_grid_expands_to_the_product_plus_the_rows(tmp_path):
    grid = load_grid(write(tmp_path, GOOD))
    assert grid.notebook.name == "forecast"
    assert grid.swept == ["as_of", "lr_width_scale"]
    assert grid.combinations == [
        {"as_of": "2020-02-01", "lr_width_scale": 0.5},
        {"as_of": "2020-02-01", "lr_width_scale": 2.0},
        {"as_of": "2020-05-01", "lr_width_scale": 0.5},
        {"as_of": "2020-05-01", "lr_width_scale": 2.0},
        {"as_of": "2020-06-01", "lr_width_scale": 1.0},
    ]
    assert grid.workers == 2 and grid.fixed["question"] == "deal-by-june"


@pytest.mark.parametrize(
    "edit, expected",
    [
        (("workers: 2", "workers: 2\ncolour: blue"), "colour: unknown key; allowed keys: notebook, parameters, grid"),
        (("notebook: forecast", "notebook: forcast"), "notebook: no notebook 'forcast'; notebooks in"),
        (
            ("  draws: 200", "  drawz: 200"),
            "parameters.drawz: not a parameter of forecast.ipynb; parameters of forecast.ipynb: pack, question, as_of",
        ),
        (("  lr_width_scale: [0.5, 2.0]", "  lr_width_scale: []"), "grid.lr_width_scale: must be a non-empty list"),
        (("  lr_width_scale: [0.5, 2.0]", "  lr_width_scale: 2.0"), "grid.lr_width_scale: must be a non-empty list"),
        (
            ("  as_of: [2020-02-01, 2020-05-01]", "  as_of: [2020-02-01, 2019-05-01]"),
            "grid.as_of: parameter 'as_of': got '2019-05-01' (str); expected a date in the window of question "
            "'deal-by-june': 2020-01-10 to 2020-06-01",
        ),
        (
            ("  - {as_of: 2020-06-01, lr_width_scale: 1.0}", "  - {as_of: 2020-06-01, lr_width_scale: -1}"),
            "rows[0].lr_width_scale: parameter 'lr_width_scale': got -1",
        ),
        (("  question: deal-by-june", "  question: 7"), "parameters.question: parameter 'question': got 7 (int)"),
        (("  draws: 200", "  draws: 200\n  out_dir: x"), "parameters.out_dir: set by the sweep itself"),
        (("workers: 2", "workers: 0"), "workers: must be a whole number of at least 1"),
    ],
)
def test_grid_problems_name_the_field_and_what_is_allowed(tmp_path, edit, expected):
    assert GOOD.count(edit[0]) == 1
    found = problems(write(tmp_path, GOOD.replace(*edit)))
    assert any(p.startswith(expected) for p in found), found


def test_grid_file_level_problems(tmp_path):
    assert problems(tmp_path / "missing.yaml")[0].startswith("(file): no such file")
    assert problems(write(tmp_path, "grid: [unclosed\n"))[0].startswith("line ")
    assert problems(write(tmp_path, "- a list\n"))[0].startswith("(file): must be a mapping")
    found = problems(write(tmp_path, "notebook: forecast\n"))
    assert found == ["grid: give a grid (parameter: [values]) or rows (a list of combinations) to sweep"]


def test_cli_reports_every_grid_problem_and_exits_2(tmp_path, capsys):
    from foresight.run import cli

    path = write(tmp_path, GOOD.replace("notebook: forecast", "notebook: forcast").replace("workers: 2", "workers: x"))
    assert cli.main(["sweep", str(path), "--runs-dir", str(tmp_path / "runs")]) == 2  # in-process: no start-up
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == "2 problem(s); the grid was not run."
    assert all(line.startswith(f"{path}: ") for line in lines[:-1])
    assert not (tmp_path / "runs").exists()


def test_the_shipped_example_grid_is_valid():
    grid = load_grid(ROOT / "scenarios" / "sweep-example.yaml")
    assert set(grid.swept) == {"as_of", "lr_width_scale"} and len(grid.combinations) >= 6


def test_a_grid_is_checked_as_its_notebook_checks_it(tmp_path):
    """The outcomes notebook takes options and date questions, the forecast notebook yes/no ones: a grid's
    values go through the checks of the notebook it runs, not of one notebook for all."""
    seed = ROOT / "scenarios" / "us-china-korea-2017-2019"
    typed = f"notebook: outcomes\nparameters:\n  pack: {seed}\ngrid:\n  question: [su-hanoi-outcome, th-25pct-date]\n"
    assert len(load_grid(write(tmp_path, typed)).combinations) == 2
    yes_no = typed.replace("[su-hanoi-outcome, th-25pct-date]", "[td-signed-by-2019-07-01]")
    assert any("an options or date question" in p for p in problems(write(tmp_path, yes_no)))
    forecast = typed.replace("notebook: outcomes", "notebook: forecast")
    assert any("is an options question" in p for p in problems(write(tmp_path, forecast)))


@pytest.mark.slow  # four real notebook runs; run by make test-all and CI
def test_sweep_runs_every_combination_into_one_table_and_plot(tmp_path, notebook_env):
    path = write(tmp_path, GOOD.replace("  - {as_of: 2020-06-01, lr_width_scale: 1.0}\n", ""))
    result = foresight_cli("sweep", str(path), "--runs-dir", str(tmp_path / "runs"), "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    (folder,) = [p for p in (tmp_path / "runs").iterdir()]
    assert "-sweep-" in folder.name
    frame = pd.read_csv(folder / "sweep.csv")
    assert len(frame) == 4 and (frame["status"] == "ok").all()
    assert list(frame.columns[:4]) == ["run", "status", "as_of", "lr_width_scale"]
    assert frame["as_of"].tolist() == ["2020-02-01", "2020-02-01", "2020-05-01", "2020-05-01"]
    assert frame["forecast_as_of"].tolist() == frame["as_of"].tolist()
    assert frame["lr_width_scale"].tolist() == [0.5, 2.0, 0.5, 2.0]
    assert frame["mean"].between(0, 1).all() and (frame["question_id"] == "deal-by-june").all()
    # the base rate shrinks as the deadline nears, whatever the prior width
    early, late = frame.loc[0, "base_rate_mean"], frame.loc[2, "base_rate_mean"]
    assert late < early
    assert (folder / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = read_json(folder / "run.json")
    assert record["kind"] == "sweep" and record["status"] == "complete"
    assert record["swept"] == ["as_of", "lr_width_scale"] and len(record["notebooks"]) == 4
    assert record["pack"]["id"] == "mini"
    assert len(list(folder.glob("forecast-*.ipynb"))) == 4

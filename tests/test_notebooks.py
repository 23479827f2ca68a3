"""Every notebook through papermill with small draws, asserting on the files and outputs it writes.

Plus hygiene (one `parameters` cell, stored without outputs) and the papermill
traps: type coercion from the command line, `-f params.yaml`, and a kernel
whose working directory is the repo root or notebooks/.
"""

from __future__ import annotations

import subprocess

import nbformat
import papermill as pm
import pytest
from papermill.exceptions import PapermillExecutionError

from foresight.run import notebooks as suite
from nbhelpers import (
    BIN,
    DRAWS,
    MINI,
    NOTEBOOKS,
    ROOT,
    SEED,
    execute,
    notebook_env,
    outputs_of,
    png_count,
    read_json,
)

__all__ = ["notebook_env"]  # the fixture, imported for pytest

ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


# --- hygiene ---------------------------------------------------------------------------------


def test_the_suite_has_the_three_notebooks():
    assert {"evidence.ipynb", "forecast.ipynb", "scenarios.ipynb"} <= {p.name for p in ALL}


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_notebook_is_stored_clean_with_one_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters'; need exactly one"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has outputs (clear them before committing)"
            assert cell.execution_count is None, f"{path.name}: a cell has an execution count"
    assert nb.metadata.kernelspec.name == "python3"
    following = next(c for c in nb.cells[tagged[0] + 1 :] if c.cell_type == "code")
    assert "check_params(" in following.source, f"{path.name}: the cell after the parameters must check them"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_every_parameter_has_a_type_and_a_comment(path):
    for name, info in pm.inspect_notebook(str(path)).items():
        assert info["inferred_type_name"] != "None", f"{path.name}: parameter {name} has no type hint"
        assert info["help"], f"{path.name}: parameter {name} has no comment"


def test_the_runner_rule_sees_forecast_as_per_question():
    found = {nb.name: nb for nb in suite.discover(NOTEBOOKS)}
    assert found["forecast"].per_question
    assert not found["evidence"].per_question and not found["scenarios"].per_question
    assert [n for n in found] == sorted(found, key=lambda n: (found[n].order, n))


# --- execution on the mini pack -----------------------------------------------------------------


@pytest.fixture(scope="module")
def mini_outputs(notebook_env, tmp_path_factory):
    """Each notebook executed once on the mini pack; the tests below read what they wrote."""
    out = tmp_path_factory.mktemp("mini-notebooks")
    results = out / "results"
    paths = {
        "evidence": execute("evidence", out, pack=str(MINI), as_of="2020-02-01", out_dir=str(results)),
        "forecast": execute(
            "forecast",
            out,
            pack=str(MINI),
            question="deal-by-june",
            as_of="2020-02-01",
            draws=DRAWS,
            overrides='{"ev-talks": {"credibility": 0.5}}',
            out_dir=str(results),
        ),
        "scenarios": execute("scenarios", out, pack=str(MINI), as_of="2020-02-01", draws=DRAWS, out_dir=str(results)),
    }
    return paths, results


def test_evidence_notebook_writes_the_indicator_matrix_and_draws_its_figures(mini_outputs):
    paths, results = mini_outputs
    data = read_json(results / "evidence.json")
    assert data["table"] == "indicator_matrix"
    assert {(r["indicator"], r["question_id"]) for r in data["rows"]} == {
        ("talks-held", "deal-by-june"),
        ("talks-held", "clash-by-december"),
        ("threat-made", "clash-by-december"),
        ("drills", "clash-by-december"),
    }
    assert png_count(paths["evidence"]) == 2  # timeline and ACH heatmap
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs_of(paths["evidence"]))
    assert "▲" in html and "doc-b" in html


def test_forecast_notebook_writes_its_row_with_the_overrides_applied(mini_outputs):
    paths, results = mini_outputs
    data = read_json(results / "forecast-deal-by-june.json")
    assert data["table"] == "forecasts"
    (row,) = data["rows"]
    assert row["question_id"] == "deal-by-june" and row["as_of"] == "2020-02-01"
    assert 0 < row["p05"] <= row["p50"] <= row["p95"] < 1 and 0 < row["mean"] < 1
    assert row["resolution"] == "no"
    assert data["parameters"]["overrides"] == {"ev-talks": {"credibility": 0.5}}
    assert data["parameters"]["draws"] == DRAWS
    # outside view over the window, waterfall, probability distribution, tornado; (resolved) waterfall and
    # tornado at 2020-03-01; and (deal-by-june learns from coded cases, by default with Laplace + PSIS, whose
    # independent draws have no chains to rank) ArviZ prior-vs-posterior only
    assert png_count(paths["forecast"]) == 7
    assert (results / "posterior-deal-by-june.zarr").is_dir()
    text = str(outputs_of(paths["forecast"]))
    assert "Outside view" in text and "Variable" in text  # the outside-view sentence and the model's table
    # 200 draws do not meet the ESS bar: the report must say so visibly
    assert not row["converged"] and "WARNING: the sampler did not converge" in text


def test_scenarios_notebook_covers_every_question_and_notes_the_clipped_date(mini_outputs):
    paths, results = mini_outputs
    data = read_json(results / "side_by_side.json")
    assert data["table"] == "side_by_side"
    rows = {r["question_id"]: r for r in data["rows"]}
    assert set(rows) == {"deal-by-june", "clash-by-december"}
    assert rows["deal-by-june"]["as_of"] == "2020-02-01"
    assert rows["clash-by-december"]["as_of"] == "2020-03-01"  # opens later: clipped
    text = str(outputs_of(paths["scenarios"]))
    assert "as_of 2020-02-01 is outside the window of &#x27;clash-by-december&#x27;" in text
    # side by side, scenario bars (empty: the mini pack has no links.yaml), a tornado per question
    assert png_count(paths["scenarios"]) == 4
    assert read_json(results / "scenarios.json")["rows"] == []
    assert {r["question_id"] for r in read_json(results / "sensitivity.json")["rows"]} == set(rows)


def test_bad_parameter_stops_in_the_check_cell_with_a_clear_message(notebook_env, tmp_path):
    with pytest.raises(PapermillExecutionError) as info:
        execute("forecast", tmp_path, pack=str(MINI), question="deal-by-june", as_of="2019-01-01", draws=DRAWS)
    assert info.value.ename == "ParameterError"
    assert "parameter 'as_of': got '2019-01-01'" in info.value.evalue
    assert "2020-01-10 to 2020-06-01" in info.value.evalue
    nb = read_json(tmp_path / "forecast.ipynb")
    failed = [c for c in nb["cells"] if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1 and "check_params(" in "".join(failed[0]["source"])


# --- the papermill command line, from the repo root ------------------------------------------


def papermill_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "papermill"), *args, "--no-progress-bar"], capture_output=True, text=True, cwd=ROOT, timeout=600
    )


def test_papermill_cli_coerces_an_id_to_int_and_the_notebook_says_how_to_fix_it(notebook_env, tmp_path):
    out = tmp_path / "out.ipynb"
    result = papermill_cli(
        "notebooks/forecast.ipynb", str(out), "-p", "pack", "tests/fixtures/mini", "-p", "question", "007"
    )
    assert result.returncode != 0
    assert "parameter 'question': got 7 (int)" in result.stderr
    assert "-r NAME VALUE" in result.stderr
    assert out.is_file()  # papermill keeps the partial notebook


def test_papermill_cli_with_a_yaml_parameters_file_and_relative_paths(notebook_env, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text(
        f"pack: tests/fixtures/mini\nquestion: clash-by-december\nas_of: 2020-04-01\n"
        f"draws: {DRAWS}\nlearn_from_cases: no\nout_dir: {tmp_path / 'res'}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.ipynb"
    result = papermill_cli("notebooks/forecast.ipynb", str(out), "-f", str(params))
    assert result.returncode == 0, result.stderr[-2000:]
    (row,) = read_json(tmp_path / "res" / "forecast-clash-by-december.json")["rows"]
    assert row["as_of"] == "2020-04-01"
    assert read_json(tmp_path / "res" / "forecast-clash-by-december.json")["parameters"]["learn_from_cases"] is False


# --- the seed pack ----------------------------------------------------------------------------


def test_forecast_notebook_on_the_seed_pack_with_its_default_pack(notebook_env, tmp_path):
    from foresight import load_pack

    question = next(iter(load_pack(SEED).questions))
    output = execute("forecast", tmp_path, question=question, draws=DRAWS, out_dir=str(tmp_path / "res"))
    (row,) = read_json(tmp_path / "res" / f"forecast-{question}.json")["rows"]
    assert row["question_id"] == question and 0 < row["mean"] < 1
    # outside view over the window, waterfall, distribution, tornado; for a resolved question the waterfall and
    # tornado at its last step before resolution; ArviZ's prior-vs-posterior and rank plots when it learns by MCMC
    from foresight import forecast
    from foresight.evaluate.history import last_step_before_resolution

    pack = load_pack(SEED)
    f = forecast(pack, question, draws=DRAWS)
    expected = 4 + (2 if last_step_before_resolution(pack, f.question) else 0)
    expected += (2 if f.diagnostics.is_mcmc else 1) if f.spec.learns_from_cases else 0  # no rank plot without chains
    assert png_count(output) == expected

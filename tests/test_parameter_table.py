"""The one parameter table: every notebook's parameters cell says what the table says, and the forms that
derive from it (model options, what `foresight run` sets, the checks) agree with it."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from foresight.model.options import ModelOptions
from foresight.run.parameters import (
    NOT_PER_NOTEBOOK,
    NOTEBOOKS,
    OPTION_PARAMS,
    PARAMETERS,
    RUNNER_PARAMETERS,
    check_value,
    parameters_for,
)
from foresight.run.params import ParameterError, check_params
from nbhelpers import MINI

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
SUITE = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb") if not p.name.startswith(("_", ".")))


def cell_problems(path: Path) -> list[str]:
    """How ``path``'s parameters cell differs from the table: names and their order, type hints, defaults
    and comments, one line each."""
    cell = pm.inspect_notebook(str(path))
    table = parameters_for(path.stem)
    names, wanted = list(cell), [p.name for p in table]
    if names != wanted:
        return [f"{path.name}: parameters {names}; the table lists {wanted}"]
    problems = []
    for p in table:
        info = cell[p.name]
        if info["inferred_type_name"] != p.type:
            problems.append(f"{path.name}: {p.name}: type {info['inferred_type_name']}; the table says {p.type}")
        if ast.literal_eval(info["default"]) != p.default:
            problems.append(f"{path.name}: {p.name}: default {info['default']}; the table says {p.default_text}")
        if info["help"] != p.help_for(path.stem):
            problems.append(
                f"{path.name}: {p.name}: comment {info['help']!r}; the table says {p.help_for(path.stem)!r}"
            )
    return problems


def test_the_table_knows_every_notebook_of_the_suite():
    assert sorted(p.stem for p in SUITE) == list(NOTEBOOKS)


@pytest.mark.parametrize("path", SUITE, ids=lambda p: p.name)
def test_each_parameters_cell_is_the_tables(path):
    assert cell_problems(path) == []


@pytest.mark.parametrize(
    "edit, expected",
    [
        (("seed: int = 1", "seed: int = 2"), "forecast.ipynb: seed: default 2; the table says 1"),
        (("# random seed:", "# seed:"), "forecast.ipynb: seed: comment"),
        (("seed: int = 1", "seed: float = 1"), "forecast.ipynb: seed: type float; the table says int"),
        (("seed: int = 1", "sed: int = 1"), "forecast.ipynb: parameters ["),
    ],
)
def test_a_cell_that_drifts_from_the_table_is_caught(tmp_path, edit, expected):
    nb = nbformat.read(NOTEBOOK_DIR / "forecast.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert cell.source.count(edit[0]) == 1
    cell.source = cell.source.replace(*edit)
    nbformat.write(nb, tmp_path / "forecast.ipynb")
    problems = cell_problems(tmp_path / "forecast.ipynb")
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_model_options_are_modeloptions_fields_with_the_librarys_defaults():
    library = ModelOptions()
    assert OPTION_PARAMS and set(OPTION_PARAMS) <= set(ModelOptions.names())
    for name in OPTION_PARAMS:
        default = PARAMETERS[name].default
        assert default is None or default == getattr(library, name), name
    # None (the notebooks' "the library's default") comes back as the library's value
    assert check_params({name: PARAMETERS[name].default for name in OPTION_PARAMS}).options == library


def test_what_foresight_run_sets_comes_from_the_table():
    assert set(NOT_PER_NOTEBOOK) <= set(RUNNER_PARAMETERS) <= set(PARAMETERS)
    assert {"as_of", "draws", "seed"} <= set(RUNNER_PARAMETERS) - set(NOT_PER_NOTEBOOK)
    assert "lr_width_scale" not in RUNNER_PARAMETERS


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_each_notebooks_defaults_pass_its_checks(notebook):
    """A notebook run as it is (the table's defaults, on the seed pack) gets past its first cell."""
    values = {p.name: p.default for p in parameters_for(notebook)}
    p = check_params(values, notebook=notebook)
    assert set(p.values) == set(values)
    assert json.dumps(p.as_dict())  # what result files record is plain JSON


def test_a_notebook_passes_its_namespace_and_only_its_parameters_are_read():
    namespace = {"pack": str(MINI), "as_of": "2020-02-01", "out_dir": None, "display": print, "seed": "not read"}
    p = check_params(namespace, notebook="evidence")
    assert set(p.values) == {"pack", "as_of", "out_dir"} and p.seed is None and p.overrides == {}
    with pytest.raises(TypeError, match="notebook evidence: no value for as_of"):
        check_params({"pack": str(MINI), "out_dir": None}, notebook="evidence")
    with pytest.raises(ValueError, match="no notebook 'forcast' in the parameter table"):
        check_params(namespace, notebook="forcast")
    with pytest.raises(TypeError, match="unknown parameter"):
        check_params(drawz=200)


def test_checking_ahead_of_a_run_makes_no_folder(tmp_path):
    assert check_params(out_dir=str(tmp_path / "later"), ahead=True).out_dir == tmp_path / "later"
    assert not (tmp_path / "later").exists()
    check_params(out_dir=str(tmp_path / "now"))
    assert (tmp_path / "now").is_dir()


def test_the_ingest_notebooks_own_parameters_are_checked_by_the_table():
    assert check_params(document=" doc-a ", min_score="0.7").values == {"document": "doc-a", "min_score": 0.7}
    with pytest.raises(ParameterError, match=r"parameter 'min_score': got 2 \(int\); expected a confidence"):
        check_params(min_score=2)
    with pytest.raises(ParameterError, match="parameter 'document': got 7 .*document id.*-r NAME VALUE"):
        check_params(document=7)


def test_a_command_line_option_that_sets_a_parameter_gets_the_tables_check():
    assert check_value("seed", "3") == 3 and check_value("today", "2020-07-01").isoformat() == "2020-07-01"
    with pytest.raises(ParameterError, match=r"parameter 'draws': got 50 \(int\); expected the number of posterior"):
        check_value("draws", 50)


def test_tune_reaches_the_model_options_and_a_bad_value_names_it():
    assert check_params(tune="2500").options.tune == 2500
    assert check_params(tune=None).options == ModelOptions()
    with pytest.raises(ParameterError, match=r"parameter 'tune': got -5 \(int\); expected NUTS tuning steps per chain"):
        check_params(tune=-5)

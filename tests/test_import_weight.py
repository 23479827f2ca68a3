"""Commands that only read packs or run folders stay light (issue 16): `foresight validate`, `lint` and
`runs` never import the model stack, and the SciPy- and PreliZ-free arithmetic validate uses for its
outside-view warnings gives the same answers as SciPy and PreliZ. A command that stops at a wrong path
or option (issue 30) imports none of the heavy libraries, not even pydantic's pack schema or papermill.

Which modules a command loads is checked in a fresh interpreter (never timed: bench/validate_speed.py
prints the seconds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from foresight import load_pack
from foresight.model import lightmath
from foresight.model.outside import extreme_base_rates, outside_view_warnings
from foresight.pack import yamlio

ROOT = Path(__file__).resolve().parents[1]
PACKS = sorted(p for p in (ROOT / "scenarios").iterdir() if (p / "pack.yaml").is_file())
SEED = ROOT / "scenarios" / "us-china-korea-2017-2019"
MODEL_STACK = ("pymc", "pytensor", "arviz", "arviz_base", "arviz_stats", "preliz", "xarray", "numba", "matplotlib")
HEAVY = (*MODEL_STACK, "scipy", "pandas")

PROBE = r"""
import contextlib, io, json, sys
from foresight.run.cli import main
out, err = io.StringIO(), io.StringIO()
commands = json.loads(sys.argv[1])
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    codes = [main(args) for args in commands]
print(json.dumps({"codes": codes, "modules": sorted(m.split(".")[0] for m in sys.modules), "err": err.getvalue()}))
"""


def loaded_by_each(*commands: list[str]) -> tuple[list[int], set[str]]:
    """(exit code of each, top-level modules imported by them all) after `foresight ARGS` for each ARGS in
    turn, in one fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(commands))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return found["codes"], set(found["modules"])


def loaded_by(*args: str) -> tuple[int, set[str]]:
    """(exit code, top-level modules imported) after `foresight ARGS` in a fresh interpreter."""
    (code,), modules = loaded_by_each(list(args))
    return code, modules


def test_validate_imports_no_model_stack_scipy_or_pandas():
    """Every shipped pack in turn, in one interpreter: whatever features a pack uses, validating it imports
    nothing heavy (one interpreter for all keeps the test's cost from growing with the library)."""
    codes, modules = loaded_by_each(*(["validate", str(pack)] for pack in PACKS))
    assert codes == [0] * len(PACKS)
    assert not modules & set(HEAVY), f"validating the packs imported {sorted(modules & set(HEAVY))}"


def test_lint_imports_no_model_stack_scipy_or_pandas():
    code, modules = loaded_by("lint", str(SEED))
    assert code in (0, 1)
    assert not modules & set(HEAVY), f"lint imported {sorted(modules & set(HEAVY))}"


def test_runs_imports_no_model_stack(tmp_path):
    code, modules = loaded_by("runs", "--runs-dir", str(tmp_path))
    assert code == 0
    assert not modules & set(MODEL_STACK), f"runs imported {sorted(modules & set(MODEL_STACK))}"


NOT_FOR_AN_ERROR = (*HEAVY, "pydantic", "papermill", "nbformat", "IPython")


@pytest.mark.parametrize(
    "args",
    [
        ["run", "no/such/pack"],
        ["run", str(SEED), "--runs-dir", str(SEED / "pack.yaml")],
        ["run", str(SEED), "--jobs", "0"],
        ["run", str(SEED), "--draws", "5"],
        ["run", str(SEED), "--seed", "-1"],
        ["sweep", "grid.yaml", "--runs-dir", str(SEED / "pack.yaml")],
        ["sweep", "no/such/grid.yaml"],
        ["validate", "no/such/pack"],
        ["lint", "no/such/pack"],
        ["runs", "--runs-dir", "no/such/folder"],
        ["diff", "no-such-run", "nor-this-one"],
    ],
    ids=lambda a: " ".join(x for x in a if not x.startswith("/")),
)
def test_an_error_exit_imports_nothing_heavy(args):
    """The options and paths are checked before the heavy imports (bench/cli_error_speed.py prints the seconds)."""
    code, modules = loaded_by(*args)
    assert code == 2
    assert not modules & set(NOT_FOR_AN_ERROR), (
        f"foresight {' '.join(args)} imported {sorted(modules & set(NOT_FOR_AN_ERROR))}"
    )


def test_the_dask_executor_loads_no_dask_until_a_scheduler_is_asked_for():
    """Importing the cluster executor, the runner and the CLI costs nothing; Dask loads in `connect` only."""
    code = "import sys, foresight.run.cluster, foresight.run.cli, foresight.run.cli_library, foresight.run.runner, "
    code += "foresight.run.sweep; "
    code += "print(sorted(m for m in ('dask', 'distributed', 'tornado') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


# --- the arithmetic validate uses instead of SciPy and PreliZ --------------------------------------


@pytest.mark.parametrize(
    "pack",
    # the seed pack in `make test`; every other shipped pack in the slow set (each takes seconds)
    [pytest.param(p, marks=() if p.name == "us-china-korea-2017-2019" else pytest.mark.slow) for p in PACKS],
    ids=lambda p: p.name,
)
def test_validate_warnings_are_those_of_preliz_and_scipy(pack):
    loaded = load_pack(pack)
    assert outside_view_warnings(loaded) == outside_view_warnings(loaded, quick=False)
    assert extreme_base_rates(loaded) == extreme_base_rates(loaded, quick=False)


def test_disagreement_warnings_with_analyst_priors_are_those_of_preliz():
    """The Iran pack has priors that disagree with their classes: the printed summaries must match."""
    loaded = load_pack(ROOT / "scenarios" / "iran-nuclear-talks-2013-2015")

    def with_priors(warnings):
        return [w for w in warnings if w.code == "classes-disagree" and "prior 'analyst'" in w.message]

    quick = with_priors(outside_view_warnings(loaded))
    assert quick and quick == with_priors(outside_view_warnings(loaded, quick=False))


INTERVALS = [
    *((lo, round(lo + w, 2)) for lo in (0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8) for w in (0.05, 0.15, 0.3, 0.5)),
    (0.01, 0.99),
    (0.05, 0.95),  # exactly 90% wide: the uniform
    (0.02, 0.92),
    (0.001, 0.2),
]
INTERVALS = [(lo, hi) for lo, hi in INTERVALS if hi < 0.99 or (lo, hi) == (0.01, 0.99)]


def _summary(a: float, b: float) -> np.ndarray:
    """What a warning prints of a prior: mean and 90% interval of its draws (as outside.source_summary)."""
    draws = np.random.default_rng(0).beta(a, b, size=4000)
    return np.array([draws.mean(), *np.quantile(draws, [0.05, 0.95])])


@pytest.mark.parametrize(("lo", "hi"), INTERVALS)
def test_maxent_beta_is_preliz_maxent(lo, hi):
    """PreliZ stops its optimiser at a tolerance (about 0.5% per parameter on narrow intervals), so the
    two agree closely rather than bit for bit: the Beta within 1% per parameter, what a warning prints
    (two decimals) within 0.002, and ours holds exactly 90%."""
    import preliz as pz

    dist = pz.Beta()
    pz.maxent(dist, lo, hi, 0.9, plot=False)
    a, b = lightmath.maxent_beta(lo, hi)
    assert a == pytest.approx(dist.alpha, rel=0.01) and b == pytest.approx(dist.beta, rel=0.01)
    assert lightmath.betainc(a, b, hi) - lightmath.betainc(a, b, lo) == pytest.approx(0.9, abs=1e-9)
    if max(abs(dist.alpha - 1), abs(dist.beta - 1)) < 1e-5:
        # The uniform: NumPy draws Beta(a, b) by one algorithm when both are at most 1, by another
        # otherwise, and PreliZ stops on either side of 1 by chance; ours is exactly Beta(1, 1).
        assert (a, b) == (1.0, 1.0)
        return
    assert np.abs(_summary(a, b) - _summary(dist.alpha, dist.beta)).max() < 0.002


def test_special_functions_match_scipy():
    from scipy import special

    u = np.concatenate([np.random.default_rng(0).random(2000), [0.0, 1e-12, 0.5, 1 - 1e-12]])
    for shape in (0.5, 0.8, 1.0, 1.7, 4.2, 12.5, 75.0):
        np.testing.assert_allclose(lightmath.gammaincinv(shape, u), special.gammaincinv(shape, u), rtol=1e-11)
    for a, b, x in [(0.5, 0.5, 0.3), (3.7, 10.0, 0.08), (3.7, 10.0, 0.45), (60.0, 40.0, 0.61), (0.3, 2.0, 0.95)]:
        assert lightmath.betainc(a, b, x) == pytest.approx(special.betainc(a, b, x), rel=1e-12, abs=1e-15)
    for x in (0.05, 0.5, 1.0, 3.3, 9.9, 10.0, 250.0):
        assert lightmath.digamma(x) == pytest.approx(special.digamma(x), rel=1e-13, abs=1e-14)


# --- YAML: libyaml when it can, the pure-Python parser's answers always -----------------------------


def _pure(path: Path, text: str):
    saved = list(yamlio.LOADERS)
    yamlio.LOADERS[:] = saved[:1]
    try:
        return yamlio._parse(path, text)
    except yamlio.YamlSyntaxError as exc:
        return ("error", exc.line, exc.message)
    finally:
        yamlio.LOADERS[:] = saved


def _default(path: Path, text: str):
    try:
        return yamlio._parse(path, text)
    except yamlio.YamlSyntaxError as exc:
        return ("error", exc.line, exc.message)


@pytest.mark.skipif(len(yamlio.LOADERS) < 2, reason="PyYAML built without libyaml")
def test_every_yaml_file_reads_the_same_with_libyaml():
    files = sorted({*ROOT.glob("scenarios/**/*.yaml"), *ROOT.glob("tests/**/*.yaml")})
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert yamlio._parse_fast(text) is not None, path  # the fast path is taken
        assert _default(path, text) == _pure(path, text), path


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\n",  # an alias: refused with the pure parser's message and line
        "a: 1\nb: 2\na: 3\n",  # a duplicate key
        "a: !!python/object:os.system x\n",  # a tag
        "a: [1, 2\nb: 3\n",  # broken flow
        "a: 1\n\tb: 2\n",  # a tab
        "a: 2020-13-01\nb: 1e3\nc: yes\nd: ~\n",  # kept as text, a string, a boolean, null
        "a: " + "[" * 1200 + "]" * 1200 + "\n",  # deeper than libyaml may recurse: the pure parser decides
        "",
        "- x\n- {k: v}\n- |\n  block\n  text\n",
    ],
)
def test_libyaml_and_pure_parser_agree_on_awkward_text(text, tmp_path):
    path = tmp_path / "x.yaml"
    assert _default(path, text) == _pure(path, text)


# --- a forecast report that only renders never imports PyMC --------------------------------------

RENDER_PROBE = r"""
import json, sys
import matplotlib
matplotlib.use("agg")
import nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
namespace = {"display": lambda *a, **k: None}
for cell in nb.cells:
    if cell.cell_type == "code":
        exec(cell.source, namespace)
        if "parameters" in cell.metadata.get("tags", []):
            namespace.update(question=sys.argv[2], draws=400)
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""


def test_forecast_notebook_of_a_learning_question_imports_no_pymc(tmp_path):
    """Every cell of notebooks/forecast.ipynb, for a question whose model learns from coded cases and with an
    empty posterior cache, runs without importing PyMC or PyTensor (the default inference is numpy, and the
    model structure is read from the spec): a re-run does not pay their import."""
    env = {**os.environ, "FORESIGHT_CACHE_DIR": str(tmp_path / "cache"), "MPLBACKEND": "agg"}
    result = subprocess.run(
        [sys.executable, "-c", RENDER_PROBE, str(ROOT / "notebooks" / "forecast.ipynb"), "su-meet-by-2019-01-01"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    modules = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "foresight" in modules
    assert not modules & {"pymc", "pytensor"}, (
        f"the forecast notebook imported {sorted(modules & {'pymc', 'pytensor'})}"
    )


@pytest.mark.parametrize(
    "qid, learn",
    [("su-meet-by-2019-01-01", True), ("st-strike-by-2019-01-01", True), ("td-signed-by-2019-07-01", False)],
)
def test_model_structure_table_names_the_pymc_models_variables(qid, learn):
    """The table read from the spec shows exactly the variables PyMC's model of that spec has."""
    from foresight.model.options import ModelOptions
    from foresight.model.spec import build_pymc_model, model_spec
    from foresight.report.texts import structure_text

    pack = load_pack(SEED)
    spec = model_spec(pack, pack.questions[qid], ModelOptions(learn_from_cases=learn))
    assert spec.learns_from_cases == learn and not spec.is_mixture
    text = structure_text(spec)
    model = build_pymc_model(spec)
    names = {v.name for v in (*model.free_RVs, *model.potentials, *model.data_vars)}
    shown = {line.split()[0] for line in text.splitlines() if len(line.split()) > 1 and line.split()[1] in ("~", "=")}
    assert shown == names
    assert f"parameters: {1 + spec.n_indicators}" in text
    assert all(ind in text for ind in spec.indicators)

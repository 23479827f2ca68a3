"""The one table of notebook parameters: each parameter once, with its default, check, help and where it applies.

Every other form derives from :data:`PARAMETERS`: the notebooks' ``parameters``
cells are held to it by a test (names, order, type hints, defaults and comments),
:func:`foresight.run.params.check_params` checks a notebook's values through the
records' checks in table order, ``Params`` reads its fields from it, and the
runner, the sweep and the reference documentation ask it which parameters are
model options, which ``foresight run`` sets itself and which a sweep may vary.
A new parameter is one :class:`Parameter` here plus a line in the parameters cell
of each notebook named in its ``notebooks``.

This module imports nothing heavy (the checks import :mod:`foresight.run.params`
when they first run), so the command line and the documentation build can read
the table without loading the model.

For documentation::

    for p in parameters_for("forecast"):
        print(p.name, p.type, p.default_text, p.help_for("forecast"), p.model_option, p.sweepable)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from foresight.model.options import ModelOptions

_MODEL = ModelOptions()


@dataclass
class Seen:
    """What one check of a notebook's values has seen so far, for checks that depend on earlier parameters.

    ``given`` holds every value as it came in, ``checked`` the values already checked (in table order),
    ``notes`` what the reader should be told (a date moved into a window, a default chosen).
    ``ahead`` means the values are checked before a run starts: nothing the notebook would make (its
    ``out_dir``) is made yet. ``notebook``: the notebook checking its own values, when known."""

    given: Mapping[str, Any]
    checked: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    ahead: bool = False
    notebook: str | None = None


Check = Callable[[Any, Seen], Any]
"""A parameter's check: the value as given and what was seen before it -> the value converted for use;
raises :class:`foresight.run.params.ParameterError` naming the parameter and what is allowed."""


@dataclass(frozen=True)
class Parameter:
    """One notebook parameter.

    - ``type`` and ``default`` are written in each notebook's parameters cell exactly as here
      (``default`` as a Python literal; None means the library's or the notebook's own choice);
    - ``help`` is the cell's comment, and what reference pages show; ``help_in`` overrides it for
      notebooks where the parameter means something narrower (e.g. what ``out_dir`` receives);
    - ``notebooks`` are the notebooks (by name, in notebooks/) whose parameters cell defines it;
    - ``model_option``: a :class:`~foresight.model.options.ModelOptions` field of the same name, passed
      on in ``Params.options``;
    - ``sweepable``: a sweep grid may give it (False: the sweep sets it for each run itself);
    - ``run_sets``: ``foresight run`` passes it itself (from ``--as-of``, ``--draws``..., or always), so
      ``--param NAME=VALUE`` is refused; ``per_notebook``: ``--param NOTEBOOK.NAME=VALUE`` may still set it;
    - ``recorded``: shown among the parameters in effect and written into result files;
    - ``unset``: the value ``Params`` holds when a notebook does not have the parameter.
    """

    name: str
    type: str
    default: Any
    check: Check
    help: str
    notebooks: tuple[str, ...]
    model_option: bool = False
    sweepable: bool = True
    run_sets: bool = False
    per_notebook: bool = True
    recorded: bool = True
    unset: Any = None
    help_in: Mapping[str, str] = field(default_factory=dict)

    def help_for(self, notebook: str) -> str:
        """The comment this parameter carries in ``notebook``'s parameters cell."""
        return self.help_in.get(notebook, self.help)

    @property
    def default_text(self) -> str:
        """The default as the parameters cell writes it: a Python literal, text in double quotes."""
        return json.dumps(self.default) if isinstance(self.default, str) else repr(self.default)


# --- checks ----------------------------------------------------------------------------------------
# Each takes (value, seen) and returns the value ready to use; they import the single-value checks of
# foresight.run.params on first use (that module loads the model).


def _flag(name: str) -> Check:
    def check(value: Any, seen: Seen) -> bool:
        from foresight.run.params import check_bool

        return check_bool(name, value)

    return check


def _pack(value: Any, seen: Seen):
    from foresight.run.params import check_pack

    return check_pack(value)[0]


def _needs_pack(name: str, value: Any, seen: Seen):
    from foresight.run.params import ParameterError

    pack = seen.checked.get("pack")
    if pack is None:
        raise ParameterError(name, value, "cannot be checked without a 'pack' parameter")
    return pack


def _question(value: Any, seen: Seen):
    from foresight.run.params import check_question

    pack = _needs_pack("question", value, seen)
    if seen.notebook == "outcomes":  # there: one options or date question, or (None) every one
        from foresight.run.params import check_typed_question

        return check_typed_question(pack, value)
    q = check_question(pack, value)
    if value is None:
        seen.notes.append(f"no question given: showing the pack's first question, '{q.id}'")
    return q


def _as_of(value: Any, seen: Seen) -> dt.date | None:
    """None: today while the question is open, else the day it opened (:func:`report_as_of`); for the joint
    model (the notebook has ``scenario_questions``) the pack's own date. ``clip_to_window`` moves a date
    outside the question's window to its nearest end, with a note; without it such a date stops here."""
    from foresight.model import batch
    from foresight.model.forecasting import check_in_window, pack_as_of
    from foresight.run.params import ParameterError, check_bool, check_date, report_as_of

    when = None if value is None else check_date("as_of", value)
    q, pack = seen.checked.get("question"), seen.checked.get("pack")
    if q is not None:
        clip = check_bool("clip_to_window", seen.given.get("clip_to_window", False))
        if when is None:
            return report_as_of(q)
        if clip and not q.opens <= when <= q.closes:
            when, note = batch.clip_to_window(q, when)
            seen.notes.append(note)
            return when
        try:
            check_in_window(q, when)
        except ValueError:
            raise ParameterError(
                "as_of", value, f"expected a date in the window of question '{q.id}': {q.opens} to {q.closes}"
            ) from None
    elif when is None and pack is not None and "scenario_questions" in seen.given:
        # The joint model (scenarios notebook) needs one date: None there is the pack's own date, as in
        # joint_forecast. Elsewhere (the evidence overview) None keeps meaning "all evidence".
        when = pack_as_of(pack)
        source = "its default_as_of" if pack.meta.default_as_of else "the date of its latest document"
        seen.notes.append(f"no as_of given: the pack's own date, {when} ({source})")
    return when


def _extra_dates(value: Any, seen: Seen):
    from foresight.run.params import check_extra_dates

    return check_extra_dates(seen.checked.get("question"), value)


def _scenario_questions(value: Any, seen: Seen):
    from foresight.run.params import check_scenario_questions

    return check_scenario_questions(seen.checked.get("pack"), value, seen.checked.get("as_of"))


def _today(value: Any, seen: Seen) -> dt.date:
    from foresight.run.params import check_date

    return dt.date.today() if value is None else check_date("today", value)


def _document(value: Any, seen: Seen) -> str | None:
    from foresight.run.params import RAW_HINT, ParameterError

    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return value.strip()
    hint = RAW_HINT if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    raise ParameterError("document", value, "expected a document id (text), or None for the latest proposals", hint)


def _min_score(value: Any, seen: Seen) -> float:
    from foresight.run.params import check_float

    return check_float("min_score", value, 0.0, 1.0, "a confidence")


def _seed(value: Any, seen: Seen) -> int:
    from foresight.run.params import check_int

    return check_int("seed", value, 0, 2**32 - 1, "a random seed")


def _draws(value: Any, seen: Seen) -> int:
    from foresight.run.params import MAX_DRAWS, MIN_DRAWS, check_int

    if value is None:
        return _MODEL.draws
    return check_int("draws", value, MIN_DRAWS, MAX_DRAWS, "the number of posterior draws")


def _tune(value: Any, seen: Seen) -> int:
    from foresight.run.params import check_int

    return _MODEL.tune if value is None else check_int("tune", value, 0, 100_000, "NUTS tuning steps per chain")


def _lr_width_scale(value: Any, seen: Seen) -> float:
    from foresight.run.params import MAX_WIDTH_SCALE, check_float

    return check_float(
        "lr_width_scale", value, 0.0, MAX_WIDTH_SCALE, "a factor on every likelihood-ratio interval's width"
    )


def _inference(value: Any, seen: Seen) -> str:
    from foresight.run.params import check_inference

    return _MODEL.inference if value is None else check_inference(value)


def _overrides(value: Any, seen: Seen) -> dict[str, Any]:
    from foresight.model.evidence import check_overrides
    from foresight.run.params import ParameterError, parse_overrides

    parsed = parse_overrides(value)
    pack = seen.checked.get("pack")
    if parsed and pack is not None:
        try:
            check_overrides(pack, parsed)
        except ValueError as exc:
            raise ParameterError("overrides", value, f"{exc}") from None
    return parsed


def _out_dir(value: Any, seen: Seen):
    from foresight.run.params import check_out_dir

    return None if value is None else check_out_dir(value, make=not seen.ahead)


# --- the table ---------------------------------------------------------------------------------------

_ONE_QUESTION = ("forecast", "history")
_MODELLED = ("backtest", "forecast", "history", "ingest", "outcomes", "scenarios")
_TABLE = (
    Parameter(
        "pack",
        "str",
        "scenarios/us-china-korea-2017-2019",
        _pack,
        "scenario pack folder; a relative path is looked up in the working directory, then the repo root",
        ("backtest", "evidence", "forecast", "history", "ingest", "outcomes", "scenarios"),
        run_sets=True,
        per_notebook=False,
    ),
    Parameter(
        "question",
        "Optional[str]",
        None,
        _question,
        "question id of the pack; None means the pack's first question",
        (*_ONE_QUESTION, "outcomes"),
        run_sets=True,
        per_notebook=False,
        help_in={
            "outcomes": "an options or date question id of the pack; None shows every one (foresight run runs "
            "this notebook once)"
        },
    ),
    Parameter(
        "as_of",
        "Optional[str]",
        None,
        _as_of,
        "YYYY-MM-DD; None means today while the question is open, else the day it opened",
        ("evidence", "forecast", "scenarios"),
        run_sets=True,
        help_in={
            "evidence": "YYYY-MM-DD: mark which evidence stands at this date; None means all evidence",
            "scenarios": "YYYY-MM-DD: the joint model takes every question still open on or after it (each "
            "clipped to its window); None means the pack's own date (default_as_of in pack.yaml, else its "
            "latest document)",
        },
    ),
    Parameter(
        "clip_to_window",
        "bool",
        False,
        _flag("clip_to_window"),
        "True: an as_of outside the question's window moves to its nearest end (noted)",
        ("forecast",),
        run_sets=True,
        per_notebook=False,
        recorded=False,  # the note says what moved
    ),
    Parameter(
        "extra_dates",
        "Union[str, list, None]",
        None,
        _extra_dates,
        "more dates to forecast on, inside the question's window: a list of YYYY-MM-DD or one text "
        "'2019-03-01,2019-04-15'",
        ("history",),
    ),
    Parameter(
        "scenario_questions",
        "Union[list, str, None]",
        None,
        _scenario_questions,
        "2 to 5 question ids to combine (list, or text separated by commas); None: the ids of the pack's first "
        "named scenario",
        ("scenarios",),
    ),
    Parameter(
        "today",
        "Optional[str]",
        None,
        _today,
        "YYYY-MM-DD: score only questions resolved by this day; None means the real today",
        ("backtest",),
    ),
    Parameter(
        "document",
        "Optional[str]",
        None,
        _document,
        "document id whose proposals to review; None: the most recent proposals file",
        ("ingest",),
    ),
    Parameter(
        "min_score",
        "float",
        0.5,
        _min_score,
        "the chart accepts what --all-above would: pending, direction certain, confidence at least this (0 to 1)",
        ("ingest",),
    ),
    Parameter(
        "seed",
        "int",
        _MODEL.seed,
        _seed,
        "random seed: the same pack, parameters and seed give the same numbers",
        _MODELLED,
        model_option=True,
        run_sets=True,
    ),
    Parameter(
        "draws",
        "Optional[int]",
        None,
        _draws,
        "posterior draws in total (at least 100; 200 for a quick look); None means the library's default",
        _MODELLED,
        model_option=True,
        run_sets=True,
    ),
    Parameter(
        "tune",
        "Optional[int]",
        None,
        _tune,
        "NUTS tuning steps per chain before the kept draws (more when it reports divergences or r_hat above "
        "1.01); None means the library's default",
        ("backtest", "forecast", "history", "scenarios"),
        model_option=True,
    ),
    Parameter(
        "learn_from_cases",
        "bool",
        _MODEL.learn_from_cases,
        _flag("learn_from_cases"),
        "learn indicator weights from reference-class cases coded on them",
        ("forecast", "scenarios"),
        model_option=True,
    ),
    Parameter(
        "discount_groups",
        "bool",
        _MODEL.discount_groups,
        _flag("discount_groups"),
        "discount correlated indicators within a group; False counts each fully",
        ("forecast", "scenarios"),
        model_option=True,
    ),
    Parameter(
        "lr_width_scale",
        "float",
        _MODEL.lr_width_scale,
        _lr_width_scale,
        "multiply the width of every elicited likelihood-ratio interval (sensitivity)",
        ("forecast", "scenarios"),
        model_option=True,
    ),
    Parameter(
        "inference",
        "Optional[str]",
        None,
        _inference,
        '"auto": Laplace + PSIS, NUTS when its check fails; "nuts": always NUTS; None means the library\'s default '
        "(auto)",
        ("backtest", "forecast", "history"),
        model_option=True,
    ),
    Parameter(
        "overrides",
        "Union[str, dict, None]",
        None,
        _overrides,
        'what-if evidence as YAML/JSON, e.g. \'{"ev-id": null, "indicator-id": present}\'',
        ("forecast",),
        unset={},
    ),
    Parameter(
        "calibration",
        "bool",
        True,
        _flag("calibration"),
        "show the forecast recalibrated by the shipped calibration (calibration/calibration.json) beside the raw "
        "one; False: raw only",
        ("forecast",),
    ),
    Parameter(
        "interactive",
        "bool",
        True,
        _flag("interactive"),
        "True: a live what-if panel (JupyterLab); False: a note pointing to its static table (foresight run "
        "passes False)",
        ("forecast", "outcomes", "scenarios"),
        run_sets=True,
        per_notebook=False,
        help_in={
            "outcomes": "True: a live what-if panel for the options and date questions (JupyterLab); False: the static tables "
            "only (foresight run passes False)",
            "scenarios": "True: a live what-if panel (JupyterLab); False: its static table (foresight run passes False)",
        },
    ),
    Parameter(
        "out_dir",
        "Optional[str]",
        None,
        _out_dir,
        "folder for the result files; None writes nothing",
        ("backtest", "evidence", "forecast", "history", "outcomes", "scenarios"),
        sweepable=False,
        run_sets=True,
        per_notebook=False,
        recorded=False,
        help_in={
            "backtest": "folder for the result rows (scores.json); None writes nothing",
            "evidence": "folder for the result file (the indicator x question matrix); None writes nothing",
            "forecast": "folder for the result row (forecast-<question>.json); None writes nothing",
            "history": "folder for the result rows (history-<question>.json); None writes nothing",
            "outcomes": "folder for the result rows (outcomes.json); None writes nothing",
            "scenarios": "folder for the result rows (side_by_side, scenarios, conditionals, sensitivity .json); "
            "None writes nothing",
        },
    ),
)

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _TABLE}
"""Every notebook parameter by name, in the order the parameters cells list them and the checks run."""

NOTEBOOKS: tuple[str, ...] = tuple(sorted({nb for p in _TABLE for nb in p.notebooks}))
"""The notebooks (names in notebooks/) whose parameters the table holds."""

OPTION_PARAMS: tuple[str, ...] = tuple(p.name for p in _TABLE if p.model_option)
"""Parameters that are :class:`~foresight.model.options.ModelOptions` fields."""

RUNNER_PARAMETERS: tuple[str, ...] = tuple(p.name for p in _TABLE if p.run_sets)
"""Parameters ``foresight run`` passes itself (refused as ``--param NAME``)."""

NOT_PER_NOTEBOOK: tuple[str, ...] = tuple(p.name for p in _TABLE if not p.per_notebook)
"""Parameters ``foresight run`` sets for every notebook, even with ``--param NOTEBOOK.NAME``."""


def parameters_for(notebook: str) -> list[Parameter]:
    """The parameters ``notebook`` (a name in notebooks/, e.g. ``forecast``) defines, in table order;
    ValueError for a notebook the table does not know."""
    if notebook not in NOTEBOOKS:
        raise ValueError(f"no notebook {notebook!r} in the parameter table; notebooks: {', '.join(NOTEBOOKS)}")
    return [p for p in _TABLE if notebook in p.notebooks]


def check_value(name: str, value: Any) -> Any:
    """One parameter's value through the table's check, on its own: for a command-line option that sets a
    notebook parameter (``--draws``, ``--seed``), so the option and the notebooks allow the same values."""
    return PARAMETERS[name].check(value, Seen({name: value}))

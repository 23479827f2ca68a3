"""Check the parameters a notebook received, and stop with a message that says what to change.

Papermill writes injected values as Python literals after the ``parameters``
cell, converting types on the way: ``-p question 007`` arrives as the int 7,
``-p as_of 20190213`` as an int, a YAML ``yes`` as True. A notebook that used
such values would fail many cells later with an unrelated error, or worse, run
on the wrong thing. So every notebook's first cell after the parameters calls
:func:`notebook_setup` and :func:`check_params`, which returns the values ready to use (the pack
loaded, the date parsed, overrides parsed and checked) or raises a
:class:`ParameterError` naming the parameter, what came in and what is allowed.

Which parameters exist, their defaults and which check each gets are in the one
table, :mod:`foresight.run.parameters`; this module holds the single-value checks
the table's records use, and :class:`Params`, whose fields are the table's.

The same function checks ``foresight run`` options and sweep grids before any
kernel starts, so a bad value costs milliseconds, not a notebook run.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from foresight.base import paths
from foresight.base.processes import guard_forked_children
from foresight.model.options import INFERENCE, ModelOptions
from foresight.pack.problems import PackError, shown
from foresight.run.parameters import OPTION_PARAMS, PARAMETERS, Seen, parameters_for

if TYPE_CHECKING:
    from foresight.pack.loader import Pack
    from foresight.pack.schema import Question

# The pack schema and the model are imported where a check needs them, not here: `foresight run` checks
# --draws and --seed with this module before it loads anything heavy (an error exit answers at once).

MIN_DRAWS = 100
MAX_DRAWS = 1_000_000
MAX_WIDTH_SCALE = 100.0

RAW_HINT = (
    "papermill converts -p values that look like numbers; pass text with -r NAME VALUE "
    "(raw) or quote it in a YAML parameters file"
)


class ParameterError(ValueError):
    """A notebook or command parameter that cannot be used; the message names it, the value and what is allowed."""

    def __init__(self, name: str, value: Any, allowed: str, hint: str | None = None):
        self.name, self.value, self.allowed, self.hint = name, value, allowed, hint
        got = f"{shown(value, 200)} ({type(value).__name__})"
        message = f"parameter '{name}': got {got}; {allowed}"
        if hint:
            message += f". {hint}"
        super().__init__(message)

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback: the reader needs the message, not our call stack."""
        return [f"ParameterError: {self}"]


@dataclass(frozen=True)
class Params:
    """Checked parameters, converted for use: one attribute per parameter of the table
    (:data:`~foresight.run.parameters.PARAMETERS`); a parameter the notebook does not have reads as the
    table's ``unset`` (None, or no overrides)."""

    values: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    given: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name in PARAMETERS:
            return self.values.get(name, PARAMETERS[name].unset)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}; parameters: {', '.join(PARAMETERS)}")

    @property
    def pack_dir(self) -> Path | None:
        return Path(self.pack.dir) if self.pack is not None else None

    @property
    def question_id(self) -> str | None:
        return self.question.id if self.question is not None and not isinstance(self.question, tuple) else None

    @property
    def typed_questions(self) -> tuple[Question, ...] | None:
        """The outcomes notebook's options and date questions: the one its ``question`` names, else every one."""
        return self.question if isinstance(self.question, tuple) else None

    @property
    def options(self) -> ModelOptions:
        """The model options the notebook passed, on top of the defaults."""
        return ModelOptions.of(None, **{name: self.values.get(name) for name in OPTION_PARAMS})

    def forecast_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`foresight.forecast`: the options, and as_of/overrides when given."""
        out: dict[str, Any] = {"options": self.options}
        if self.as_of is not None:
            out["as_of"] = self.as_of
        if self.overrides:
            out["overrides"] = self.overrides
        return out

    def as_dict(self) -> dict[str, Any]:
        """The parameters in effect, as JSON-friendly values (for result files and run records), in table
        order; values that say nothing (None, no overrides) and those the table does not record are left out."""
        out: dict[str, Any] = {}
        for name, value in self.values.items():
            if PARAMETERS[name].recorded and value is not None and not (isinstance(value, Mapping) and not value):
                out[name] = _plain(value)
        return out

    def calibration_in_use(self):
        """The shipped calibration for this pack and run (None when switched off or absent) and why, in words:
        see :func:`foresight.model.calibration.calibration_in_use`."""
        from foresight.model.calibration import calibration_in_use

        return calibration_in_use(self.calibration is not False, self.pack)

    def _repr_markdown_(self) -> str:
        """How a notebook shows the parameters in effect: a short list, then any notes (e.g. a clipped date).
        Values may hold pack text (a path, an id), so they are escaped like all pack text."""
        from foresight.report import escape

        lines = ["**Parameters in effect**", ""]
        lines += [f"- {escape.md(k)} = {escape.md(str(v))}" for k, v in self.as_dict().items()]
        if self.notes:
            lines += ["", *[f"> **Note:** {escape.md(note)}" for note in self.notes]]
        return "\n".join(lines)

    def __repr__(self) -> str:
        """The plain-text form (a console, a notebook's text/plain output): the same list, no object reprs
        such as the pack's whole record or a PosixPath of a run's hidden work folder."""
        lines = [f"{k} = {v}" for k, v in self.as_dict().items()] + [f"note: {n}" for n in self.notes]
        return "Parameters in effect:\n" + "\n".join(f"  {line}" for line in lines)


def _plain(value: Any) -> Any:
    """A checked value as JSON keeps it: a pack as its folder (relative to the project), a question as its
    id, dates as YYYY-MM-DD, tuples as lists."""
    from foresight.pack.loader import Pack
    from foresight.pack.schema import Question

    if isinstance(value, Pack):
        return paths.relative_to_root(Path(value.dir))
    if isinstance(value, Question):
        return value.id
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


# --- single values ---------------------------------------------------------------


def check_int(name: str, value: Any, lo: int, hi: int, what: str) -> int:
    """An integer in [lo, hi]; integral floats and digit strings are accepted, booleans are not."""
    allowed = f"expected {what}: a whole number from {lo} to {hi}"
    if isinstance(value, bool):
        raise ParameterError(name, value, allowed)
    number: Any = value
    if isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            raise ParameterError(name, value, allowed) from None
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if not isinstance(number, int) or not lo <= number <= hi:
        raise ParameterError(name, value, allowed)
    return number


def check_float(name: str, value: Any, lo: float, hi: float, what: str) -> float:
    """A number in (lo, hi]; numeric strings are accepted (YAML reads ``1e-3`` as text), booleans are not."""
    allowed = f"expected {what}: a number greater than {lo:g} and at most {hi:g}"
    if isinstance(value, bool):
        raise ParameterError(name, value, allowed)
    try:
        number = float(value.strip()) if isinstance(value, str) else value
    except ValueError:
        raise ParameterError(name, value, allowed) from None
    if not isinstance(number, (int, float)) or not lo < float(number) <= hi:
        raise ParameterError(name, value, allowed)
    return float(number)


_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def check_bool(name: str, value: Any) -> bool:
    """True/False, or the words YAML and shells use for them (true/false, yes/no, 1/0, on/off)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ParameterError(name, value, "expected True or False (or true/false, yes/no)")


def check_date(name: str, value: Any) -> dt.date:
    """A date written YYYY-MM-DD (text or a date); numbers are refused with papermill's coercion in mind."""
    allowed = "expected a date written YYYY-MM-DD"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ParameterError(name, value, allowed, RAW_HINT)
    from foresight.model.forecasting import parse_date
    from foresight.pack.schema import FIRST_DATE, LAST_DATE

    try:
        when = parse_date(value, name)
    except ValueError:
        raise ParameterError(name, value, allowed) from None
    if not FIRST_DATE <= when <= LAST_DATE:
        raise ParameterError(
            name, value, f"expected a date from {FIRST_DATE} to {LAST_DATE} (what the tables and plots can show)"
        )
    return when


def check_as_of_in_pack(pack: Pack, question_ids: list[str] | None, value: Any) -> dt.date:
    """``value`` as a date within at least one question's window (of ``question_ids``, default all): one
    ``--as-of`` is moved into each question's window, but a date after (or before) every window would
    forecast nothing anyone asked for."""
    when = check_date("as_of", value)
    questions = [pack.questions[q] for q in question_ids] if question_ids else list(pack.questions.values())
    first, last = min(q.opens for q in questions), max(q.closes for q in questions)
    if not first <= when <= last:
        side = "after" if when > last else "before"
        raise ParameterError(
            "as_of", value, f"expected a date from {first} to {last}: {when} is {side} every question's window"
        )
    return when


def check_inference(value: Any) -> str:
    """How single-question posteriors are drawn: one of :data:`~foresight.model.options.INFERENCE`."""
    allowed = f"expected one of {', '.join(INFERENCE)} (auto: Laplace + PSIS, NUTS when its check fails)"
    if not isinstance(value, str) or value.strip().lower() not in INFERENCE:
        raise ParameterError("inference", value, allowed)
    return value.strip().lower()


LOADED_KEPT = 4
"""Packs :func:`_load_once` keeps per process (a run, a sweep and the tests use a few)."""
_loaded: dict[tuple[Path, str], Pack] = {}


def _load_once(pack_dir: Path) -> Pack:
    """:func:`~foresight.pack.loader.load_pack`, once per content of the folder in this process.

    A kernel that runs a run's notebooks one after another checks the same pack in each (0.1-0.3 s
    of parsing and cross-checks every time); the loaded pack is kept under its folder and the key of
    its files' bytes (:func:`~foresight.pack.snapshot.pack_files`, which reads nothing outside the
    pack), so any edit loads it again. Packs and their records are frozen, so sharing one is safe.
    """
    from foresight.pack.loader import load_pack
    from foresight.pack.snapshot import files_key, pack_files

    try:
        key = (pack_dir, files_key(pack_files(pack_dir)))
    except (OSError, ValueError):  # unreadable or too big to key: load it as it is
        return load_pack(pack_dir)
    if key not in _loaded:
        pack = load_pack(pack_dir)
        while len(_loaded) >= LOADED_KEPT:
            _loaded.pop(next(iter(_loaded)))
        _loaded[key] = pack
    return _loaded[key]


def check_pack(value: Any) -> tuple[Pack, Path]:
    """Find and load the pack folder; a missing folder or an invalid pack stops with every problem listed.

    An already loaded :class:`Pack` is taken as it is (the runner checks every
    notebook's values against the pack it loaded once)."""
    from foresight.pack.loader import Pack

    if isinstance(value, Pack):
        return value, Path(value.dir)
    if not isinstance(value, (str, os.PathLike)) or (isinstance(value, str) and not value.strip()):
        raise ParameterError("pack", value, "expected the path of a scenario pack folder (text)")
    try:
        pack_dir = paths.resolve_existing(value)
    except FileNotFoundError as exc:
        raise ParameterError("pack", value, f"expected an existing scenario pack folder; {exc}") from None
    if not pack_dir.is_dir():
        raise ParameterError("pack", value, f"expected a folder holding pack.yaml; {pack_dir} is a file")
    try:
        return _load_once(pack_dir), pack_dir
    except PackError as exc:
        problems = "\n".join(f"  {pack_dir / p.file}:{p.line}: {p.field}: {p.message}" for p in exc.problems)
        raise ParameterError(
            "pack",
            value,
            f"expected a valid scenario pack; {len(exc.problems)} problem(s) "
            f"(run `foresight validate {pack_dir}`):\n{problems}",
        ) from None


def check_question(pack: Pack, value: Any) -> Question:
    """A question id of ``pack``; None means the pack's first question."""
    ids = ", ".join(pack.questions)
    if value is None:
        return next(iter(pack.questions.values()))
    if not isinstance(value, str):
        hint = RAW_HINT if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        raise ParameterError("question", value, f"expected a question id (text) of pack {pack.meta.id}: {ids}", hint)
    typed = pack.typed_questions.get(value.strip())
    if typed is not None:
        raise ParameterError(
            "question",
            value,
            f"'{typed.id}' is {'an' if typed.type == 'options' else 'a'} {typed.type} question; this notebook shows yes/no questions ({ids})",
            f"notebooks/outcomes.ipynb shows it: -p question {typed.id}",
        )
    if value.strip() not in pack.questions:
        raise ParameterError("question", value, f"expected a question id of pack {pack.meta.id}: {ids}")
    return pack.questions[value.strip()]


def check_typed_question(pack: Pack, value: Any) -> tuple[Question, ...]:
    """The options or date question ``value`` of ``pack`` (the outcomes notebook's ``question``); None means
    every one, in file order."""
    ids = ", ".join(pack.typed_questions) or "(none in this pack)"
    if value is None:
        return tuple(pack.typed_questions.values())
    if not isinstance(value, str) or value.strip() not in pack.typed_questions:
        hint = RAW_HINT if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        raise ParameterError(
            "question", value, f"expected an options or date question id of pack {pack.meta.id}: {ids}", hint
        )
    return (pack.typed_questions[value.strip()],)


def parse_overrides(value: Any) -> dict[str, Any]:
    """What-if overrides from a dict or a YAML/JSON mapping written as text; None or '' means none."""
    allowed = (
        "expected a mapping of evidence or indicator ids to a state ('present', 'absent', a strength in "
        "[0, 1]), {state: .., credibility: ..}, or null to drop, e.g. '{\"ev-id\": null}'"
    )
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    parsed = value
    if isinstance(value, str):
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise ParameterError("overrides", value, f"{allowed}; the text is not YAML/JSON ({exc.problem})") from None
    if parsed is None:
        return {}
    if not isinstance(parsed, Mapping) or not all(isinstance(k, str) for k in parsed):
        raise ParameterError("overrides", value, allowed)
    return dict(parsed)


def report_as_of(question: Question, today: dt.date | None = None) -> dt.date:
    """The date a report forecasts a question as of when none is given: the library's own default,
    :func:`foresight.model.forecasting.natural_as_of` (today while open, else the day it opened)."""
    from foresight.model.forecasting import natural_as_of

    return natural_as_of(question, today)


# --- the notebook's calls ---------------------------------------------------------------


_imports_frozen = False


def freeze_imports_once() -> None:
    """Move what this process holds now (after a notebook's imports) out of the garbage collector's walks,
    once per process: every later automatic collection in the notebook then skips the libraries'
    objects (about 0.3 s of a forecast notebook's 3 s, measured). Objects frozen here that become
    garbage later are still freed by reference counting; only cycles among them would stay."""
    global _imports_frozen
    if not _imports_frozen:
        gc.collect()
        gc.freeze()
        _imports_frozen = True


def notebook_setup() -> None:
    """What a notebook's kernel needs before its work, called by each notebook after its imports: the
    sampler's chain workers forked in this kernel die with it, however the kernel was started (foresight
    run, plain papermill, JupyterLab), and the imports leave the garbage collector's walks."""
    guard_forked_children()
    freeze_imports_once()


def check_params(
    values: Mapping[str, Any] | None = None, /, *, notebook: str | None = None, ahead: bool = False, **more: Any
) -> Params:
    """Check every given parameter through the table's checks, in table order, and return them converted;
    raise :class:`ParameterError` on the first bad one.

    A notebook passes its namespace and its name, ``check_params(globals(), notebook="forecast")``: the
    values of the parameters the table lists for that notebook are taken from it. Otherwise every name in
    ``values`` and ``more`` must be a parameter of the table, and only those given are checked.
    ``ahead``: the values are checked before a run starts (``foresight run``, a sweep), so nothing the
    notebook would make (its ``out_dir``) is made.
    """
    given = {**(values or {}), **more}
    if notebook is not None:
        wanted = [p.name for p in parameters_for(notebook)]
        missing = [name for name in wanted if name not in given]
        if missing:
            raise TypeError(
                f"notebook {notebook}: no value for {', '.join(missing)}; its parameters cell must define them"
            )
        given = {name: given[name] for name in wanted}
    unknown = [name for name in given if name not in PARAMETERS]
    if unknown:
        raise TypeError(f"unknown parameter(s) {', '.join(unknown)}; parameters: {', '.join(PARAMETERS)}")
    seen = Seen(given, ahead=ahead, notebook=notebook)
    for name, parameter in PARAMETERS.items():
        if name in given:
            seen.checked[name] = parameter.check(given[name], seen)
    return Params(seen.checked, tuple(seen.notes), given)


def check_extra_dates(question: Question | None, value: Any) -> tuple[dt.date, ...]:
    """Extra dates for a question's history: None, a list of YYYY-MM-DD, or one text of them separated by commas.

    Each must lie in the question's window; the dates come back sorted, without repeats.
    """
    name = "extra_dates"
    allowed = "expected a list of dates written YYYY-MM-DD, or one text of them separated by commas"
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
        items = [value]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ParameterError(name, value, allowed)
    if question is None and items:
        raise ParameterError(name, value, "cannot be checked without a 'question' parameter")
    from foresight.model.forecasting import parse_date

    out = set()
    for item in items:
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            raise ParameterError(name, value, f"{allowed}; {item!r} is a number", RAW_HINT)
        try:
            when = parse_date(item.strip() if isinstance(item, str) else item, name)
        except (ValueError, TypeError):
            raise ParameterError(name, value, f"{allowed}; {shown(item, 60)} is not such a date") from None
        if not question.opens <= when <= question.closes:
            raise ParameterError(
                name,
                value,
                f"expected dates in the window of question '{question.id}': "
                f"{question.opens} to {question.closes}; {when} is outside it",
            )
        out.add(when)
    return tuple(sorted(out))


MIN_SCENARIO_QUESTIONS, MAX_SCENARIO_QUESTIONS = 2, 5


def check_scenario_questions(pack: Pack | None, value: Any, as_of: dt.date | None = None) -> tuple[str, ...] | None:
    """2 to 5 distinct question ids of ``pack`` (a list, or one text with ids separated by commas); None: the
    notebook's default. With ``as_of``, each must still be open on or after it (the joint model leaves out the rest)."""
    name = "scenario_questions"
    allowed = (
        f"expected {MIN_SCENARIO_QUESTIONS} to {MAX_SCENARIO_QUESTIONS} question ids, as a list or as one "
        "text separated by commas, or None"
    )
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        items: list[Any] = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, (list, tuple)):
        items = [item.strip() if isinstance(item, str) else item for item in value]
    else:
        hint = RAW_HINT if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        raise ParameterError(name, value, allowed, hint)
    for item in items:
        if not isinstance(item, str):
            hint = RAW_HINT if isinstance(item, (int, float)) and not isinstance(item, bool) else None
            raise ParameterError(name, value, f"{allowed}; {shown(item, 60)} is not a question id (text)", hint)
    ids = list(dict.fromkeys(items))
    if not MIN_SCENARIO_QUESTIONS <= len(ids) <= MAX_SCENARIO_QUESTIONS:
        raise ParameterError(name, value, f"{allowed}; got {len(ids)} distinct id(s)")
    if pack is None:
        raise ParameterError(name, value, "cannot be checked without a 'pack' parameter")
    unknown = [q for q in ids if q not in pack.questions]
    if unknown:
        raise ParameterError(
            name,
            value,
            f"expected question ids of pack {pack.meta.id}; unknown: "
            f"{', '.join(unknown)}; ids: {', '.join(pack.questions)}",
        )
    if as_of is not None:
        closed = [q for q in ids if pack.questions[q].closes < as_of]
        if closed:
            raise ParameterError(
                name,
                value,
                f"expected questions still open on or after as_of {as_of}; closed before it: {', '.join(closed)}",
            )
    return tuple(ids)


def check_out_dir(value: Any, make: bool = True) -> Path:
    """A folder to write results into, created if missing (with ``make``); relative paths are relative to the
    working directory."""
    if not isinstance(value, (str, os.PathLike)) or (isinstance(value, str) and not value.strip()):
        raise ParameterError("out_dir", value, "expected a folder path (text) or None")
    path = Path(value).expanduser().resolve()
    if not make:
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError("out_dir", value, f"expected a folder that can be created; {exc.strerror}") from None
    return path

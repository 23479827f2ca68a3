"""Check the parameters a notebook received, and stop with a message that says what to change.

Papermill writes injected values as Python literals after the ``parameters``
cell, converting types on the way: ``-p question 007`` arrives as the int 7,
``-p as_of 20190213`` as an int, a YAML ``yes`` as True. A notebook that used
such values would fail many cells later with an unrelated error, or worse, run
on the wrong thing. So every notebook's first cell after the parameters is one
call to :func:`check_params`, which returns the values ready to use (the pack
loaded, the date parsed, overrides parsed and checked) or raises a
:class:`ParameterError` naming the parameter, what came in and what is allowed.

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
from typing import Any

import yaml

from foresight.base import paths
from foresight.base.processes import guard_forked_children
from foresight.model import batch
from foresight.model.evidence import check_overrides
from foresight.model.forecasting import check_in_window, natural_as_of, pack_as_of, parse_date
from foresight.model.options import INFERENCE, ModelOptions
from foresight.pack.loader import Pack, load_pack
from foresight.pack.problems import PackError, shown
from foresight.pack.schema import FIRST_DATE, LAST_DATE, Question

MIN_DRAWS = 100
MAX_DRAWS = 1_000_000
MAX_WIDTH_SCALE = 100.0

RAW_HINT = (
    "papermill converts -p values that look like numbers; pass text with -r NAME VALUE "
    "(raw) or quote it in a YAML parameters file"
)


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


UNSET: Any = _Unset()
"""Marks a parameter the notebook does not have, so it is neither checked nor reported."""


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


OPTION_PARAMS = ("seed", "draws", "learn_from_cases", "discount_groups", "lr_width_scale", "inference")
"""Notebook parameters that are :class:`~foresight.model.options.ModelOptions` fields."""


@dataclass(frozen=True)
class Params:
    """Checked parameters, converted for use. Fields a notebook did not pass stay None."""

    pack: Pack | None = None
    pack_dir: Path | None = None
    question: Question | None = None
    as_of: dt.date | None = None
    seed: int | None = None
    draws: int | None = None
    learn_from_cases: bool | None = None
    discount_groups: bool | None = None
    lr_width_scale: float | None = None
    inference: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None
    notes: tuple[str, ...] = ()
    given: dict[str, Any] = field(default_factory=dict)
    # history / backtest notebooks
    extra_dates: tuple[dt.date, ...] | None = None
    today: dt.date | None = None
    # scenarios notebook
    scenario_questions: tuple[str, ...] | None = None
    # outcomes notebook: the options and date questions it shows (one, or every one)
    typed_questions: tuple[Question, ...] | None = None
    interactive: bool | None = None
    # forecast notebook: apply the shipped calibration beside the raw forecast (None: not a parameter)
    calibration: bool | None = None

    @property
    def question_id(self) -> str | None:
        return self.question.id if self.question is not None else None

    @property
    def options(self) -> ModelOptions:
        """The model options the notebook passed, on top of the defaults."""
        return ModelOptions.of(None, **{name: getattr(self, name) for name in OPTION_PARAMS})

    def forecast_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`foresight.forecast`: the options, and as_of/overrides when given."""
        out: dict[str, Any] = {"options": self.options}
        if self.as_of is not None:
            out["as_of"] = self.as_of
        if self.overrides:
            out["overrides"] = self.overrides
        return out

    def as_dict(self) -> dict[str, Any]:
        """The parameters in effect, as JSON-friendly values (for result files and run records)."""
        out: dict[str, Any] = {}
        if self.pack_dir is not None:
            out["pack"] = paths.relative_to_root(self.pack_dir)
        if self.question is not None:
            out["question"] = self.question.id
        if self.as_of is not None:
            out["as_of"] = self.as_of.isoformat()
        for name in OPTION_PARAMS:
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.overrides:
            out["overrides"] = self.overrides
        if self.extra_dates is not None:
            out["extra_dates"] = [d.isoformat() for d in self.extra_dates]
        if self.today is not None:
            out["today"] = self.today.isoformat()
        if self.scenario_questions is not None:
            out["scenario_questions"] = list(self.scenario_questions)
        if self.typed_questions is not None:
            out["typed_questions"] = [q.id for q in self.typed_questions]
        if self.interactive is not None:
            out["interactive"] = self.interactive
        if self.calibration is not None:
            out["calibration"] = self.calibration
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


def check_pack(value: Any) -> tuple[Pack, Path]:
    """Find and load the pack folder; a missing folder or an invalid pack stops with every problem listed.

    An already loaded :class:`Pack` is taken as it is (the runner checks every
    notebook's values against the pack it loaded once)."""
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
        return load_pack(pack_dir), pack_dir
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


def library_default(name: str) -> Any:
    """The library's default for option ``name`` (notebooks say None to follow it)."""
    return getattr(ModelOptions(), name)


def report_as_of(question: Question, today: dt.date | None = None) -> dt.date:
    """The date a report forecasts a question as of when none is given: the library's own default,
    :func:`foresight.model.forecasting.natural_as_of` (today while open, else the day it opened)."""
    return natural_as_of(question, today)


# --- the notebook's one call ---------------------------------------------------------


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


def check_params(
    *,
    pack: Any = UNSET,
    question: Any = UNSET,
    as_of: Any = UNSET,
    clip_to_window: Any = False,
    seed: Any = UNSET,
    draws: Any = UNSET,
    learn_from_cases: Any = UNSET,
    discount_groups: Any = UNSET,
    lr_width_scale: Any = UNSET,
    inference: Any = UNSET,
    overrides: Any = UNSET,
    out_dir: Any = UNSET,
    extra_dates: Any = UNSET,
    today: Any = UNSET,
    scenario_questions: Any = UNSET,
    typed_question: Any = UNSET,
    interactive: Any = UNSET,
    calibration: Any = UNSET,
) -> Params:
    """Check every given parameter and return them converted; raise :class:`ParameterError` on the first bad one.

    ``as_of=None`` means :func:`report_as_of` for one question (today while it is open,
    else the day it opened), and for the joint model (with ``scenario_questions``) the pack's
    own date (:func:`pack_as_of`). With ``clip_to_window`` a date outside the question's window
    moves to the nearest end and a note says so (the runner's choice, so one
    ``--as-of`` serves every question); without it such a date stops here.
    """
    given = {k: v for k, v in locals().items() if v is not UNSET}
    # Every notebook calls this first: from here on, the sampler's chain workers forked in this kernel die
    # with it, however the kernel was started (foresight run, plain papermill, JupyterLab).
    guard_forked_children()
    freeze_imports_once()
    notes: list[str] = []
    values: dict[str, Any] = {"given": given}
    loaded: Pack | None = None
    if pack is not UNSET:
        loaded, values["pack_dir"] = check_pack(pack)
        values["pack"] = loaded
    clip = check_bool("clip_to_window", clip_to_window)
    q: Question | None = None
    if question is not UNSET:
        if loaded is None:
            raise ParameterError("question", question, "cannot be checked without a 'pack' parameter")
        q = check_question(loaded, question)
        values["question"] = q
        if question is None:
            notes.append(f"no question given: showing the pack's first question, '{q.id}'")
    if as_of is not UNSET:
        when = None if as_of is None else check_date("as_of", as_of)
        if q is not None:
            if when is None:
                when = report_as_of(q)
            elif clip and not q.opens <= when <= q.closes:
                when, note = batch.clip_to_window(q, when)
                notes.append(note)
            else:
                try:
                    check_in_window(q, when)
                except ValueError:
                    raise ParameterError(
                        "as_of", as_of, f"expected a date in the window of question '{q.id}': {q.opens} to {q.closes}"
                    ) from None
        elif when is None and loaded is not None and scenario_questions is not UNSET:
            # The joint model (scenarios notebook) needs one date: None there is the pack's own date,
            # as in joint_forecast. Elsewhere (the evidence overview) None keeps meaning "all evidence".
            when = pack_as_of(loaded)
            source = "its default_as_of" if loaded.meta.default_as_of else "the date of its latest document"
            notes.append(f"no as_of given: the pack's own date, {when} ({source})")
        values["as_of"] = when
    if seed is not UNSET:
        values["seed"] = check_int("seed", seed, 0, 2**32 - 1, "a random seed")
    if draws is not UNSET:
        values["draws"] = (
            library_default("draws")
            if draws is None
            else check_int("draws", draws, MIN_DRAWS, MAX_DRAWS, "the number of posterior draws")
        )
    for name, value in (("learn_from_cases", learn_from_cases), ("discount_groups", discount_groups)):
        if value is not UNSET:
            values[name] = check_bool(name, value)
    if lr_width_scale is not UNSET:
        values["lr_width_scale"] = check_float(
            "lr_width_scale",
            lr_width_scale,
            0.0,
            MAX_WIDTH_SCALE,
            "a factor on every likelihood-ratio interval's width",
        )
    if inference is not UNSET:
        values["inference"] = library_default("inference") if inference is None else check_inference(inference)
    if overrides is not UNSET:
        parsed = parse_overrides(overrides)
        if parsed and loaded is not None:
            try:
                check_overrides(loaded, parsed)
            except ValueError as exc:
                raise ParameterError("overrides", overrides, f"{exc}") from None
        values["overrides"] = parsed
    if out_dir is not UNSET and out_dir is not None:
        values["out_dir"] = _check_out_dir(out_dir)
    # --- history / backtest notebooks ---
    if extra_dates is not UNSET:
        values["extra_dates"] = check_extra_dates(q, extra_dates)
    if today is not UNSET:
        values["today"] = dt.date.today() if today is None else check_date("today", today)
    # --- scenarios notebook ---
    if scenario_questions is not UNSET:
        values["scenario_questions"] = check_scenario_questions(loaded, scenario_questions, values.get("as_of"))
    # --- outcomes notebook ---
    if typed_question is not UNSET:
        if loaded is None:
            raise ParameterError("question", typed_question, "cannot be checked without a 'pack' parameter")
        values["typed_questions"] = check_typed_question(loaded, typed_question)
    if interactive is not UNSET:
        values["interactive"] = check_bool("interactive", interactive)
    if calibration is not UNSET:
        values["calibration"] = check_bool("calibration", calibration)
    return Params(notes=tuple(notes), **values)


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


def _check_out_dir(value: Any) -> Path:
    """A folder to write results into, created if missing; relative paths are relative to the working directory."""
    if not isinstance(value, (str, os.PathLike)) or (isinstance(value, str) and not value.strip()):
        raise ParameterError("out_dir", value, "expected a folder path (text) or None")
    path = Path(value).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError("out_dir", value, f"expected a folder that can be created; {exc.strerror}") from None
    return path

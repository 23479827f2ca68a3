"""Applying a calibration learned from the library's track record to a forecast (numpy only, no fitting).

The map (fitted in :mod:`foresight.evaluate.calibration`, shipped as a JSON
artefact with its posterior draws) splits a forecast into its two parts on
the log-odds scale and reweighs them:

    calibrated logit = a + b_out * L + b_ev * S
    L = logit(outside view)                     (the base rate at the forecast's date)
    S = logit(raw forecast) - logit(outside view)   (what the evidence moved)

With a = 0, b_out = 1, b_ev = 1 it gives the raw forecast back. Without an
artefact there is no calibration at all: :func:`calibrated_draws` with
``None`` returns the raw draws themselves, unchanged.

An artefact may carry extra terms (:data:`EXTRA_TERMS`, e.g. a separate
weight for downward shifts, a pull toward 50% for outside views from few
cases), each a weight times a value computed here from the two parts and
what the question says of itself (:class:`TermInputs`): the one definition
that both the fit (evaluate/) and every forecast read, so what was learned
is what gets applied.

Uncertainty: draw j of a forecast is paired with calibration draw
j mod n (both sets are independent draws), so the calibrated interval holds
both the forecast's and the calibration's uncertainty. Backtests apply the
map to each step's mean forecast and base rate (:func:`calibrated_mean`),
the scale the map was fitted on.

Here, not in evaluate/: forecasts and reports (model/ and report/) apply
the artefact, and evaluate/ fits it; a layer imports only those below.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from foresight.base import paths

CLIP = 1e-6
"""Probabilities are clipped into [CLIP, 1 - CLIP] before taking log-odds (a base rate can be exactly 0)."""

TERMS = ("a", "b_out", "b_ev")
"""The map's parameters, in the order of the artefact's draws."""

ARTEFACT = Path("calibration") / "calibration.json"
"""Where the shipped calibration lives, under the project root (committed with the repository)."""


def artefact_path() -> Path:
    """The shipped artefact's path (``calibration/calibration.json`` in the project root)."""
    return paths.project_root() / ARTEFACT


def logit(p: Any) -> np.ndarray:
    """Log-odds of ``p`` clipped into [:data:`CLIP`, 1 - :data:`CLIP`]."""
    q = np.clip(np.asarray(p, dtype=float), CLIP, 1.0 - CLIP)
    return np.log(q) - np.log1p(-q)


def parts(raw: Any, base: Any) -> tuple[np.ndarray, np.ndarray]:
    """(L, S): the outside view's log-odds and the evidence's shift, from forecast and base-rate probabilities."""
    outside = logit(base)
    return outside, logit(raw) - outside


EXTRA_TERMS: dict[str, str] = {
    "downward": "the evidence's shift where it points down, 0 elsewhere (a separate weight for downward shifts)",
    "weak_class": "the outside view's log-odds times 1/sqrt(1 + the class's cases): a pull toward 50% for weak "
    "classes when its weight is negative",
    "elapsed": "the share of the question's window gone by at the step: a drift as the deadline nears",
    "one_shot": "1 for a one-shot question, 0 for a by-deadline one: its own intercept",
    "bend_low": "max(0, z + 1), z the raw forecast's log-odds: the map may bend above 27%",
    "bend_high": "max(0, z - 1): the map may bend again above 73%",
}
"""Terms a map may carry beside (a, b_out, b_ev), each computed from the parts and :class:`TermInputs` alone,
so that a forecast can apply it. (The backtest also tries the correlation discount's strength, which needs a
second model run per forecast: it is scored held out, never shipped.)"""


@dataclass(frozen=True)
class TermInputs:
    """What the extra terms read of each item besides its two parts: the cases behind its outside view, whether
    its question is one-shot, and the share of its window gone by. Scalars or arrays (one per item); None where
    the item's source does not say (a term that needs it then fails with a message naming it)."""

    class_cases: Any = None
    one_shot: Any = None
    elapsed: Any = None

    @classmethod
    def from_steps(cls, steps: pd.DataFrame) -> TermInputs:
        """From a backtest's steps (``class_cases``, ``kind``, ``opens``, ``closes``, ``as_of`` where present)."""
        cases = steps["class_cases"].to_numpy(float) if "class_cases" in steps.columns else None
        one_shot = (steps["kind"] == "one_shot").to_numpy(float) if "kind" in steps.columns else None
        dated = all(c in steps.columns for c in ("opens", "closes", "as_of"))
        elapsed = elapsed_share(steps["as_of"], steps["opens"], steps["closes"]) if dated else None
        return cls(cases, one_shot, elapsed)


def elapsed_share(as_of: Any, opens: Any, closes: Any) -> np.ndarray:
    """The share of each window [opens, closes] gone by at ``as_of``, in [0, 1] (a window under a day counts as
    one day)."""
    opens_ts, closes_ts = pd.to_datetime(pd.Series(opens)), pd.to_datetime(pd.Series(closes))
    window = (closes_ts - opens_ts).dt.days.clip(lower=1).to_numpy(float)
    gone = (pd.to_datetime(pd.Series(as_of)) - opens_ts).dt.days.to_numpy(float)
    return np.clip(gone / window, 0.0, 1.0)


def class_cases_behind(pack: Any, question: Any) -> float:
    """The cases behind a question's outside view, each class's weighted as the view weighs it (known before
    the question opens): what ``weak_class`` reads."""
    from foresight.model.outside import components

    return float(sum(c.weight * c.n_cases for c in components(pack, question, quick=True) if c.kind == "class"))


def forecast_inputs(pack: Any, question: Any, as_of: dt.date) -> TermInputs:
    """:class:`TermInputs` of one forecast of ``question`` made on ``as_of``."""
    return TermInputs(
        class_cases_behind(pack, question),
        float(question.kind == "one_shot"),
        float(elapsed_share([as_of], [question.opens], [question.closes])[0]),
    )


def term_values(term: str, outside: np.ndarray, shift: np.ndarray, inputs: TermInputs | None = None) -> np.ndarray:
    """The value of extra term ``term`` (:data:`EXTRA_TERMS`) for each item."""
    outside, shift = np.asarray(outside, float), np.asarray(shift, float)

    def needed(name: str) -> np.ndarray:
        value = None if inputs is None else getattr(inputs, name)
        if value is None:
            raise ValueError(f"the calibration term {term!r} needs each item's {name}, which was not given")
        return np.broadcast_to(np.asarray(value, float), outside.shape)

    if term == "downward":
        return np.minimum(shift, 0.0)
    if term == "weak_class":
        return outside / np.sqrt(1.0 + needed("class_cases"))
    if term == "elapsed":
        return needed("elapsed").copy()
    if term == "one_shot":
        return needed("one_shot").copy()
    if term in ("bend_low", "bend_high"):
        return np.maximum(outside + shift + (1.0 if term == "bend_low" else -1.0), 0.0)
    raise ValueError(f"unknown calibration term {term!r}; known: {', '.join(EXTRA_TERMS)}")


@dataclass(frozen=True)
class Calibration:
    """Posterior draws of (a, b_out, b_ev), of any extra terms (name -> draws, :data:`EXTRA_TERMS`), and where
    they come from (packs, freezes, commit, date, counts, structure)."""

    a: np.ndarray
    b_out: np.ndarray
    b_ev: np.ndarray
    provenance: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    extra: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_draws(self) -> int:
        return len(self.a)

    @property
    def names(self) -> tuple[str, ...]:
        """Every term, base terms first."""
        return (*TERMS, *self.extra)

    def draws_of(self, name: str) -> np.ndarray:
        """The draws of term ``name``, base or extra."""
        return self.extra[name] if name in self.extra else getattr(self, name)

    def logit(self, outside: np.ndarray, shift: np.ndarray, inputs: TermInputs | None = None) -> np.ndarray:
        """Calibrated log-odds for every (calibration draw, item): shape (n_draws, n_items)."""
        o, s = np.atleast_1d(np.asarray(outside, float)), np.atleast_1d(np.asarray(shift, float))
        return self.linear(lambda draws: draws[:, None], o, s, inputs)

    def linear(self, pick: Any, outside: np.ndarray, shift: np.ndarray, inputs: TermInputs | None) -> np.ndarray:
        """The map's log-odds, each term's draws taken through ``pick`` (all draws against all items, or draw j
        paired with item j): the one place the map's formula is written."""
        eta = pick(self.a) + pick(self.b_out) * outside + pick(self.b_ev) * shift
        for name, weight in self.extra.items():
            eta = eta + pick(weight) * term_values(name, outside, shift, inputs)
        return eta

    def summary(self) -> dict[str, tuple[float, float, float]]:
        """Each term's posterior mean and 90% interval."""
        out = {}
        for name in self.names:
            values = self.draws_of(name)
            lo, hi = np.quantile(values, [0.05, 0.95])
            out[name] = (float(values.mean()), float(lo), float(hi))
        return out

    def label(self) -> str:
        """How a run records it: the file, when it was fitted and on how many questions (and its extra terms)."""
        p = self.provenance
        terms = f", with {', '.join(self.extra)}" if self.extra else ""
        return (
            f"{self.source or 'calibration'} (fitted {p.get('fitted_at', '?')} on {p.get('n_questions', '?')} "
            f"questions of {len(p.get('packs', []))} packs{terms})"
        )

    def to_json(self) -> dict[str, Any]:
        """The artefact's content: provenance and the draws, one list per term (base terms first)."""
        return {
            "provenance": dict(self.provenance),
            "draws": {name: self.draws_of(name).tolist() for name in self.names},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: str = "") -> Calibration:
        """Read :meth:`to_json`'s form; a ValueError naming what is wrong otherwise."""
        where = source or "calibration"
        try:
            draws = data["draws"]
            values = [np.asarray(draws[name], dtype=float) for name in TERMS]
            extra = {name: np.asarray(v, dtype=float) for name, v in draws.items() if name not in TERMS}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(
                f"{where}: expected draws of {', '.join(TERMS)} (write it with `foresight calibrate`)"
            ) from exc
        unknown = [name for name in extra if name not in EXTRA_TERMS]
        if unknown:
            raise ValueError(
                f"{where}: unknown term(s) {', '.join(map(repr, unknown))} in draws; allowed besides "
                f"{', '.join(TERMS)}: {', '.join(EXTRA_TERMS)}"
            )
        every = [*values, *extra.values()]
        if (
            len({len(v) for v in every}) != 1
            or not len(values[0])
            or any(v.ndim != 1 or not np.isfinite(v).all() for v in every)
        ):
            raise ValueError(f"{where}: the draws of {', '.join([*TERMS, *extra])} must be equally long, finite")
        return cls(*values, provenance=dict(data.get("provenance") or {}), source=source, extra=extra)


def calibrated_draws(
    calibration: Calibration | None, raw: np.ndarray, base: np.ndarray, inputs: TermInputs | None = None
) -> np.ndarray:
    """A forecast's draws after calibration, draw j paired with calibration draw j mod n; the raw draws
    themselves (the same array) when there is no calibration. ``inputs``: the forecast's
    :class:`TermInputs`, needed when the calibration carries terms that read them."""
    if calibration is None:
        return raw
    outside, shift = parts(raw, base)
    j = np.arange(len(outside)) % calibration.n_draws
    return expit(calibration.linear(lambda draws: draws[j], outside, shift, inputs))


def calibrated_mean(
    calibration: Calibration | None, raw: Any, base: Any, inputs: TermInputs | None = None
) -> np.ndarray:
    """Calibrated probability of each item (e.g. a backtest step), averaged over the calibration's draws;
    ``raw`` itself (as floats) when there is none."""
    if calibration is None:
        return np.asarray(raw, dtype=float)
    return expit(calibration.logit(*parts(raw, base), inputs)).mean(axis=0)


def reason(calibration: Calibration | None, raw_mean: float, calibrated: float, base_mean: float) -> str:
    """One line saying why the calibrated forecast differs from the raw one, from the fitted terms."""
    if calibration is None:
        return "no calibration applied: the forecast is raw"
    terms = calibration.summary()
    a, b_out, b_ev = (terms[name][0] for name in TERMS)
    moved = 100 * (calibrated - raw_mean)
    direction = "raised" if moved > 0 else "lowered"
    causes = []
    if abs(a) >= 0.1:
        causes.append(f"past forecasts were too {'low' if a > 0 else 'high'} overall (intercept {a:+.2f})")
    if abs(b_ev - 1) >= 0.1:
        causes.append(
            f"past forecasts moved {'too little' if b_ev > 1 else 'too much'} with their evidence, so the "
            f"evidence's shift counts x{b_ev:.2f}"
        )
    if abs(b_out - 1) >= 0.1:
        what = "too extreme" if b_out < 1 else "not extreme enough"
        causes.append(f"outside views like this one ({base_mean:.0%}) were {what} (x{b_out:.2f})")
    causes += [words for name in calibration.extra if (words := _extra_cause(name, terms[name][0], b_ev))]
    why = "; ".join(causes) if causes else "the calibration is close to the identity"
    if abs(moved) < 0.5:
        return f"calibration moves this forecast by less than half a point ({why})"
    points = round(abs(moved))
    return f"{direction} by {points} point{'s' * (points != 1)}: {why}"


def _extra_cause(name: str, weight: float, b_ev: float) -> str:
    """What an extra term's mean weight says, in words; empty when it is too small to matter (under 0.1)."""
    if abs(weight) < 0.1:
        return ""
    if name == "downward":
        return f"evidence pointing down counts x{b_ev + weight:.2f}, evidence pointing up x{b_ev:.2f}"
    if name == "weak_class":
        toward = "pulled toward" if weight < 0 else "pushed away from"
        return f"outside views from few cases are {toward} 50% (weight {weight:+.2f})"
    if name == "elapsed":
        return f"forecasts drift {'up' if weight > 0 else 'down'} as the deadline nears ({weight:+.2f} over the window)"
    if name == "one_shot":
        return f"one-shot questions were forecast too {'low' if weight > 0 else 'high'} ({weight:+.2f})"
    return f"the map bends ({name} {weight:+.2f})"


@functools.lru_cache(maxsize=8)
def _read(path: str, mtime_ns: int, size: int) -> Calibration:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Calibration.from_json(data, source=paths.relative_to_root(Path(path)))


def load_calibration(path: str | Path | None = None) -> Calibration | None:
    """The artefact at ``path`` (default :func:`artefact_path`), read once per file version; None when absent."""
    target = Path(path) if path is not None else artefact_path()
    if not target.is_file():
        return None
    stat = target.stat()
    return _read(str(target.resolve()), stat.st_mtime_ns, stat.st_size)


def calibration_in_use(enabled: bool, pack: Any, path: str | Path | None = None) -> tuple[Calibration | None, str]:
    """The calibration a forecast of ``pack`` gets, and in words why none when none: switched off for the run
    (``enabled`` False), by the pack (``calibration: false`` in pack.yaml), or no artefact file."""
    if not enabled:
        return None, "calibration switched off for this run (calibration=False): forecasts are raw"
    if not pack.meta.calibration:
        return None, "calibration switched off by the pack (calibration: false in pack.yaml): forecasts are raw"
    found = load_calibration(path)
    if found is None:
        where = Path(path) if path is not None else ARTEFACT
        return None, f"no calibration artefact ({where}; `foresight calibrate` writes it): forecasts are raw"
    return found, f"calibrated with {found.label()}"


def record(enabled: bool, pack: Any, path: str | Path | None = None) -> dict[str, Any]:
    """What a run records about its calibration (run.json): applied or not and why, the file, its sha256
    and provenance."""
    import hashlib

    found, why = calibration_in_use(enabled, pack, path)
    out: dict[str, Any] = {"applied": found is not None, "why": why}
    if found is not None:
        target = Path(path) if path is not None else artefact_path()
        out["file"] = found.source
        out["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
        out["provenance"] = {k: v for k, v in found.provenance.items() if k != "pack_freezes"}
    return out

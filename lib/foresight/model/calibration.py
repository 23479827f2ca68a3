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

Uncertainty: draw j of a forecast is paired with calibration draw
j mod n (both sets are independent draws), so the calibrated interval holds
both the forecast's and the calibration's uncertainty. Backtests apply the
map to each step's mean forecast and base rate (:func:`calibrated_mean`),
the scale the map was fitted on.

Here, not in evaluate/: forecasts and reports (model/ and report/) apply
the artefact, and evaluate/ fits it; a layer imports only those below.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
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


@dataclass(frozen=True)
class Calibration:
    """Posterior draws of (a, b_out, b_ev) and where they come from (packs, freezes, commit, date, counts)."""

    a: np.ndarray
    b_out: np.ndarray
    b_ev: np.ndarray
    provenance: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def n_draws(self) -> int:
        return len(self.a)

    def logit(self, outside: np.ndarray, shift: np.ndarray) -> np.ndarray:
        """Calibrated log-odds for every (calibration draw, item): shape (n_draws, n_items)."""
        o, s = np.atleast_1d(outside), np.atleast_1d(shift)
        return self.a[:, None] + self.b_out[:, None] * o[None, :] + self.b_ev[:, None] * s[None, :]

    def summary(self) -> dict[str, tuple[float, float, float]]:
        """Each term's posterior mean and 90% interval."""
        out = {}
        for name in TERMS:
            values = getattr(self, name)
            lo, hi = np.quantile(values, [0.05, 0.95])
            out[name] = (float(values.mean()), float(lo), float(hi))
        return out

    def label(self) -> str:
        """How a run records it: the file, when it was fitted and on how many questions."""
        p = self.provenance
        return (
            f"{self.source or 'calibration'} (fitted {p.get('fitted_at', '?')} on {p.get('n_questions', '?')} "
            f"questions of {len(p.get('packs', []))} packs)"
        )

    def to_json(self) -> dict[str, Any]:
        """The artefact's content: provenance and the draws, one list per term."""
        return {"provenance": dict(self.provenance), "draws": {name: getattr(self, name).tolist() for name in TERMS}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: str = "") -> Calibration:
        """Read :meth:`to_json`'s form; a ValueError naming what is wrong otherwise."""
        try:
            draws = data["draws"]
            values = [np.asarray(draws[name], dtype=float) for name in TERMS]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"{source or 'calibration'}: expected draws of {', '.join(TERMS)} (write it with `foresight calibrate`)"
            ) from exc
        if len({len(v) for v in values}) != 1 or not len(values[0]) or not all(np.isfinite(v).all() for v in values):
            raise ValueError(f"{source or 'calibration'}: the draws of {', '.join(TERMS)} must be equally long, finite")
        return cls(*values, provenance=dict(data.get("provenance") or {}), source=source)


def calibrated_draws(calibration: Calibration | None, raw: np.ndarray, base: np.ndarray) -> np.ndarray:
    """A forecast's draws after calibration, draw j paired with calibration draw j mod n; the raw draws
    themselves (the same array) when there is no calibration."""
    if calibration is None:
        return raw
    outside, shift = parts(raw, base)
    j = np.arange(len(outside)) % calibration.n_draws
    return expit(calibration.a[j] + calibration.b_out[j] * outside + calibration.b_ev[j] * shift)


def calibrated_mean(calibration: Calibration | None, raw: Any, base: Any) -> np.ndarray:
    """Calibrated probability of each item (e.g. a backtest step), averaged over the calibration's draws;
    ``raw`` itself (as floats) when there is none."""
    if calibration is None:
        return np.asarray(raw, dtype=float)
    return expit(calibration.logit(*parts(raw, base))).mean(axis=0)


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
    why = "; ".join(causes) if causes else "the calibration is close to the identity"
    if abs(moved) < 0.5:
        return f"calibration moves this forecast by less than half a point ({why})"
    points = round(abs(moved))
    return f"{direction} by {points} point{'s' * (points != 1)}: {why}"


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

"""`forecast()`: a question's probability as of a date, as a distribution, with what-ifs.

The posterior over (theta, beta) depends on priors and reference-class cases
only, never on the current question's evidence. So a forecast is cheap
arithmetic on stored draws, and a what-if (evidence toggled, credibility
moved, a hypothetical sign added) or a different date reuses them: no
re-sampling, milliseconds.

A question that hinges on another (:mod:`foresight.model.hinges`) carries that
question's forecast as ``parent``, seen with the evidence known at this
forecast's date, and mixes its two branches over the parent's draws; what-ifs
and other dates rebuild the parent the same way, from its stored draws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from foresight.model.curve import accrued_share, base_by
from foresight.model.evidence import Observation, group_discount, observations_as_of, raw_features
from foresight.model.hinges import branch_draws, known_outcome, scaled_to_window, yes_branch_at
from foresight.model.options import ModelOptions
from foresight.model.outside import base_draws as mixture_base_draws
from foresight.model.priors import base_probability
from foresight.model.sampling import Diagnostics, Posterior, SamplerSettings, sample_posterior
from foresight.model.spec import ModelSpec, model_spec
from foresight.pack.links import Hinge
from foresight.pack.loader import Pack
from foresight.pack.schema import Question, ReferenceClass

EPS = 1e-12


def parse_date(value: Any, what: str = "as_of") -> dt.date:
    """A date from a date, a datetime or an ISO 'YYYY-MM-DD' string; a clear ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{what} must be a date written YYYY-MM-DD; got {value!r} ({type(value).__name__})")


def check_in_window(question: Question, as_of: dt.date) -> None:
    """Forecasts are made while a question is open: opens <= as_of <= closes."""
    if not question.opens <= as_of <= question.closes:
        raise ValueError(
            f"as_of {as_of} is outside the window of question '{question.id}' "
            f"({question.opens} to {question.closes}); choose a date in that range"
        )


def default_as_of(question: Question, today: dt.date | None = None) -> dt.date:
    """Today, clipped into the question's window (a closed question is seen as of its closing date)."""
    today = today or dt.date.today()
    return min(max(today, question.opens), question.closes)


def natural_as_of(question: Question, today: dt.date | None = None) -> dt.date:
    """The date a forecast is made when none is given: today while the question is open (its
    opening day before that), and for a closed question the day it opened, i.e. the forecast
    one would have made when it was raised. (Clipping today to a closed question's window would
    give a by_deadline question a one-day window and a base rate near zero: right, but useless.)"""
    today = today or dt.date.today()
    return question.opens if today > question.closes else default_as_of(question, today)


def pack_as_of(pack: Pack) -> dt.date:
    """A pack's own date for reports over all its questions (the joint scenarios):
    ``default_as_of`` from pack.yaml, else the publication date of its latest document, else today.
    A pack about another period thus gets its own dates without any parameter; each question
    clips this date into its window as it would clip today (:func:`default_as_of`). One question's
    own forecast keeps :func:`natural_as_of`."""
    if pack.meta.default_as_of is not None:
        return pack.meta.default_as_of
    published = [doc.published for doc in pack.documents.values()]
    return max(published) if published else dt.date.today()


@dataclass(frozen=True)
class Forecast:
    """One question's forecast at one date: probability draws plus everything that explains them."""

    pack: Pack
    question: Question
    as_of: dt.date
    posterior: Posterior
    observations: dict[str, Observation]
    overrides: Mapping[str, Any] = field(default_factory=dict)
    # The forecast of the question this one hinges on (links.yaml `hinges`), seen with the
    # evidence known at this forecast's date (its own date clipped into its window); None without a hinge.
    parent: Forecast | None = None

    # --- the numbers -------------------------------------------------------
    @property
    def spec(self) -> ModelSpec:
        return self.posterior.spec

    @property
    def reference_class(self) -> ReferenceClass | None:
        """The question's class (for a mixture its heaviest class; None when no class is used)."""
        return self.pack.reference_classes.get(self.spec.reference_class)

    @cached_property
    def x_raw(self) -> np.ndarray:
        """Signed strength x credibility per indicator, before the group discount."""
        indicators = [self.pack.indicators[i] for i in self.spec.indicators]
        return raw_features(indicators, self.observations)

    @cached_property
    def x(self) -> np.ndarray:
        """Indicator values after the correlation-group discount (the regression's features)."""
        rho = dict(zip(self.spec.groups, self.spec.rho))
        return group_discount(
            self.x_raw, self.spec.groups, rho, self.spec.mu if self.spec.discount_by_direction else None
        )

    # --- hinges (foresight.model.hinges) --------------------------------------
    @property
    def hinge(self) -> Hinge | None:
        """The hinge this question has in the pack's links (None: none, or the forecast was built without it)."""
        return None if self.parent is None else self.pack.hinge_of(self.question)

    @property
    def hinge_outcome(self) -> str | None:
        """The hinged-on question's resolution when known at ``as_of`` (then only that branch counts)."""
        return None if self.parent is None else known_outcome(self.parent.question, self.as_of)

    @property
    def curve_question(self) -> Question:
        """The question whose window the outside view is for: the date question of a ``point_of`` question, else this one."""
        point_of = self.question.point_of
        return self.question if point_of is None else self.pack.typed_questions[point_of]

    @cached_property
    def hinge_branches(self) -> tuple[np.ndarray, np.ndarray]:
        """Draws of the base probability of this question if the other one resolves yes, and if no (for a
        ``point_of`` question: its date question's branches at this question's ``closes``)."""
        assert self.hinge is not None
        assert self.parent is not None
        c1, c0 = branch_draws(self.hinge, self.posterior.n_draws, self.posterior.settings.seed)
        q = self.curve_question
        c1 = yes_branch_at(c1, self.hinge, q, self.parent.question, self.as_of)
        c0 = scaled_to_window(c0, q, self.as_of)
        if q is self.question:
            return c1, c0
        share = accrued_share(q, self.as_of, self.question.closes, self.pack.questions)
        return base_by(c1, share), base_by(c0, share)

    def conditional_draws(
        self, total_shift: np.ndarray | None = None, share: float = 1.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draws of P(this | other yes, evidence) and P(this | other no, evidence) for a hinged question; with
        ``share`` < 1, of the event by a day holding that share of the hazard ahead (a date question's curve)."""
        shift = self.shift_draws.sum(axis=1) if total_shift is None else total_shift
        c1, c0 = (base_by(c, share) for c in self.hinge_branches)
        return (
            expit(logit(np.clip(c1, EPS, 1 - EPS)) + shift),
            expit(logit(np.clip(c0, EPS, 1 - EPS)) + shift),
        )

    def over_parent(self, if_yes: np.ndarray, if_no: np.ndarray) -> np.ndarray:
        """Draws of a hinged quantity: the branch of the other question's known outcome, else both mixed
        over its forecast draw by draw."""
        known = self.hinge_outcome
        if known is not None:
            return if_yes if known == "yes" else if_no
        assert self.parent is not None
        p_parent = self.parent.draws
        return p_parent * if_yes + (1.0 - p_parent) * if_no

    def probability_given_shift(self, total_shift: np.ndarray) -> np.ndarray:
        """Draws of P(yes) for a total log-odds shift per draw (the model's one link from evidence to probability)."""
        return self.probability_by(1.0, total_shift)

    def probability_by(self, share: float, total_shift: np.ndarray | None = None) -> np.ndarray:
        """Draws of P(event by a day holding ``share`` of the hazard ahead | evidence): the outside view
        shrunk to that day (:func:`foresight.model.curve.base_by`), then the evidence's log-odds shift;
        ``share`` 1 is the forecast itself (a date question's curve reads the other days)."""
        shift = self.shift_draws.sum(axis=1) if total_shift is None else total_shift
        if self.parent is None:
            base = np.clip(base_by(self.base_draws, share), EPS, 1 - EPS)
            return expit(logit(base) + shift)
        return self.over_parent(*self.conditional_draws(shift, share))

    def base_draws_by(self, share: float) -> np.ndarray:
        """The outside view of the event by a day holding ``share`` of the hazard ahead (1: :attr:`base_draws`)."""
        if self.parent is None:
            return base_by(self.base_draws, share)
        return self.over_parent(*(base_by(c, share) for c in self.hinge_branches))

    def seen_at(self, when: dt.date, overrides: Mapping[str, Any]) -> Forecast:
        """This question, with the evidence known at ``when`` (its window's date clipped), from the same draws."""
        return Forecast(
            self.pack,
            self.question,
            min(max(when, self.question.opens), self.question.closes),
            self.posterior,
            observations_as_of(self.pack, when, overrides),
            dict(overrides),
            None if self.parent is None else self.parent.seen_at(when, overrides),
        )

    # --- the numbers, continued ---------------------------------------------
    @cached_property
    def base_draws(self) -> np.ndarray:
        """Outside view: the reference-class rate scaled to this question's window at ``as_of``; for a
        hinged question, the hinge's branches mixed over the other question's forecast (or its known outcome)."""
        if self.parent is not None:
            return self.over_parent(*self.hinge_branches)
        return self.base_draws_at(self.as_of)

    def base_draws_at(self, when: dt.date, known: dt.date | None = None) -> np.ndarray:
        """The outside view for the window left at ``when``, from the same draws (the hazard decides how
        it moves); an event log's rate is the one known at ``known`` (default ``when``). A question declared
        ``point_of`` a date question is that question's curve at its own ``closes`` (:mod:`foresight.model.curve`)."""
        if self.question.point_of is not None:
            curve_of = self.pack.typed_questions[self.question.point_of]
            share = accrued_share(curve_of, when, self.question.closes, self.pack.questions, known)
            return base_by(self.outside_view_of(curve_of, when, known), share)
        return self.outside_view_of(self.question, when, known)

    def outside_view_of(self, question: Question, when: dt.date, known: dt.date | None = None) -> np.ndarray:
        """The outside view of ``question`` (this forecast's own, or the date question it is a point of)
        for the window left at ``when``, from this forecast's draws."""
        if self.spec.is_mixture:
            assert self.posterior.component is not None
            return mixture_base_draws(
                self.spec.components,
                self.posterior.theta,
                self.posterior.component,
                self.pack,
                question,
                when,
                known,
            )
        rc = self.pack.reference_classes[self.spec.reference_class]
        return base_probability(self.posterior.theta, question, rc, when, self.pack.questions, known)

    @cached_property
    def shift_draws(self) -> np.ndarray:
        """Log-odds shift of each indicator per draw, shape (n_draws, n_indicators)."""
        return self.posterior.beta * self.x[None, :]

    @cached_property
    def draws(self) -> np.ndarray:
        """Draws of P(yes | evidence as of ``as_of``)."""
        return self.probability_given_shift(self.shift_draws.sum(axis=1))

    @property
    def mean(self) -> float:
        return float(self.draws.mean())

    @property
    def base_rate_mean(self) -> float:
        return float(self.base_draws.mean())

    def interval(self, prob: float = 0.9) -> tuple[float, float]:
        """Equal-tailed interval of the probability holding ``prob`` of the draws."""
        if not 0 < prob < 1:
            raise ValueError(f"prob must be in (0, 1); got {prob}")
        lo, hi = np.quantile(self.draws, [(1 - prob) / 2, (1 + prob) / 2])
        return float(lo), float(hi)

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.draws, q))

    @property
    def diagnostics(self) -> Diagnostics:
        return self.posterior.diagnostics

    @cached_property
    def contributions(self) -> pd.DataFrame:
        """One row per indicator bearing on the question: its evidence and log-odds shift (mean, 5%, 95%)."""
        rows = []
        for k, ind_id in enumerate(self.spec.indicators):
            obs = self.observations.get(ind_id)
            shift = self.shift_draws[:, k]
            rows.append(
                {
                    "indicator": ind_id,
                    "group": self.spec.groups[k],
                    "observed": obs is not None,
                    "evidence_id": obs.evidence_id if obs else None,
                    "document": obs.document if obs else None,
                    "state": obs.state if obs else None,
                    "credibility": obs.credibility if obs else None,
                    "x": float(self.x[k]),
                    "lr_prior_median": float(np.exp(self.spec.mu[k])),
                    "shift_mean": float(shift.mean()),
                    "shift_p05": float(np.quantile(shift, 0.05)),
                    "shift_p95": float(np.quantile(shift, 0.95)),
                }
            )
        frame = pd.DataFrame(
            rows,
            columns=[
                "indicator",
                "group",
                "observed",
                "evidence_id",
                "document",
                "state",
                "credibility",
                "x",
                "lr_prior_median",
                "shift_mean",
                "shift_p05",
                "shift_p95",
            ],
        )
        return frame.reindex(frame["shift_mean"].abs().sort_values(ascending=False, kind="stable").index).reset_index(
            drop=True
        )

    # --- ArviZ -------------------------------------------------------------
    @cached_property
    def datatree(self):
        """The posterior behind this forecast as an ArviZ ``xarray.DataTree`` (posterior, prior and, when it
        learns from cases, observed and constant data), built from the stored draws: see
        :mod:`foresight.model.posterior_tree`."""
        from foresight.model.posterior_tree import to_datatree

        return to_datatree(self.posterior)

    def to_arviz(self):
        """The same as :attr:`datatree`, under the name ArviZ users look for."""
        return self.datatree

    # --- what-ifs ----------------------------------------------------------
    def what_if(self, overrides: Mapping[str, Any] | None = None, as_of: Any = None) -> Forecast:
        """The same forecast with evidence overridden and/or at another date, from the stored draws."""
        when = self.as_of if as_of is None else parse_date(as_of)
        check_in_window(self.question, when)
        merged = {**self.overrides, **(overrides or {})}
        return Forecast(
            self.pack,
            self.question,
            when,
            self.posterior,
            observations_as_of(self.pack, when, merged),
            merged,
            None if self.parent is None else self.parent.seen_at(when, merged),
        )

    # --- one line for tables -----------------------------------------------
    def summary_row(self) -> dict[str, Any]:
        """The row `forecasts.csv` and the notebooks show for this forecast."""
        lo, hi = self.interval(0.9)
        q = self.question
        return {
            "question_id": q.id,
            "title": q.title,
            "family": q.family,
            "as_of": self.as_of.isoformat(),
            "mean": self.mean,
            "p05": lo,
            "p50": self.quantile(0.5),
            "p95": hi,
            "base_rate_mean": self.base_rate_mean,
            "resolution": q.resolution,
            "converged": self.diagnostics.converged,
            "diagnostics": self.diagnostics.plain_words(),
        }


def forecast(
    pack: Pack,
    question_id: str,
    as_of: Any = None,
    options: ModelOptions | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    cache: bool = True,
    cache_dir=None,
    **option_changes: Any,
) -> Forecast:
    """Forecast ``question_id`` as of ``as_of`` (default: :func:`natural_as_of`).

    ``options`` (a :class:`ModelOptions`) says how; single options may also be
    given by name (``draws=500``, ``discount_groups=False``), applied on top.
    ``draws`` is the total number of posterior draws; ``learn_from_cases=False``
    ignores case codings (priors only); ``discount_groups=False`` counts every
    indicator fully (naive Bayes); ``lr_width_scale`` widens the elicited
    intervals. The same pack, options and seed give the same numbers.
    """
    opts = ModelOptions.of(options, **option_changes)
    question = pack.question(question_id)
    when = natural_as_of(question) if as_of is None else parse_date(as_of)
    check_in_window(question, when)
    return _forecast_seen_at(pack, question, when, opts, dict(overrides or {}), cache, cache_dir)


def _forecast_seen_at(
    pack: Pack, question: Question, when: dt.date, opts: ModelOptions, overrides: dict, cache: bool, cache_dir
) -> Forecast:
    """``question`` with the evidence known at ``when`` (its own date clipped into its window), and the
    questions it hinges on, recursively, seen at the same ``when`` (never later: no leakage)."""
    spec = model_spec(pack, question, opts)
    posterior = sample_posterior(spec, SamplerSettings.from_options(opts), cache=cache, cache_dir=cache_dir)
    hinge = pack.hinge_of(question)
    parent = (
        None
        if hinge is None
        else _forecast_seen_at(pack, pack.question(hinge.on), when, opts, overrides, cache, cache_dir)
    )
    as_of = min(max(when, question.opens), question.closes)
    return Forecast(pack, question, as_of, posterior, observations_as_of(pack, when, overrides), overrides, parent)

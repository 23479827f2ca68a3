"""Plain-words meanings of the technical terms the reports show, in one place.

A report names a term (a column header, a diagnostic) once and explains it
here, so the same word means the same thing on every page. :func:`glossary`
renders the terms a page uses as a definition list; :func:`term` wraps one
term in an ``<abbr title=...>`` so hovering it shows the meaning.
"""

from __future__ import annotations

from collections.abc import Iterable

from IPython.display import HTML

from foresight.model.importance import K_HAT_MAX
from foresight.model.sampling import R_HAT_MAX
from foresight.report import escape

TERMS: dict[str, str] = {
    "base rate": "How often things like this happened in the reference class (the outside view), scaled to the "
    "window the question has left: the forecast before any evidence about this case.",
    "outside view": "The base rate from comparable past cases, before looking at this case's particulars.",
    "inside view": "How the evidence about this case moves the forecast away from the base rate.",
    "likelihood ratio (LR)": "How many times more likely a sign is to be seen if the answer is yes than if it is "
    "no; above 1 the sign points to yes, below 1 to no. The analyst gives it as a 90% interval.",
    "elicited LR (centre)": "The middle (geometric mean) of the analyst's 90% interval for the likelihood ratio.",
    "credibility": "How sure the analyst is that the evidence is real and means what it says, from 0 (ignore) to "
    "1 (certain); it scales the evidence's effect.",
    "evidence weight x": "How strongly an observation counts: its strength (+1 present, -1 absent) times its "
    "credibility, discounted when correlated indicators of one group are seen together.",
    "correlation group": "Indicators that are really one signal; seen together, they are discounted so the signal "
    "is not counted twice.",
    "log-odds shift": "How far one indicator moves the forecast on the log-odds scale, where the indicators' "
    "effects add up: evidence weight times the log likelihood ratio.",
    "shift as LR": "The log-odds shift written back as a likelihood ratio: the factor by which it multiplies the "
    "odds of yes.",
    "90% interval": "The range the forecast's probability lies in with 90% certainty, given the model: "
    "from its 5th (p05) to its 95th (p95) percentile.",
    "what-if": "The forecast recomputed from the same posterior draws with evidence removed or changed; no new "
    "sampling, so it answers at once.",
    "r_hat": "Agreement between independent MCMC chains; near 1.00 (at most "
    f"{R_HAT_MAX}) means they explored the same "
    "distribution.",
    "ESS": "Effective sample size: how many independent draws the correlated or weighted draws are worth; more is "
    "more precise.",
    "k-hat": "Pareto k-hat: how far the Laplace approximation is from the true posterior when its draws are "
    f"reweighted (importance sampling); at most {K_HAT_MAX} means the reweighted draws can be trusted.",
    "divergences": "MCMC steps where the sampler failed to follow the posterior; any number above zero is a warning.",
    "calibrated": "The forecast passed through the map learned from how past forecasts of other packs turned out "
    "(calibration/calibration.json); shown beside the raw forecast, which stays the headline.",
    "tornado": "Each input moved across its plausible range, one at a time, with the biggest swing of the "
    "forecast on top.",
    "hazard": "How the chance of the event is spread over the window: a flat hazard means any day is as likely as "
    "another.",
}
"""Term -> meaning, for every technical term a report shows."""

FORECAST_REPORT_TERMS = (
    "base rate",
    "outside view",
    "inside view",
    "likelihood ratio (LR)",
    "elicited LR (centre)",
    "credibility",
    "evidence weight x",
    "correlation group",
    "log-odds shift",
    "shift as LR",
    "90% interval",
    "what-if",
    "tornado",
    "hazard",
    "r_hat",
    "ESS",
    "k-hat",
    "divergences",
)
"""The terms the forecast notebook shows, in reading order."""


def term(name: str) -> str:
    """``name`` as HTML with its meaning as hover text (an ``<abbr>``); a term not in :data:`TERMS` stays plain."""
    meaning = TERMS.get(name)
    if meaning is None:
        return escape.html(name)
    return f'<abbr title="{escape.html(meaning)}">{escape.html(name)}</abbr>'


def glossary(names: Iterable[str] = FORECAST_REPORT_TERMS) -> HTML:
    """The meanings of ``names`` as a definition list (each term also hoverable)."""
    items = "".join(
        f"<dt><b>{term(n)}</b></dt><dd style='margin:0 0 6px 1.5em'>{escape.html(TERMS[n])}</dd>" for n in names
    )
    return HTML(f"<dl style='max-width:100%'>{items}</dl>")

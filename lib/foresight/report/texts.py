"""Short texts a notebook shows around its tables and figures: question cards, verdicts, the model.

Each function returns an IPython display object (Markdown, HTML or a
preformatted text), so a notebook cell is one call and the words are the same
in every report. Non-convergence is shown as a red box that cannot be missed
in the HTML export, where the code is hidden and only outputs remain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from IPython.display import HTML, Markdown

from foresight.model.forecasting import Forecast
from foresight.model.spec import ModelSpec
from foresight.pack.loader import Pack
from foresight.pack.schema import Question, outcome_number
from foresight.report import escape
from foresight.report.style import box
from foresight.report.tables import used_cases


def pack_card(pack: Pack) -> Markdown:
    """The pack's title, description and record counts."""
    counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in pack.counts().items())
    return Markdown(
        f"### {escape.md(pack.meta.title)}\n\n`{pack.meta.id}` · content hash `{pack.content_hash}`\n\n"
        f"{escape.md(pack.meta.description)}\n\n**Contents:** {counts}."
    )


def notes_box(notes: Sequence[str]) -> HTML | Markdown:
    """Notes on the parameters (e.g. dates moved into a question's window) as one visible box; nothing when none."""
    if not notes:
        return Markdown("")
    items = "".join(f"<li>{escape.html(n)}</li>" for n in notes)
    return box("note", f"<ul style='margin:2px 0'>{items}</ul>", title="Note")


def convergence_box(forecasts: Sequence[Forecast]) -> HTML:
    """For many forecasts: one green line when all converged, else a red box naming those that did not."""
    bad = [f for f in forecasts if not f.diagnostics.converged]
    if not bad:
        return box("ok", f"all {len(forecasts)} forecasts converged.", title="Diagnostics:")
    items = "".join(
        f"<li><code>{escape.html(f.question.id)}</code>: {escape.html(f.diagnostics.plain_words())}</li>" for f in bad
    )
    return box(
        "warning",
        f"<ul>{items}</ul>Run again with more draws.",
        title=f"WARNING: {len(bad)} of {len(forecasts)} forecasts did not converge; do not trust them yet.",
    )


def document_heading(pack: Pack, document_id: str) -> Markdown:
    """A heading for one document's evidence: title, author, outlet, date (and the date's caveat, if any)."""
    doc = pack.documents[document_id]
    note = f"\n\n*Date note:* {escape.md(doc.date_note)}" if doc.date_note else ""
    return Markdown(
        f"#### {escape.md(doc.title)}\n\n{escape.code(doc.id)} · {escape.md(doc.author)} · {escape.md(doc.outlet)} · "
        f"published {doc.published}{note}"
    )


def question_card(q: Question) -> Markdown:
    """Title, window, resolution criteria and (once known) the resolution of a question."""
    lines = [
        f"### {escape.md(q.title)}",
        "",
        f"{escape.code(q.id)} · family **{escape.md(q.family)}** · {q.kind.replace('_', ' ')} · open **{q.opens}** to **{q.closes}**",
        "",
        f"**Resolves yes if:** {escape.md(q.criteria)}",
    ]
    if q.resolution:
        lines += ["", f"**Resolution:** {q.resolution} on {q.resolved_on}. {escape.md(q.resolution_source)}"]
    else:
        lines += ["", "**Resolution:** not known yet."]
    return Markdown("\n".join(lines))


def outside_view_sentence(f: Forecast) -> Markdown:
    """The outside view in one sentence a reader can check against the cases table."""
    if f.spec.is_mixture:
        return outside_view_mixture_sentence(f)
    rc = f.reference_class
    used = used_cases(f)
    yes = int(sum(outcome_number(c.outcome) for c in used))
    left_out = len(rc.cases) - len(used)
    lo, hi = np.quantile(f.base_draws, [0.05, 0.95])
    per = (
        f"per {rc.exposure_years:g}-year exposure period, scaled to the window left at {f.as_of}"
        if f.question.kind == "by_deadline"
        else "per case (a one-shot question)"
    )
    return Markdown(
        f"Outside view: in the reference class **{escape.md(rc.title)}** ({yes} of {len(used)} cases resolved yes, "
        f"each counted with relevance {rc.relevance:g}) the rate, {per}, gives a base rate of "
        f"**{f.base_rate_mean:.1%}** (90% interval {lo:.1%} to {hi:.1%})."
        + (
            f" {left_out} more case{'s' * (left_out != 1)} of the class, dated on or after the question opened "
            f"({f.question.opens}), {'are' if left_out != 1 else 'is'} not used: a forecaster could not have known "
            "how they ended."
            if left_out
            else ""
        )
    )


def hinge_sentence(f: Forecast) -> Markdown:
    """For a question hinging on another (links.yaml `hinges`): which one, the branches, and how they
    were combined at this date; empty for any other question."""
    hinge = f.hinge
    if hinge is None:
        return Markdown("")
    c1, c0 = (float(np.mean(c)) for c in f.hinge_branches)
    parent = f.parent
    on = escape.md(parent.question.title)
    known = f.hinge_outcome
    if known is not None:
        how = (
            f"That question resolved **{known}** on {parent.question.resolved_on}, so only its branch counts: "
            f"base **{(c1 if known == 'yes' else c0):.1%}**."
        )
    else:
        how = (
            f"That question is still open: forecast at **{parent.mean:.1%}** with what was known on {f.as_of}, "
            f"the branches mix to a base of **{f.base_rate_mean:.1%}**."
        )
    return Markdown(
        f"Hinge: this question hinges on `{parent.question.id}` ({on}). The analyst's 90% intervals give "
        f"P(yes | it happens) **{c1:.1%}** and P(yes | it does not) **{c0:.1%}** on average, for the window "
        f"left at {f.as_of}; they replace the reference class's base rate, and this question's own evidence "
        f"shifts each branch. {how} Why: {escape.md(hinge.rationale.strip())}"
    )


def forecast_sentence(f: Forecast) -> Markdown:
    """The headline: forecast, interval, and how far the evidence moved it from the base rate."""
    lo, hi = f.interval(0.9)
    move = f.mean - f.base_rate_mean
    direction = "up" if move > 0 else "down"
    outcome = f" The question resolved **{f.question.resolution}**." if f.question.resolution else ""
    return Markdown(
        f"**Forecast as of {f.as_of}: {f.mean:.1%}** (90% interval {lo:.1%} to {hi:.1%}). The evidence moved it "
        f"{direction} by {abs(move) * 100:.1f} percentage points from the base rate of {f.base_rate_mean:.1%}.{outcome}"
    )


def diagnostics_box(f: Forecast) -> HTML:
    """The sampler's verdict in plain words: a green line when converged, a red box when not."""
    d = f.diagnostics
    words = escape.html(d.plain_words())
    cached = " (draws read from the cache)" if d.cached else ""
    if d.converged:
        return box("ok", f"{words}{cached}", title="Diagnostics:")
    return box(
        "warning",
        f"{words}{cached}<br>Run again with more draws (e.g. <code>draws=4000</code>) or check the model's priors.",
        title="WARNING: the sampler did not converge; do not trust this forecast yet.",
    )


def model_equation(f: Forecast) -> HTML:
    """The model written out for this question, with its sizes (plain HTML: the export needs no MathJax)."""
    spec = f.spec
    data = (
        f"the {len(spec.case_y)} cases of <code>{escape.html(spec.reference_class)}</code> coded on these indicators are data "
        "(a logistic regression; each case's likelihood weighted by the class's relevance; "
        f"{'drawn by Laplace + PSIS importance sampling' if f.diagnostics.is_importance else 'sampled with NUTS'})"
        if spec.learns_from_cases
        else "no case is coded on these indicators, so the posterior is the prior, drawn exactly"
    )
    return HTML(
        '<p style="font-size:110%;text-align:center"><i>logit</i> P(yes | evidence) = '
        "<i>logit</i> base(θ, window) + Σ<sub>k</sub> β<sub>k</sub> x<sub>k</sub></p>"
        f"<p>with θ ~ {_theta_text(spec)}, one "
        f"β<sub>k</sub> ~ Normal(μ<sub>k</sub>, σ<sub>k</sub>) per indicator ({spec.n_indicators} here), the log "
        f"likelihood ratio from the elicited 90% interval (widths scaled by {spec.lr_width_scale:g}), and "
        f"x<sub>k</sub> the evidence weight after the correlation-group discount "
        f"({'on' if spec.discount_groups else 'off'}). Here {data}.</p>"
    )


def _theta_text(spec: ModelSpec) -> str:
    """θ's distribution in words: one class's Beta, or the weighted mixture of the outside view's sources."""
    if not spec.is_mixture:
        return f"Beta({spec.theta_prior[0]:g}, {spec.theta_prior[1]:g}) the reference class's rate"
    names = {"class": "class", "prior": "analyst prior", "log": "event log"}
    parts = [
        f"{c.weight:.2f} × {names[c.kind]} {c.id} "
        + (f"Beta({c.alpha:.3g}, {c.beta:.3g})" if c.kind != "log" else "Gamma-Poisson rate")
        for c in spec.components
    ]
    return "the mixture " + " + ".join(parts) + " (each source in its own unit, scaled to the window)"


def model_structure(spec: ModelSpec) -> Any:
    """The model's variables as a table (variable, distribution, dimensions), read from the spec.

    Built from :class:`ModelSpec` itself rather than from a PyMC model, so that a notebook that
    only renders a forecast never imports PyMC (seconds per kernel); it shows the same
    variables, with the priors' actual numbers.
    """
    if spec.is_mixture:  # drawn exactly, source first: there is no PyMC graph to show
        return Markdown("θ is drawn exactly from the outside view's mixture: " + _theta_text(spec) + ".")
    return _Preformatted(structure_text(spec))


def structure_text(spec: ModelSpec) -> str:
    """Plain-text table of the model of ``spec``: what :func:`foresight.model.spec.add_spec_to_model` builds."""
    k, n = spec.n_indicators, len(spec.case_y)
    a, b = spec.theta_prior
    rows = [("theta", "~", f"Beta({a:g}, {b:g})", "")]
    if k:
        rows.append(("beta", "~", "Normal(mu, sigma) elicited per indicator", f"indicator[{k}]"))
    if spec.learns_from_cases:
        rows.insert(0, ("case_x", "=", "Data: the cases' discounted indicator values", f"case[{n}] x indicator[{k}]"))
        rows.append(
            (
                "cases_weighted_by_relevance",
                "=",
                f"Potential({spec.relevance:g} x the cases' Bernoulli log-likelihood)",
                "",
            )
        )
    rows.insert(0, ("Variable", " ", "Expression", "Dimensions"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{r[0].rjust(widths[0])} {r[1]} {r[2].ljust(widths[2])}  {r[3]}".rstrip() for r in rows]
    how = (
        f"posterior from {n} coded cases (see the diagnostics above for how it was drawn)"
        if spec.learns_from_cases
        else "no coded case: theta and beta are drawn exactly from these priors"
    )
    lines += ["", f"parameters: {1 + k}; {how}"]
    if k:
        width = max(len("indicator"), *(len(i) for i in spec.indicators))
        lines += ["", f"{'indicator'.ljust(width)}  mu (log LR)  sigma"]
        lines += [f"{i.ljust(width)}  {m:+11.3f}  {sd:.3f}" for i, m, sd in zip(spec.indicators, spec.mu, spec.sigma)]
    return "\n".join(lines)


class _Preformatted:
    """Text shown as-is in notebooks and in the HTML export."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<pre style='font-family:monospace;font-size:12px;line-height:1.3'>{escape.html(self.text)}</pre>"


def outside_view_mixture_sentence(f: Forecast) -> Markdown:
    """The outside view of a question with several sources (classes, analyst prior, event log), in one line."""
    names = {"class": "reference class", "prior": "analyst prior", "log": "event log"}
    parts = [f"{names[c.kind]} `{c.id}` (weight {c.weight:.2f})" for c in f.spec.components]
    lo, hi = np.quantile(f.base_draws, [0.05, 0.95])
    return Markdown(
        f"Outside view: a mixture of {', '.join(parts)}, each scaled to the window left at {f.as_of}, gives a base "
        f"rate of **{f.base_rate_mean:.1%}** (90% interval {lo:.1%} to {hi:.1%}); the table shows each source's own."
    )

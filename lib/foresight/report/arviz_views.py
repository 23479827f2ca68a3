"""ArviZ views of one forecast's posterior: prior vs posterior of each likelihood ratio that learned from
cases, a rank plot of the MCMC chains, and the posterior saved as a zarr DataTree beside the report.

The plots are arviz-plots' own (``plot_prior_posterior``, ``plot_rank``) on the tree from
:attr:`foresight.Forecast.datatree`; each comes back as a :class:`Shown` figure that displays once.
"""

from __future__ import annotations

import html
from pathlib import Path

from IPython.display import HTML, Markdown

from foresight.model.forecasting import Forecast
from foresight.model.posterior_tree import learned_indicators, save_datatree


class Shown:
    """A matplotlib figure made by arviz-plots, detached from pyplot so a notebook shows it exactly once
    (as the cell's PNG, which the HTML export embeds); ``savefig`` works as on the figure."""

    def __init__(self, figure):
        import matplotlib.pyplot as plt

        plt.close(figure)
        self.figure = figure

    def _repr_png_(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        return buf.getvalue()

    def savefig(self, *args, **kwargs) -> None:
        self.figure.savefig(*args, **kwargs)


def _figure(pc) -> Shown:
    """The figure of an arviz-plots PlotCollection (its panel titles say what each shows; the notebook's text
    says the rest: a figure title would sit on top of them)."""
    return Shown(pc.viz.ds["figure"].item())


def prior_posterior(f: Forecast) -> Shown | Markdown:
    """Prior and posterior density of each log likelihood ratio that learned from coded cases (arviz-plots'
    ``plot_prior_posterior``); a sentence instead when none did."""
    learned = learned_indicators(f.posterior)
    if not learned:
        why = (
            "the model does not learn from cases here"
            if not f.spec.learns_from_cases
            else "no case of the class is coded on these indicators"
        )
        return Markdown(
            f"No likelihood ratio learned from cases for this question ({why}): each posterior is its prior."
        )
    import arviz_plots as ap

    pc = ap.plot_prior_posterior(
        f.datatree, var_names=["beta"], coords={"indicator": learned}, backend="matplotlib", col_wrap=3
    )
    return _figure(pc)


def rank_plot(f: Forecast) -> Shown | Markdown:
    """Rank plot of theta and every beta across chains (arviz-plots' ``plot_rank``) when drawn by MCMC:
    uniform ranks in every chain mean the chains explore the same distribution. Exact and importance-sampled
    draws have no chains: a sentence says so instead."""
    d = f.diagnostics
    if d.is_importance:
        return Markdown(
            "Independent draws resampled from a Laplace approximation corrected by Pareto-smoothed importance "
            f"sampling: no Markov chains, so no rank plot. The approximation's own check is its Pareto k-hat "
            f"({d.pareto_k:.2f}; at most 0.7 is accepted, else NUTS runs instead)."
        )
    if not d.is_mcmc:
        return Markdown("Exact draws from the priors: no Markov chains, so no rank plot.")
    import arviz_plots as ap

    pc = ap.plot_rank(f.datatree, var_names=["theta", "beta"], backend="matplotlib", col_wrap=3)
    return _figure(pc)


def save_posterior(out_dir: Path | None, f: Forecast) -> HTML | Markdown:
    """Save the forecast's DataTree as ``posterior-<question>.zarr`` in ``out_dir`` and say how to open it."""
    if out_dir is None:
        return Markdown("The posterior is not saved (no `out_dir`); `f.datatree` holds it in this session.")
    path = save_datatree(f.datatree, Path(out_dir) / f"posterior-{f.question.id}.zarr")
    name = html.escape(path.name)
    return HTML(
        f"<p>Posterior saved as <code>{name}</code> (zarr); open it with "
        f"<code>xarray.open_datatree('{name}', engine='zarr')</code>.</p>"
    )

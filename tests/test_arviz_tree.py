"""ArviZ where a PyMC user expects it: each forecast's posterior as a DataTree, saved as zarr, and plotted."""

from __future__ import annotations

import numpy as np
from IPython.display import Markdown

from foresight import forecast, load_pack
from foresight.model.posterior_tree import chains_of, learned_indicators, load_datatree, save_datatree
from foresight.report import arviz_views
from packtools import MINI


def test_datatree_holds_the_stored_draws_by_chain_with_prior_and_case_data():
    f = forecast(load_pack(MINI), "deal-by-june", draws=400, seed=2, inference="nuts")  # learns from coded cases
    tree = f.to_arviz()
    assert tree is f.datatree
    assert set(tree.children) == {"posterior", "prior", "observed_data", "constant_data"}
    post = tree["posterior"]
    assert dict(post.sizes) == {"chain": 4, "draw": 100, "indicator": 1}
    assert chains_of(f.posterior) == 4
    # exactly the cached draws, chain after chain
    np.testing.assert_array_equal(post["theta"].values.reshape(-1), f.posterior.theta)
    np.testing.assert_array_equal(post["beta"].values.reshape(-1, 1), f.posterior.beta)
    assert list(post["indicator"].values) == ["talks-held"]
    assert list(tree["observed_data"]["y"].values) == [1, 0, 1, 0]
    # the prior is the elicited one: log LR ~ Normal(mu, sigma)
    prior = tree["prior"]["beta"].values.reshape(-1)
    assert abs(prior.mean() - f.spec.mu[0]) < 4 * f.spec.sigma[0] / np.sqrt(prior.size)
    assert tree.attrs["sampler"].startswith("NUTS") and learned_indicators(f.posterior) == ["talks-held"]
    # the same forecast gives the same tree
    again = forecast(load_pack(MINI), "deal-by-june", draws=400, seed=2, inference="nuts").datatree
    np.testing.assert_array_equal(again["prior"]["beta"].values, tree["prior"]["beta"].values)


def test_exact_draws_make_one_chain_and_no_case_groups():
    f = forecast(load_pack(MINI), "clash-by-december", draws=300)
    tree = f.datatree
    assert set(tree.children) == {"posterior", "prior"}
    assert dict(tree["posterior"].sizes) == {"chain": 1, "draw": 300, "indicator": 3}
    assert isinstance(arviz_views.rank_plot(f), Markdown)
    assert isinstance(arviz_views.prior_posterior(f), Markdown)


def test_importance_draws_make_one_chain_and_no_rank_plot():
    """Laplace + PSIS draws (the default for a question that learns from cases) are not chains."""
    f = forecast(load_pack(MINI), "deal-by-june", draws=400, seed=2)
    assert f.diagnostics.is_importance
    tree = f.datatree
    assert dict(tree["posterior"].sizes) == {"chain": 1, "draw": 400, "indicator": 1}
    assert tree.attrs["sampler"].startswith("Laplace + PSIS") and tree.attrs["pareto_k"] == f.diagnostics.pareto_k
    shown = arviz_views.rank_plot(f)
    assert isinstance(shown, Markdown) and "no Markov chains" in shown.data and "k-hat" in shown.data
    assert not isinstance(arviz_views.prior_posterior(f), Markdown)  # the cases still taught beta something


def test_zarr_round_trip_and_replacing_an_existing_tree(tmp_path):
    f = forecast(load_pack(MINI), "deal-by-june", draws=400, seed=2, inference="nuts")
    path = save_datatree(f.datatree, tmp_path / "posterior.zarr")
    back = load_datatree(path)
    np.testing.assert_array_equal(back["posterior"]["beta"].values, f.datatree["posterior"]["beta"].values)
    save_datatree(f.datatree, path)  # again: replaced, nothing left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posterior.zarr"]
    shown = arviz_views.save_posterior(tmp_path / "out", f)
    assert "posterior-deal-by-june.zarr" in shown.data
    assert (tmp_path / "out" / "posterior-deal-by-june.zarr").is_dir()


def test_prior_posterior_and_rank_plots_render_as_png(tmp_path):
    f = forecast(load_pack(MINI), "deal-by-june", draws=400, seed=2, inference="nuts")
    for view in (arviz_views.prior_posterior(f), arviz_views.rank_plot(f)):
        png = view._repr_png_()
        assert png.startswith(b"\x89PNG") and len(png) > 5000
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []  # detached from pyplot: a notebook shows each once

"""A forecast's posterior as an ArviZ ``DataTree``, where a PyMC user expects it.

Built from the draws the cache already stores (theta and beta per draw, chains
laid end to end), so nothing is sampled again and the cache format stays as it
is. Groups: ``posterior`` (theta: the class's rate per case or exposure period;
beta: each indicator's log likelihood ratio, dimension ``indicator``),
``prior`` (the same variables drawn from their priors, for prior-vs-posterior
plots), and, when the model learns from coded reference-class cases,
``observed_data`` (each case's outcome) and ``constant_data`` (its indicator
codings). Saved as zarr, which needs no netCDF library.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from foresight.model.priors import JEFFREYS
from foresight.model.sampling import Posterior
from foresight.model.spec import draw_theta

PRIOR_SEED_OFFSET = 7919
"""Prior draws use the posterior's seed plus this, so a tree is reproducible but its prior is its own stream."""


def chains_of(posterior: Posterior) -> int:
    """How many chains the stored draws hold: the sampler's chains for MCMC, one for exact or importance draws."""
    n, chains = posterior.n_draws, posterior.settings.chains
    return chains if posterior.diagnostics.is_mcmc and chains > 0 and n % chains == 0 else 1


def to_datatree(posterior: Posterior):
    """The draws of ``posterior`` (and matching prior draws) as an ``xarray.DataTree`` in ArviZ's layout."""
    import arviz_base as ab

    spec = posterior.spec
    chains = chains_of(posterior)
    per_chain = posterior.n_draws // chains
    k = spec.n_indicators
    groups = {
        "posterior": {
            "theta": posterior.theta.reshape(chains, per_chain),
            "beta": posterior.beta.reshape(chains, per_chain, k),
        }
    }
    rng = np.random.default_rng(posterior.settings.seed + PRIOR_SEED_OFFSET)
    if spec.learns_from_cases:
        theta_prior = rng.beta(JEFFREYS, JEFFREYS, size=posterior.n_draws)
    else:  # the exact prior, a mixture of its outside-view sources included
        theta_prior, _ = draw_theta(spec, rng, posterior.n_draws)
    groups["prior"] = {
        "theta": theta_prior.reshape(1, posterior.n_draws),
        "beta": rng.normal(np.array(spec.mu), np.array(spec.sigma), size=(1, posterior.n_draws, k)),
    }
    dims = {"beta": ["indicator"]}
    coords = {"indicator": list(spec.indicators)}
    if spec.learns_from_cases and spec.case_y:
        groups["observed_data"] = {"y": np.array(spec.case_y)}
        groups["constant_data"] = {"x": np.array(spec.case_x, dtype=float).reshape(len(spec.case_y), k)}
        dims.update({"y": ["case"], "x": ["case", "indicator"]})
        coords["case"] = list(spec.case_names)
    d = posterior.diagnostics
    attrs = {
        "pack_id": spec.pack_id,
        "reference_class": spec.reference_class,
        "learns_from_cases": int(spec.learns_from_cases),
        "sampler": d.sampler,
        "r_hat_max": float("nan") if d.r_hat_max is None else d.r_hat_max,
        "ess_bulk_min": d.ess_bulk_min,
        "divergences": d.divergences,
        "pareto_k": float("nan") if d.pareto_k is None else d.pareto_k,
        "seed": posterior.settings.seed,
    }
    tree = ab.from_dict(groups, dims=dims, coords=coords)
    tree.attrs.update(attrs)
    tree["posterior"].attrs.update(attrs)
    return tree


def learned_indicators(posterior: Posterior) -> list[str]:
    """Indicators whose likelihood ratio learned from cases: the model learns and some case is coded on them."""
    spec = posterior.spec
    if not spec.learns_from_cases or not spec.case_x:
        return []
    x = np.array(spec.case_x, dtype=float).reshape(len(spec.case_x), spec.n_indicators)
    return [ind for j, ind in enumerate(spec.indicators) if np.any(x[:, j] != 0.0)]


def save_datatree(tree, path: str | os.PathLike) -> Path:
    """Write ``tree`` to ``path`` as zarr through a temporary folder renamed into place (an existing one is replaced
    only once the new one is complete)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        import warnings

        with warnings.catch_warnings():  # zarr 3 notes that consolidated metadata is not in its spec yet
            warnings.simplefilter("ignore")
            tree.to_zarr(tmp / "tree.zarr", mode="w")
        old = path.with_name(f".{path.name}.old")
        if path.exists():
            os.replace(path, old)
        os.replace(tmp / "tree.zarr", path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def load_datatree(path: str | os.PathLike):
    """A tree saved by :func:`save_datatree` (loaded into memory, so the folder may be moved afterwards)."""
    import xarray as xr

    with xr.open_datatree(Path(path), engine="zarr") as tree:
        return tree.load()

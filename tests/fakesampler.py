"""A stand-in for ``pymc.sample`` for tests that check plumbing (caching, files, tables), not inference.

Like ``pymc.testing.mock_sample`` (and Bambi's mocked-sampler tests), it returns
what ``pm.sample`` returns - a DataTree with ``posterior`` (chain, draw, ...)
and ``sample_stats`` (``diverging``) - but the draws are independent draws from
the model's priors (``pm.draw`` of its free variables, Potentials ignored), so
no NUTS, no tuning: a fraction of a second. Unlike ``mock_sample`` every chain
gets its own draws, so r_hat and ESS come out as for independent draws and the
project's diagnostics code runs unchanged. Same ``random_seed``, same draws.

Tests that check what NUTS computes (model correctness, simulation-based
calibration, the end-to-end run, the notebooks) never use it. A test opts in
with the ``fake_sampler`` fixture (tests/conftest.py), which also gives it a
private cache folder so fake draws never reach the session's cache.
"""

from __future__ import annotations

import numpy as np

CALLS: list[dict] = []
"""Every call of :func:`fake_sample` in this process, with its keyword arguments (for assertions)."""


def fake_sample(draws: int = 1000, *, chains: int = 4, random_seed=None, model=None, **kwargs):
    """``pm.sample``'s result shape from prior draws: ``chains`` x ``draws`` of every free variable."""
    import pymc as pm
    import xarray as xr

    CALLS.append({"draws": draws, "chains": chains, "random_seed": random_seed, **kwargs})
    model = pm.modelcontext(model)
    names = [rv.name for rv in model.free_RVs]
    values = pm.draw(model.free_RVs, draws=chains * draws, random_seed=random_seed, backend="c")
    if len(names) == 1:
        values = [values]
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}
    posterior = xr.Dataset(
        {
            name: (
                ("chain", "draw", *(f"{name}_dim_{i}" for i in range(v.ndim - 1))),
                v.reshape(chains, draws, *v.shape[1:]),
            )
            for name, v in zip(names, values)
        },
        coords=coords,
    )
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((chains, draws), dtype=bool))}, coords=coords)
    return xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})

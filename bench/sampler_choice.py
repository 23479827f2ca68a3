"""Which NUTS sampler and compile backend to use: times each on the same small case regression.

This choice applies wherever NUTS runs: the joint model, ``inference="nuts"``, and the fallback when the
default Laplace + PSIS approximation of a single question fails its check (bench/inference_speed.py
compares that approximation with NUTS).

Each configuration runs in a fresh process (as a user's first notebook would),
twice: the first run pays compilation into the cache, the second shows the
warm cost. Prints seconds and ratios against the project's choice (PyMC NUTS, C backend).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time, numpy as np, pymc as pm
sampler, backend = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
X = rng.choice([-1.0, 0.0, 1.0], size=(12, 6)); y = rng.integers(0, 2, 12)
t = time.perf_counter()
with pm.Model():
    theta = pm.Beta("theta", 0.5, 0.5)
    beta = pm.Normal("beta", mu=np.zeros(6), sigma=np.ones(6))
    lp = pm.math.logit(theta) + pm.math.dot(X, beta)
    pm.Potential("cases", 0.7 * pm.logp(pm.Bernoulli.dist(logit_p=lp), y).sum())
    kw = dict(draws=1000, tune=1000, chains=2, cores=2, random_seed=1, progressbar=False, nuts_sampler=sampler)
    if sampler == "pymc":
        kw["backend"] = backend
    pm.sample(**kw)
print(json.dumps(time.perf_counter() - t))
"""

CONFIGS = [("pymc", "c"), ("pymc", "numba"), ("nutpie", "numba")]


def run(sampler: str, backend: str, env: dict) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, sampler, backend], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    import os

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTENSOR_FLAGS": f"compiledir={tmp}/pytensor", "NUMBA_CACHE_DIR": f"{tmp}/numba"}
        times = {cfg: (run(*cfg, env), run(*cfg, env)) for cfg in CONFIGS}
    ref_cold, ref_warm = times[("pymc", "c")]
    print("sampler/backend      cold s   warm s   cold/ours  warm/ours")
    for (sampler, backend), (cold, warm) in times.items():
        print(f"{sampler + '/' + backend:<18} {cold:8.1f} {warm:8.1f} {cold / ref_cold:10.2f} {warm / ref_warm:10.2f}")


if __name__ == "__main__":
    main()

"""The few special functions `foresight validate` needs, without SciPy or PreliZ (which take seconds to
import), for its outside-view warnings only; forecasts keep using SciPy and PreliZ.

- :func:`maxent_beta` is PreliZ's ``maxent(Beta(), lo, hi, mass)`` solved directly: the Beta of
  largest entropy with ``mass`` between lo and hi. PreliZ stops its optimiser at a tolerance, so the
  two agree closely, not bit for bit: (alpha, beta) within about 1e-4 relative for usual intervals and
  0.6% for very narrow ones, the summaries a warning prints within 0.002, and the same warnings on
  every pack (tests/test_import_weight.py).
- :func:`gammaincinv` is SciPy's inverse of the regularized lower incomplete gamma function, to
  about 1e-12 relative (tested against SciPy).

Methods: continued fractions and series for the incomplete beta and gamma functions (the modified
Lentz algorithm), Halley's method for the gamma inverse with the starting point of Press et al.,
Numerical Recipes (3rd ed., 2007, sections 6.2 and 6.4), and for the maximum-entropy Beta a golden-
section search over its mean, each mean's concentration solved so the interval holds ``mass``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

_TINY = 1e-300
_EPS = 1e-15


def digamma(x: float) -> float:
    """psi(x) for x > 0: the recurrence up to x >= 10, then the asymptotic series (error about 1e-15)."""
    out = 0.0
    while x < 10.0:
        out -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    tail = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * 691 / 32760)))))
    return out + math.log(x) - 0.5 / x - tail


def _beta_cf(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b): the Beta(a, b) distribution function at x."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_cf(a, b, x) / a
    return 1.0 - front * _beta_cf(b, a, 1.0 - x) / b


def beta_entropy(a: float, b: float) -> float:
    """Differential entropy of Beta(a, b) in nats."""
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return log_beta - (a - 1.0) * digamma(a) - (b - 1.0) * digamma(b) + (a + b - 2.0) * digamma(a + b)


def _concentration(mean: float, lo: float, hi: float, mass: float, start: float) -> float:
    """log(a + b) of the Beta with this mean whose [lo, hi] holds ``mass`` (the mass grows with it)."""

    def excess(t: float) -> float:
        k = math.exp(t)
        return betainc(mean * k, (1.0 - mean) * k, hi) - betainc(mean * k, (1.0 - mean) * k, lo) - mass

    t0, f0 = start, excess(start)
    step = 0.5 if f0 < 0 else -0.5
    t1, f1 = t0 + step, excess(t0 + step)
    while (f0 < 0) == (f1 < 0):
        if not -30.0 < t1 < 30.0:
            raise ArithmeticError(f"no Beta with mean {mean} holds {mass} in [{lo}, {hi}]")
        step *= 2.0
        t0, f0 = t1, f1
        t1, f1 = t1 + step, excess(t1 + step)
    side = 0  # the Illinois variant of regula falsi: halve the weight of an end kept twice
    for _ in range(200):
        t = (t0 * f1 - t1 * f0) / (f1 - f0)
        f = excess(t)
        if f == 0.0 or abs(t1 - t0) < 1e-13:
            return t
        if (f < 0) == (f1 < 0):
            t1, f1 = t, f
            if side == -1:
                f0 /= 2.0
            side = -1
        else:
            t0, f0 = t, f
            if side == 1:
                f1 /= 2.0
            side = 1
    return t


@functools.lru_cache(maxsize=256)
def maxent_beta(lo: float, hi: float, mass: float = 0.9) -> tuple[float, float]:
    """(alpha, beta) of the maximum-entropy Beta with ``mass`` in [lo, hi], 0 < lo < hi < 1
    (what PreliZ's ``maxent`` computes; see the module docstring for how closely)."""
    if not 0.0 < lo < hi < 1.0 or not 0.0 < mass < 1.0:
        raise ValueError(f"need 0 < lo < hi < 1 and 0 < mass < 1; got lo={lo}, hi={hi}, mass={mass}")
    if abs(hi - lo - mass) < 1e-9:
        # The uniform Beta(1, 1) has the largest entropy of all and holds exactly hi - lo: it is the answer.
        # Exactly 1, as PreliZ's answer is at most 1 and NumPy draws such Betas by another algorithm.
        return 1.0, 1.0
    mid = (lo + hi) / 2.0
    sigma = (hi - lo) / 4.0 / mass  # PreliZ's starting point: a mean and spread from the interval
    start = [math.log(max(mid * (1.0 - mid) / sigma**2 - 1.0, 0.1))]

    def entropy_at(mean: float) -> float:
        start[0] = _concentration(mean, lo, hi, mass, start[0])
        k = math.exp(start[0])
        return beta_entropy(mean * k, (1.0 - mean) * k)

    golden = (math.sqrt(5.0) - 1.0) / 2.0
    left, right = lo, hi
    x1, x2 = right - golden * (right - left), left + golden * (right - left)
    h1, h2 = entropy_at(x1), entropy_at(x2)
    while right - left > 1e-10 * (1.0 + abs(left)):
        if h1 > h2:
            right, x2, h2 = x2, x1, h1
            x1 = right - golden * (right - left)
            h1 = entropy_at(x1)
        else:
            left, x1, h1 = x1, x2, h2
            x2 = left + golden * (right - left)
            h2 = entropy_at(x2)
    mean = (left + right) / 2.0
    k = math.exp(_concentration(mean, lo, hi, mass, start[0]))
    return mean * k, (1.0 - mean) * k


def _gamma_pq(a: float, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The regularized incomplete gammas P(a, x) and Q(a, x) = 1 - P(a, x) for x > 0: P by its series below
    a + 1, Q by its continued fraction above (each accurate where the other is the small one)."""
    out = np.empty_like(x)
    upper = np.empty_like(x)
    front = np.exp(-x + a * np.log(x) - math.lgamma(a))
    low = x < a + 1.0
    if low.any():
        xs = x[low]
        term = np.full_like(xs, 1.0 / a)
        total = term.copy()
        n = a
        for _ in range(10_000):
            n += 1.0
            term = term * xs / n
            total += term
            if np.all(np.abs(term) < np.abs(total) * _EPS):
                break
        out[low] = total * front[low]
        upper[low] = 1.0 - out[low]
    high = ~low
    if high.any():
        xs = x[high]
        b = xs + 1.0 - a
        c = np.full_like(xs, 1.0 / _TINY)
        d = 1.0 / b
        h = d.copy()
        for i in range(1, 10_000):
            an = -i * (i - a)
            b = b + 2.0
            d = an * d + b
            d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
            c = b + an / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            delta = d * c
            h = h * delta
            if np.all(np.abs(delta - 1.0) < _EPS):
                break
        upper[high] = front[high] * h
        out[high] = 1.0 - upper[high]
    return out, upper


def gammaincinv(a: float, p: np.ndarray) -> np.ndarray:
    """x with P(a, x) = p, elementwise (SciPy's ``gammaincinv``): Halley's method from the starting point
    of Numerical Recipes' ``invgammp``, to about 1e-12 relative."""
    p = np.asarray(p, dtype=float)
    x = np.zeros_like(p)
    inner = (p > 0.0) & (p < 1.0)
    x[p >= 1.0] = np.inf
    q = p[inner]
    gln = math.lgamma(a)
    if a > 1.0:
        a1 = a - 1.0
        lna1 = math.log(a1)
        afac = math.exp(a1 * (lna1 - 1.0) - gln)
        pp = np.where(q < 0.5, q, 1.0 - q)
        t = np.sqrt(-2.0 * np.log(pp))
        z = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t
        z = np.where(q < 0.5, -z, z)
        y = np.maximum(1e-3, a * (1.0 - 1.0 / (9.0 * a) - z / (3.0 * math.sqrt(a))) ** 3)
    else:
        t = 1.0 - a * (0.253 + a * 0.12)
        y = np.where(q < t, (q / t) ** (1.0 / a), 1.0 - np.log1p(-(q - t) / (1.0 - t)))
    todo = np.arange(len(y))  # the values still moving: only those are evaluated again
    for _ in range(100):
        yt, qt = y[todo], q[todo]
        lower, upper = _gamma_pq(a, yt)
        err = np.where(qt < 0.5, lower - qt, (1.0 - qt) - upper)  # 1 - q is exact for q >= 0.5
        if a > 1.0:
            dens = afac * np.exp(-(yt - a1) + a1 * (np.log(yt) - lna1))
        else:
            dens = np.exp(-yt + (a - 1.0) * np.log(yt) - gln)
        u = err / dens
        step = u / (1.0 - 0.5 * np.minimum(1.0, u * ((a - 1.0) / yt - 1.0)))
        new = yt - step
        new = np.where(new <= 0.0, 0.5 * yt, new)
        y[todo] = new
        # Halley's error shrinks cubically: after a step below 1e-10 the error is at rounding level
        todo = todo[np.abs(new - yt) > 1e-10 * new]
        if not len(todo):
            break
    x[inner] = y
    return x

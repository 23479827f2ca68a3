"""`ModelOptions`: every switch that shapes a forecast besides the pack, as one value.

The same handful of settings (what the model learns from, how wide the elicited
ratios are, the sampler's budget and seed) travels from notebook parameters
through forecasts, histories, backtests and the joint model. Passing one frozen
value instead of ten keyword arguments keeps their defaults and checks in one
place, and makes "the same options" a comparison rather than a convention.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Any

INFERENCE = ("auto", "nuts")
"""How a single question's case regression is drawn: ``auto`` (Laplace + PSIS, NUTS when its check fails) or
``nuts`` (always NUTS, as before the approximation existed). See :mod:`foresight.model.sampling`."""


@dataclass(frozen=True)
class ModelOptions:
    """How to forecast: model switches, then the sampler's budget (``draws`` is the total over chains) and the
    inference method (:data:`INFERENCE`; the joint model always uses NUTS)."""

    learn_from_cases: bool = True
    discount_groups: bool = True
    lr_width_scale: float = 1.0
    seed: int = 1
    draws: int = 4000
    tune: int = 1000
    chains: int = 4
    cores: int | None = None
    inference: str = "auto"

    def __post_init__(self) -> None:
        if not self.lr_width_scale > 0:
            raise ValueError(f"lr_width_scale must be > 0; got {self.lr_width_scale}")
        if self.chains < 1 or self.draws < self.chains:
            raise ValueError(f"need chains >= 1 and draws >= chains; got draws={self.draws}, chains={self.chains}")
        if self.tune < 0:
            raise ValueError(f"tune must be >= 0; got {self.tune}")
        if self.inference not in INFERENCE:
            raise ValueError(f"inference must be one of {', '.join(INFERENCE)}; got {self.inference!r}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def of(cls, options: ModelOptions | None = None, **changes: Any) -> ModelOptions:
        """``options`` (default: the defaults) with every change that is not None applied.

        Unknown names are a TypeError that lists the allowed ones, so a typo never
        falls back to a default silently.
        """
        unknown = sorted(set(changes) - set(cls.names()))
        if unknown:
            raise TypeError(f"unknown model option(s) {unknown}; allowed: {', '.join(cls.names())}")
        given = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(options or cls(), **given)

    @classmethod
    def split(cls, options: ModelOptions | None, kwargs: dict[str, Any]) -> tuple[ModelOptions, dict[str, Any]]:
        """Options from ``options`` plus the option names among ``kwargs``, and the other kwargs apart."""
        names = set(cls.names())
        opts = cls.of(options, **{k: v for k, v in kwargs.items() if k in names})
        return opts, {k: v for k, v in kwargs.items() if k not in names}

    def replace(self, **changes: Any) -> ModelOptions:
        """A copy with ``changes`` applied (None values included: use :meth:`of` to skip them)."""
        return dataclasses.replace(self, **changes)

    @property
    def sampler_cores(self) -> int:
        """Cores for the chains: as given, else one per chain up to 2 (this project's machines have 2)."""
        return self.cores or min(self.chains, 2)

"""ModelOptions: one value for every switch of a forecast, with its checks in one place."""

from __future__ import annotations

import pytest

from foresight import forecast, load_pack
from foresight.model.options import ModelOptions
from foresight.model.sampling import SamplerSettings
from nbhelpers import MINI


def test_of_applies_named_changes_and_skips_none():
    base = ModelOptions(seed=7)
    assert ModelOptions.of(base, draws=500, lr_width_scale=None) == ModelOptions(seed=7, draws=500)
    assert ModelOptions.of() == ModelOptions()


def test_unknown_option_names_the_allowed_ones():
    with pytest.raises(TypeError, match=r"unknown model option\(s\) \['drawz'\]; allowed: learn_from_cases"):
        ModelOptions.of(drawz=10)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"lr_width_scale": 0.0}, "lr_width_scale must be > 0"),
        ({"draws": 2, "chains": 4}, "draws >= chains"),
        ({"tune": -1}, "tune must be >= 0"),
    ],
)
def test_bad_values_are_refused_with_the_rule(bad, message):
    with pytest.raises(ValueError, match=message):
        ModelOptions(**bad)


def test_split_separates_options_from_other_arguments():
    opts, rest = ModelOptions.split(ModelOptions(seed=3), {"draws": 100, "overrides": {"e": None}, "cache_dir": "x"})
    assert opts == ModelOptions(seed=3, draws=100)
    assert rest == {"overrides": {"e": None}, "cache_dir": "x"}


def test_sampler_settings_follow_the_options():
    s = SamplerSettings.from_options(ModelOptions(seed=5, draws=800, tune=300, chains=2))
    assert (s.seed, s.draws, s.tune, s.chains, s.cores) == (5, 800, 300, 2, 2)


def test_an_options_value_and_named_options_give_the_same_forecast():
    pack = load_pack(MINI)
    a = forecast(pack, "deal-by-june", "2020-02-01", ModelOptions(seed=4, draws=400, discount_groups=False))
    b = forecast(pack, "deal-by-june", "2020-02-01", seed=4, draws=400, discount_groups=False)
    assert a.mean == b.mean and a.posterior.settings == b.posterior.settings

"""What a warm run reuses instead of computing again: joint combinations, loaded packs, Gamma inversions,
scoringrules' compiled functions. Each must give exactly what computing afresh gives."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gammaincinv

from foresight.model import priors
from foresight.model.joint import joint_forecast
from foresight.run.params import check_pack
from modelpacks import write_linked_pack

AS_OF = "2020-03-01"


def test_joint_combinations_are_integrated_once_and_shared_read_only(tmp_path):
    pack = write_linked_pack(tmp_path, loadings={"fa": 0.9, "fb": 0.7, "fc": -0.8})
    jf = joint_forecast(pack, AS_OF, draws=1000)
    combos, first = jf.combination_draws(["a", "b"])
    again_combos, again = jf.combination_draws(["a", "b", "a"])  # a repeated id is the same list
    assert again is first and again_combos == combos
    assert not first.flags.writeable
    again_combos.append(None)  # the caller's list is its own
    assert jf.combination_draws(["a", "b"])[0] == combos
    # the other order integrates the same probabilities, combinations permuted
    swapped_combos, swapped = jf.combination_draws(["b", "a"])
    for c, combo in enumerate(combos):
        np.testing.assert_allclose(first[:, c], swapped[:, swapped_combos.index(combo[::-1])], atol=1e-12)
    with pytest.raises(ValueError, match="unknown question"):
        jf.combination_draws(["a", "nope"])


def test_a_pack_is_loaded_again_when_a_file_changes(pack):
    loaded, _ = check_pack(str(pack))
    assert check_pack(str(pack))[0] is loaded
    questions = pack / "questions.yaml"
    text = questions.read_text()
    title = next(q.title for q in loaded.questions.values())
    questions.write_text(text.replace(title, title[:-1] + "X", 1))  # the same size, at once
    changed, _ = check_pack(str(pack))
    assert changed is not loaded
    assert next(q.title for q in changed.questions.values()).endswith("X")


def test_event_log_gamma_inversion_is_kept_and_exact():
    u = np.random.default_rng(3).random(500)
    expected = -np.expm1(-(gammaincinv(2.5, u) / 1.7) * 0.8)
    before = priors._unit_gamma_quantiles.cache_info().hits
    first = priors.event_log_probability(u, 2.5, 1.7, 0.8)
    second = priors.event_log_probability(u.copy(), 2.5, 1.7, 2.0)
    assert np.array_equal(first, expected)
    assert priors._unit_gamma_quantiles.cache_info().hits == before + 1
    assert np.array_equal(second, -np.expm1(-(gammaincinv(2.5, u) / 1.7) * 2.0))
    grid = u.reshape(20, 25)  # any shape comes back in its shape
    assert np.array_equal(priors.event_log_probability(grid, 2.5, 1.7, 0.8), expected.reshape(20, 25))


def test_scoringrules_is_imported_with_numba_caching_and_numba_is_left_as_it_was():
    import numba

    from foresight.evaluate import outcome_scores

    own = {name: getattr(numba, name) for name in outcome_scores.NUMBA_DECORATORS}
    sr = outcome_scores._scoringrules()
    assert {name: getattr(numba, name) for name in outcome_scores.NUMBA_DECORATORS} == own
    assert sr.brier_score(np.array([0.0, 1.0]), np.array([0.25, 0.75])).tolist() == pytest.approx([0.0625, 0.0625])
    seen = []
    wrapped = outcome_scores._with_cache(lambda *a, **k: seen.append((a, k)))
    wrapped("sig")
    wrapped("sig", cache=False)
    assert seen == [(("sig",), {"cache": True}), (("sig",), {"cache": False})]

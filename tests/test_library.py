"""`foresight backtest` over many packs: the same scores as one pack's backtest, held-out columns, the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from foresight import load_pack
from foresight.evaluate import library
from foresight.evaluate.backtest import backtest, compare_baselines
from foresight.model.calibration import load_calibration
from foresight.pack.freeze import freeze
from foresight.run.cli import main
from packtools import copy_pack, replace

TODAY = "2021-01-01"


@pytest.fixture
def two_packs(tmp_path):
    """Two copies of the mini pack with their own ids (one frozen), in one library folder."""
    folders = []
    for name in ("alpha", "beta"):
        folder = copy_pack(tmp_path / name)
        replace(folder, "pack.yaml", "id: mini", f"id: mini-{name}")
        folders.append(folder)
    freeze(load_pack(folders[0]))
    return folders


def test_library_scores_equal_each_packs_own_backtest(two_packs):
    packs = [load_pack(f) for f in two_packs]
    lib = library.library_backtest(packs, today=TODAY)
    scores = library.summary(lib)
    for pack in packs:
        own = compare_baselines(backtest(pack, today=TODAY)).set_index("method")
        mine = scores[(scores["pack"] == pack.meta.id) & (scores["outcome"] == "all") & (scores["set"] == "steps")]
        mine = mine.set_index("method")
        for method in ("model", "naive", "base_rate", "p50"):
            assert mine.loc[method, "brier"] == own.loc[method, "brier_time_averaged"]
            assert mine.loc[method, "log_score"] == own.loc[method, "log_score_time_averaged"]
    assert lib.freezes["mini-alpha"].intact and not lib.freezes["mini-beta"].frozen
    # every method is scored on the same steps
    assert lib.steps[[c for c in lib.steps if c.endswith("_brier")]].notna().all().all()


def test_cli_backtest_writes_tables_and_skips_non_packs(two_packs, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["backtest", *map(str, two_packs), str(tmp_path), "--out", str(out), "--today", TODAY])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"skipped {tmp_path}: no pack.yaml in it" in captured.err
    assert "scores from frozen content" in captured.out and "pack not frozen" in captured.out
    assert "Correlation discount against none" in captured.out
    for name in ("library_steps.csv", "library_scores.csv", "library_discount.csv", "library_freezes.csv"):
        assert (out / name).is_file()
    from foresight.run.folders import list_runs

    listed = list_runs(tmp_path).set_index("run")
    assert listed.loc["out", "kind"] == "backtest" and listed.loc["out", "status"] == "complete"


def test_cli_backtest_refuses_an_invalid_pack(two_packs, capsys):
    replace(two_packs[1], "questions.yaml", "family: deal", "family: nonsense")
    assert main(["backtest", *map(str, two_packs), "--today", TODAY]) == 2
    err = capsys.readouterr().err
    assert "questions.yaml:" in err and "nothing was scored" in err and "Traceback" not in err


def test_discount_comparison_names_the_winner(two_packs):
    lib = library.library_backtest([load_pack(f) for f in two_packs], today=TODAY)
    table, sentence = library.discount_comparison(library.summary(lib))
    pooled = table[table["pack"] == library.ALL_PACKS].iloc[0]
    winner = "no discount" if pooled["brier_naive"] < pooled["brier_discount"] else "the discount"
    assert (
        f"{winner} wins." in sentence
        and "correlation_discount: none" in sentence
        and np.isfinite(pooled["brier_discount"])
    )


@pytest.mark.slow
def test_cli_calibrate_writes_an_artefact_with_provenance(two_packs, tmp_path, capsys):
    target = tmp_path / "cal.json"
    assert main(["calibrate", *map(str, two_packs), "--out", str(target), "--today", TODAY]) == 0
    import json

    data = json.loads(target.read_text())
    assert data["provenance"]["packs"] == ["mini-alpha", "mini-beta"] and data["provenance"]["method"] == "nuts"
    assert data["provenance"]["pack_freezes"]["mini-alpha"]["intact"] is True
    assert data["provenance"]["pack_freezes"]["mini-beta"]["frozen_on"] is None
    assert len(data["draws"]["b_ev"]) == 1000 and data["provenance"]["structure"] == "base map"
    assert "calibration from 2 questions" in capsys.readouterr().out
    # the same fit from a library backtest's steps file: the same draws, and the file named
    out = tmp_path / "lib"
    assert main(["backtest", *map(str, two_packs), "--out", str(out), "--today", TODAY]) == 0
    again = tmp_path / "again.json"
    steps = str(out / "library_steps.csv")
    assert "crowd_check" not in data["provenance"]  # no forecast of the time to check the packs against
    (two_packs[1] / "external_forecasts.yaml").write_text(
        "external_forecasts:\n  - {question: deal-by-june, source: a crowd, date: 2020-02-01, probability: 0.3, "
        "match: same}\n"
    )
    capsys.readouterr()
    assert main(["calibrate", *map(str, two_packs), "--steps", steps, "--out", str(again)]) == 0
    refit = json.loads(again.read_text())
    assert refit["draws"] == data["draws"] and refit["provenance"]["steps_from"].endswith("library_steps.csv")
    check = refit["provenance"]["crowd_check"]
    assert check["n_series"] == 1 and check["hindsight_suspected"] is False
    assert "too few series to judge" in capsys.readouterr().out
    # another structure, named as the backtest names it: its extra terms' draws travel in the artefact
    shaped = tmp_path / "shaped.json"
    structure = ["--structure", "+ downward + weak_class"]
    assert main(["calibrate", *map(str, two_packs), "--steps", steps, "--out", str(shaped), *structure]) == 0
    carried = load_calibration(shaped)
    assert list(carried.extra) == ["downward", "weak_class"] and carried.provenance["structure"] == structure[1]
    scored = library.library_backtest([load_pack(f) for f in two_packs], artefact=carried, today=TODAY)
    assert scored.steps["artefact_forecast"].between(0, 1).all()


def test_cli_calibrate_refuses_bad_saved_steps(two_packs, tmp_path, capsys):
    packs = [*map(str, two_packs)]
    assert main(["calibrate", *packs, "--steps", str(tmp_path / "none.csv"), "--out", str(tmp_path / "c.json")]) == 2
    assert "no such file" in capsys.readouterr().err
    partial = tmp_path / "steps.csv"
    partial.write_text("pack,question_id\nmini-alpha,q\n")
    assert main(["calibrate", *packs, "--steps", str(partial), "--out", str(tmp_path / "c.json")]) == 2
    err = capsys.readouterr().err
    assert "missing columns as_of" in err and "Traceback" not in err
    lib = library.library_backtest([load_pack(two_packs[0])], today=TODAY)
    one = tmp_path / "one.csv"
    lib.steps.to_csv(one, index=False)
    assert main(["calibrate", *packs, "--steps", str(one), "--out", str(tmp_path / "c.json")]) == 2
    assert "no rows of mini-beta" in capsys.readouterr().err
    assert (
        main(["calibrate", *packs, "--steps", str(one), "--out", str(tmp_path / "c.json"), "--structure", "+ discount"])
        == 2
    )
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "--structure: no shippable calibration structure '+ discount'; choose one of: base map;" in err
    )
    assert not (tmp_path / "c.json").exists()


def test_library_reports_the_nested_choice_and_the_target(two_packs):
    lib = library.library_backtest([load_pack(f) for f in two_packs], today=TODAY)
    assert list(lib.selection["held_out"]) == ["mini-alpha", "mini-beta"]
    # two packs: each outer fold leaves one pack, with no other to choose on, so the simplest (raw) is kept
    assert set(lib.selection["chosen"]) == {"raw (no calibration)"}
    np.testing.assert_array_equal(lib.steps["calibrated_nested_forecast"], lib.steps["forecast"])
    table = library.structures_table(lib)
    assert set(table["evaluation"]) == {"leave one pack out", "past only"}
    assert set(table["outcome"]) == {"all", "yes", "no"}
    assert library.target_verdict(library.summary(lib)).startswith("Target missed")
    # identical packs: nothing learned, every figure the raw one, so the shipped map is kept
    assert library.shipping_verdict(lib).startswith("Default: keep base map")
    # the target is judged on what ships (here the base map fixed in advance), the nested figure beside it
    ships, _ = library.shipping_choice(lib)
    verdict = library.target_verdict(library.summary(lib), ships)
    assert ships == "calibrated" and verdict.startswith("Target missed: leave-one-pack-out calibrated Brier of the")
    assert "Beside it, choosing the structure held out too (nested)" in verdict
    assert not any("isotonic" in c for c in lib.selection.columns)  # a comparison, never a candidate
    gap, se = library.paired_gap(lib, "base_rate", "p50")
    per_q = library.per_question(lib.steps)
    diff = per_q["base_rate_brier"] - 0.25
    assert gap == pytest.approx(diff.mean()) and se == pytest.approx(diff.std() / np.sqrt(len(diff)))
    assert library.paired_gap(lib, "model", "model") == (0.0, 0.0)


def _artefact(a: float, b_out: float, b_ev: float, packs: list[str]):
    from foresight.model.calibration import Calibration

    draws = 50
    return Calibration(
        np.full(draws, a), np.full(draws, b_out), np.full(draws, b_ev), provenance={"packs": packs}, source="test.json"
    )


def test_a_fixed_artefact_is_scored_unchanged_and_its_new_packs_pooled_apart(two_packs):
    from foresight.model.calibration import calibrated_mean

    packs = [load_pack(f) for f in two_packs]
    identity = library.library_backtest(packs, today=TODAY, artefact=_artefact(0.0, 1.0, 1.0, ["mini-alpha"]))
    np.testing.assert_allclose(identity.steps["artefact_forecast"], identity.steps["forecast"], rtol=1e-9)
    tilted = _artefact(0.4, 0.8, 1.5, ["mini-alpha"])
    lib = library.library_backtest(packs, today=TODAY, artefact=tilted)
    expected = calibrated_mean(tilted, lib.steps["forecast"], lib.steps["base_rate_forecast"])
    np.testing.assert_allclose(lib.steps["artefact_forecast"], expected)
    assert lib.new_to_artefact() == ["mini-beta"]
    scores = library.summary(lib)
    new = scores[
        (scores["pack"] == library.NEW_TO_ARTEFACT) & (scores["set"] == "steps") & (scores["outcome"] == "all")
    ]
    beta = scores[(scores["pack"] == "mini-beta") & (scores["set"] == "steps") & (scores["outcome"] == "all")]
    # the prospective rows are the new pack's own questions, every method alike
    assert new.set_index("method")["brier"].to_dict() == beta.set_index("method")["brier"].to_dict()
    assert "artefact" in set(new["method"]) and new["n_questions"].iloc[0] == beta["n_questions"].iloc[0]
    mean_of = scores[(scores["pack"] == library.MEAN_OF_PACKS) & (scores["outcome"] == "all")]
    assert mean_of["n_questions"].max() == scores[(scores["pack"] == library.ALL_PACKS)]["n_questions"].max()
    text = library.text_report(lib)
    assert "packs its fit never saw (a prospective test): mini-beta" in text
    # an artefact fitted on every pack is in-sample, and the report says so instead of a test
    seen = library.library_backtest(packs, today=TODAY, artefact=_artefact(0.4, 0.8, 1.5, ["mini-alpha", "mini-beta"]))
    assert seen.new_to_artefact() == [] and library.NEW_TO_ARTEFACT not in set(library.summary(seen)["pack"])
    assert "its figures are in-sample, not a test" in library.text_report(seen)
    # without an artefact there is no artefact column at all
    plain = library.library_backtest(packs, today=TODAY)
    assert "artefact_brier" not in plain.steps and "artefact" not in set(library.summary(plain)["method"])


def test_cli_backtest_scores_the_named_calibration_or_none_and_refuses_a_bad_file(two_packs, tmp_path, capsys):
    import json

    cal = _artefact(0.2, 1.0, 1.2, ["mini-alpha"])
    good = tmp_path / "cal.json"
    good.write_text(json.dumps(cal.to_json()))
    packs = [*map(str, two_packs)]
    assert main(["backtest", *packs, "--out", str(tmp_path / "a"), "--today", TODAY, "--calibration", str(good)]) == 0
    out = capsys.readouterr().out
    assert "(a prospective test): mini-beta" in out
    assert main(["backtest", *packs, "--out", str(tmp_path / "b"), "--today", TODAY, "--calibration", "none"]) == 0
    assert "No calibration artefact given" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text('{"draws": {"a": [1]}}')
    for name in (str(bad), str(tmp_path / "absent.json")):
        assert main(["backtest", *packs, "--today", TODAY, "--calibration", name]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"foresight backtest: --calibration {name}:")


@pytest.mark.parametrize(
    ("chosen", "says"),
    [
        ("+ downward + weak_class", "ship it with `foresight calibrate --structure '+ downward + weak_class'`"),
        ("+ discount", "it reads what a forecast cannot compute, so an artefact cannot carry it"),
        ("raw (no calibration)", "ship no artefact (forecasts stay raw)"),
    ],
)
def test_when_choosing_pays_the_shipping_line_says_how_to_ship_the_choice(two_packs, monkeypatch, chosen, says):
    from foresight.evaluate import calibration

    lib = library.library_backtest([load_pack(f) for f in two_packs], today=TODAY)
    structure = next(s for s in calibration.STRUCTURES if s.name == chosen)
    monkeypatch.setattr(library, "paired_gap", lambda *_: (-0.01, 0.001))  # nested ahead by ten paired se
    monkeypatch.setattr(calibration, "select_structure", lambda *_, **__: (structure, {}))
    ships, sentence = library.shipping_choice(lib)
    assert ships == "calibrated_nested" and sentence.endswith(f"chosen on every pack: {chosen}: {says}.")

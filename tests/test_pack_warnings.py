"""`foresight validate` warnings: parts of a pack that bear on nothing, extreme scaled base rates,
and the hint for a comma inside an inline YAML mapping."""

from __future__ import annotations

import json

from foresight import load_pack
from foresight.model.outside import extreme_base_rates
from foresight.pack.notices import CHECKS, PackWarning, pack_warnings, register
from packtools import copy_pack, line_of, only_problem, replace
from test_cli_validate import foresight


def _codes(pack_dir) -> dict[str, PackWarning]:
    warnings = pack_warnings(load_pack(pack_dir), extra=[extreme_base_rates])
    return {w.code: w for w in warnings}


def test_the_mini_pack_has_no_warnings():
    """(Every shipped pack, the seed pack among them, is held to the same in test_packs.py.)"""
    from packtools import MINI

    assert pack_warnings(load_pack(MINI), extra=[extreme_base_rates]) == []


def test_orphans_are_warned_with_file_line_and_code(tmp_path):
    pack = copy_pack(tmp_path)
    # an indicator for a family nobody asks about, with evidence; an empty family; an unused group
    replace(
        pack,
        "pack.yaml",
        "  clash: A military strike by one party on the other.\n",
        "  clash: A military strike by one party on the other.\n  ghost: A family without questions.\n",
    )
    replace(pack, "pack.yaml", "    rho: 0.8\n", "    rho: 0.8\n  lonely: A group no indicator uses.\n")
    (pack / "indicators.yaml").write_text(
        (pack / "indicators.yaml").read_text()
        + "  - id: stray\n    description: d\n    group: talks\n    rationale: r\n    likelihood_ratios:\n"
        "      ghost: [1.5, 3.0]\n"
    )
    text = (pack / "evidence.yaml").read_text()
    first = text.split("\n  - ", 2)[1].splitlines()
    stray = "\n".join("  - " + first[0] if i == 0 else line for i, line in enumerate(first))
    stray = stray.replace(first[0].split("id:")[1].strip(), "ev-stray", 1)
    import re

    stray = re.sub(r"indicator: \S+", "indicator: stray", stray)
    (pack / "evidence.yaml").write_text(text.rstrip("\n") + "\n" + stray + "\n")
    (pack / "links.yaml").write_text(
        "drivers:\n  - id: mood\n    description: d\n    rationale: r\n    strength: [0.1, 0.5]\n"
        "    loadings: {deal: 0.5, ghost: 0.5}\n"
    )
    codes = _codes(pack)
    assert set(codes) == {"orphan-indicator", "orphan-evidence", "empty-family", "empty-group", "empty-loading"}
    assert codes["empty-family"].line == line_of(pack, "pack.yaml", "ghost:")
    # the likelihood_ratios: line just above its only key
    assert codes["orphan-indicator"].line == line_of(pack, "indicators.yaml", "ghost: [1.5") - 1
    assert "ev-stray" in codes["orphan-evidence"].message
    assert "'ghost'" in codes["empty-loading"].message

    result = foresight("validate", str(pack))
    assert result.returncode == 0, result.stderr
    out = result.stderr  # every warning on one stream, validate's and lint's (mini's criteria name no day: 2)
    assert "7 warning(s)" in out and "evidence " in result.stdout
    assert f"{pack / 'pack.yaml'}:{codes['empty-family'].line}: families.ghost: family 'ghost' has no question" in out
    assert "[empty-family; where: ghost]" in out
    as_json = json.loads(foresight("validate", str(pack), "--json").stdout)  # the JSON alone, warnings inside
    assert len(as_json["warnings"]) == 7 and as_json["questions"] == 2
    strict = foresight("validate", str(pack), "--strict")
    assert strict.returncode == 2
    assert "7 warning(s) (errors under --strict)" in strict.stderr


def test_an_extreme_window_scaled_base_rate_is_warned(tmp_path):
    pack = copy_pack(tmp_path)
    # cases read as a rate per 4 days: over a 9-month window the event is near-certain
    replace(pack, "reference_classes.yaml", "exposure_years: 2.0", "exposure_years: 0.01")
    w = _codes(pack)["extreme-base-rate"]
    assert w.file == "questions.yaml" and w.field == "questions[1].closes"
    assert "above 99%" in w.message and "exposure_years" in w.message
    replace(pack, "reference_classes.yaml", "exposure_years: 0.01", "exposure_years: 400")
    assert "below 1%" in _codes(pack)["extreme-base-rate"].message


def test_register_adds_a_check_once():
    def check(pack):
        return [PackWarning("pack.yaml", 1, "id", "test warning", "test")]

    try:
        register(check)
        register(check)
        assert CHECKS.count(check) == 1
        from packtools import MINI

        assert [w.code for w in pack_warnings(load_pack(MINI))] == ["test"]
    finally:
        CHECKS.remove(check)


def test_a_comma_inside_an_inline_mapping_gets_a_hint(tmp_path):
    pack = copy_pack(tmp_path)
    replace(pack, "reference_classes.yaml", "{name: Case 3,", "{name: Case 3, Paris May 1960,")
    problem = only_problem(pack)
    assert "unknown field 'Paris May 1960'" in problem.message
    assert "put that value in quotes" in problem.message
    assert problem.line == line_of(pack, "reference_classes.yaml", "Paris May 1960")

"""`foresight validate`, run as the installed console script, the way an analyst runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from packtools import MINI, MINI_COUNTS, copy_pack, replace

FORESIGHT = Path(sys.executable).parent / "foresight"
PROBLEM_LINE = re.compile(r"^(?P<path>.+?\.yaml):(?P<line>[1-9][0-9]*): (?P<field>\S.*?): (?P<message>\S.*)$")


def foresight(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    assert FORESIGHT.is_file(), f"console script not installed at {FORESIGHT} (run `make venv`)"
    return subprocess.run([str(FORESIGHT), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_valid_pack_exits_0_with_a_summary():
    result = foresight("validate", str(MINI))
    assert result.returncode == 0, result.stderr
    # stderr holds only warnings (mini's criteria name no calendar day), never problems, in one format
    head, *warnings, tail = result.stderr.splitlines()
    assert head == f"{len(warnings)} warning(s):" and warnings, result.stderr
    assert all(re.fullmatch(r".+\.yaml:\d+: \S+: .+ \[[a-z-]+; where: [^]]+\]", w) for w in warnings), warnings
    assert tail.endswith(f"see `foresight lint {MINI}`.")
    lines = result.stdout.splitlines()
    assert lines[0] == "mini: valid (A small pack for tests)"
    counts = {parts[0]: int(parts[1]) for parts in (line.split() for line in lines[1:7])}
    assert counts == MINI_COUNTS


def test_json_summary_is_exactly_the_counts(tmp_path):
    result = foresight("validate", str(MINI), "--json")
    assert result.returncode == 0, result.stderr
    assert [w.endswith("[criteria-no-date; where: deal-by-june]") for w in json.loads(result.stdout)["warnings"]][0]
    pack = copy_pack(tmp_path)  # the mini pack with criteria that name their day: no warning at all
    replace(pack, "questions.yaml", "signed text before the date.", "signed text before 1 June 2020.")
    replace(pack, "questions.yaml", "two wire services.", "two wire services before 1 December 2020.")
    result = foresight("validate", str(pack), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == MINI_COUNTS
    assert list(json.loads(result.stdout)) == [
        "questions",
        "reference_classes",
        "cases",
        "indicators",
        "documents",
        "evidence",
    ]


def test_broken_pack_exits_2_and_lists_every_problem_as_path_line_field_message(pack):
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: 2")
    replace(pack, "questions.yaml", "closes: 2020-12-01", "closes: 2020-01-01")
    replace(pack, "indicators.yaml", "group: talks", "group: talk")
    result = foresight("validate", str(pack))
    assert result.returncode == 2
    assert result.stdout == ""
    *problem_lines, summary = result.stderr.splitlines()
    assert summary == "3 problem(s); the pack is not valid."
    for line in problem_lines:
        match = PROBLEM_LINE.match(line)
        assert match, f"not PATH/FILE:LINE: field: message: {line!r}"
        assert Path(match["path"]).parent == pack
    assert problem_lines == [
        f"{pack}/evidence.yaml:7: evidence[0].credibility: must be a number at least 0 and at most 1 (got 2)",
        f"{pack}/indicators.yaml:4: indicators[0].group: unknown correlation group 'talk'; "
        "groups declared in pack.yaml: talks, threats",
        f"{pack}/questions.yaml:18: questions[1].closes: closes (2020-01-01) must be after opens (2020-03-01)",
    ]


def test_json_flag_on_a_broken_pack_still_reports_problems(pack):
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: 2")
    result = foresight("validate", str(pack), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{pack}/evidence.yaml:7: evidence[0].credibility:" in result.stderr


def test_relative_path_is_kept_as_given(pack):
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: 2")
    result = foresight("validate", "mini/", cwd=pack.parent)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith("mini/evidence.yaml:7: evidence[0].credibility: ")


@pytest.mark.parametrize("given", ["no-such-pack", "no-such-pack/"])
def test_missing_folder_exits_2_with_a_clear_message(tmp_path, given):
    result = foresight("validate", given, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        "no-such-pack:1: (folder): no such folder: give the path of a scenario pack folder (one holding pack.yaml)"
    )


def test_a_file_instead_of_a_folder(tmp_path):
    (tmp_path / "pack.yaml").write_text("id: x\n", encoding="utf-8")
    result = foresight("validate", str(tmp_path / "pack.yaml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "is a file, not a folder" in result.stderr


def test_empty_folder_lists_every_missing_file(tmp_path):
    result = foresight("validate", str(tmp_path))
    assert result.returncode == 2
    missing = [line for line in result.stderr.splitlines() if ": (file): is missing" in line]
    assert len(missing) == 6


def test_code_in_a_pack_is_refused_not_run(pack, tmp_path):
    marker = tmp_path / "pwned"
    replace(
        pack, "evidence.yaml", "credibility: 0.9", f"credibility: !!python/object/apply:os.system ['touch {marker}']"
    )
    result = foresight("validate", str(pack))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        f"{pack}/evidence.yaml:7: (file): invalid YAML: tag '!!python/object/apply:os.system' is not allowed"
        in result.stderr
    )
    assert not marker.exists()


def test_usage_errors_exit_2():
    result = foresight("validate")
    assert result.returncode == 2
    assert "usage: foresight validate" in result.stderr


def test_a_reader_that_stops_early_gets_no_traceback():
    """`foresight validate PACK | head -1`: the pipe closes before the output is written."""
    proc = subprocess.Popen([str(FORESIGHT), "validate", str(MINI)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line: every write meets a broken pipe
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert err == ""

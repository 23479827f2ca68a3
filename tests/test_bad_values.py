"""Bad values stop before any kernel starts, with one line and exit 2; validate reports each real error once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from foresight.pack.yamlio import YamlSyntaxError, read_yaml
from foresight.run.cli import main
from foresight.run.params import ParameterError, check_params
from packtools import MINI, copy_pack
from test_scenario_notebooks import LINKS


def cli(argv: list[str]) -> int:
    """The exit code, argparse's own exit 2 included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def one_line(capsys, *needles: str) -> str:
    """stderr's last line (argparse puts its usage above it), which must hold every needle; no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    for needle in needles:
        assert needle in last, err
    return last


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if a run gets as far as starting notebooks."""
    from foresight.run import runner

    def refuse(*args, **kwargs):
        raise AssertionError("a run started although a value was bad")

    monkeypatch.setattr(runner, "execute_run", refuse)


# --- 5. values checked before any kernel starts ----------------------------------------------------


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--param", "overrides={ev-talks: sideways}"], ["--param overrides", "sideways"]),
        (["--param", "overrides={no-such-id: present}"], ["--param overrides", "no-such-id"]),
        (["--as-of", "2030-01-01"], ["--as-of", "after every question's window", "2020-01-10 to"]),
        (["--as-of", "1990-01-01"], ["--as-of", "before every question's window"]),
        (["--as-of", "9999-12-31"], ["--as-of", "9999-12-31"]),
        (["--as-of", "0001-01-01"], ["--as-of", "0001-01-01"]),
        (["--as-of", "2020-02-30"], ["--as-of", "YYYY-MM-DD"]),
        (["--draws", "5"], ["draws"]),
        (["--jobs", "0"], ["--jobs"]),
    ],
)
def test_run_refuses_bad_values_before_any_kernel(no_kernel, capsys, tmp_path, args, needles):
    code = cli(["run", str(MINI), "--runs-dir", str(tmp_path / "runs"), "--no-progress", *args])
    assert code == 2
    one_line(capsys, "foresight run:", *needles)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


@pytest.mark.parametrize("name", ["as_of", "today"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_notebook_dates_outside_the_plotting_range_are_refused(name, value):
    with pytest.raises(ParameterError, match="1678-01-01 to 2261-12-31"):
        check_params(**{name: value})


def test_an_override_of_evidence_not_yet_counted_is_checked_all_the_same():
    """ev-drills is observed after 2020-01-10: its bad state was let through on main."""
    with pytest.raises(ParameterError, match="sideways"):
        check_params(pack=str(MINI), question="deal-by-june", as_of="2020-01-10", overrides="{ev-drills: sideways}")


# --- 6. no tracebacks -----------------------------------------------------------------------------


def test_ingest_draws_zero_is_an_option_error(pack, tmp_path, capsys):
    doc = tmp_path / "a.txt"
    doc.write_text("Talks were held.\n", encoding="utf-8")
    assert cli(["ingest", str(pack), str(doc), "--published", "2020-04-01", "--draws", "0"]) == 2
    one_line(capsys, "--draws", "from 100")


GRID = (
    "notebook: forecast\nparameters:\n  pack: {pack}\n  question: deal-by-june\ngrid:\n  as_of: [2020-02-01, {date}]\n"
)


@pytest.mark.parametrize(
    "content, needles",
    [
        (GRID.format(pack=MINI, date="2020-02-30").encode(), ["as_of", "2020-02-30"]),
        (GRID.format(pack=MINI, date="2020-03-01").encode() + b"title: caf\xff\n", ["not UTF-8", "0xff"]),
        (
            GRID.format(pack=MINI, date="2020-03-01").encode() + b"grid:\n  draws: [200]\n",
            ["duplicate key 'grid'"],
        ),
        (b"notebook: forecast\ngrid: !!python/object:os.system {}\n", ["tag"]),
    ],
)
def test_bad_sweep_files_are_one_line_each(no_kernel, capsys, tmp_path, content, needles):
    grid = tmp_path / "grid.yaml"
    grid.write_bytes(content)
    assert cli(["sweep", str(grid), "--runs-dir", str(tmp_path / "runs"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert any(all(n in line for n in needles) for line in err.splitlines()), err


# --- 7. validate reports each real error once -----------------------------------------------------


def _with_links(tmp_path: Path) -> Path:
    pack = copy_pack(tmp_path)
    (pack / "links.yaml").write_text(LINKS, encoding="utf-8")
    return pack


@pytest.mark.parametrize(
    "change, needle",
    [
        (lambda t: t.replace("  - id: deal-by-june\n", "  - id: deal-by-june\n    id: again\n", 1), "duplicate key"),
        (lambda t: t.replace("questions:\n", "questions: &q\n", 1) + "x: *q\n", "alias"),
        (lambda t: t.replace("opens: 2020-01-10", "opens: 2020-12-10", 1), "must be after opens"),
    ],
)
def test_one_error_in_questions_is_reported_once(tmp_path, capsys, change, needle):
    pack = _with_links(tmp_path)
    text = (pack / "questions.yaml").read_text(encoding="utf-8")
    (pack / "questions.yaml").write_text(change(text), encoding="utf-8")
    assert cli(["validate", str(pack)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and needle in err[0] and "1 problem(s)" in err[1], err


# --- 9. smaller faults ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "2"])
def test_diff_threshold_must_be_a_probability_change(capsys, value):
    assert cli(["diff", "a", "b", "--threshold", value]) == 2
    one_line(capsys, "--threshold", "from 0 to 1")


def test_runs_yes_needs_prune(capsys, tmp_path):
    assert cli(["runs", "--yes"]) == 2
    one_line(capsys, "--yes only goes with --prune")


@pytest.mark.parametrize("value", ["/etc/passwd", "/etc/passwd/sub"])
def test_a_cache_dir_that_is_a_file_is_named(monkeypatch, capsys, value):
    monkeypatch.setenv("FORESIGHT_CACHE_DIR", value)
    assert cli(["cache", "info"]) == 2
    one_line(capsys, "is not a folder", "/etc/passwd is a file" if value.endswith("sub") else "it is a file")


@pytest.mark.parametrize("tag", ["!!binary aGVsbG8=", "!!str 5", "!!int '3'", "!foo bar"])
def test_every_yaml_tag_is_refused(tmp_path, tag):
    path = tmp_path / "x.yaml"
    path.write_text(f"title: {tag}\n", encoding="utf-8")
    with pytest.raises(YamlSyntaxError, match="is not allowed"):
        read_yaml(path)


def test_a_huge_key_is_refused_fast(tmp_path):
    path = tmp_path / "questions.yaml"
    path.write_text("questions:\n  - " + "k" * 3_000_000 + ": 1\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(YamlSyntaxError, match="longer than"):
        read_yaml(path)
    assert time.perf_counter() - started < 1.0  # main parsed it for about 3 s before refusing
    with open(path, "wb") as fh:
        fh.truncate(5_000_000)
    with pytest.raises(YamlSyntaxError, match="over the 4 MB limit"):
        read_yaml(path)


def test_a_fifo_as_a_pack_file_is_refused_not_waited_for(tmp_path, capsys):
    pack = copy_pack(tmp_path)
    (pack / "evidence.yaml").unlink()
    os.mkfifo(pack / "evidence.yaml")
    assert cli(["validate", str(pack)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_closed_output_pipe_exits_as_sigpipe_not_as_a_failed_notebook():
    foresight = Path(sys.executable).with_name("foresight")
    proc = subprocess.Popen([str(foresight), "validate", str(MINI)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and err == "", err


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_a_pack_date_outside_the_plotting_range_is_a_validate_error(tmp_path, capsys, value):
    pack = copy_pack(tmp_path)
    text = (pack / "questions.yaml").read_text(encoding="utf-8")
    (pack / "questions.yaml").write_text(text.replace("closes: 2020-06-01", f"closes: {value}", 1), encoding="utf-8")
    assert cli(["validate", str(pack)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "questions[0].closes" in err[0] and "1678-01-01 to 2261-12-31" in err[0], err

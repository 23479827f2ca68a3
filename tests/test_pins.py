"""The three dependency lists agree: pyproject.toml, requirements.lock and environment.yml.

pyproject.toml pins the direct dependencies exactly; requirements.lock pins the whole
tree (what `make` installs); environment.yml repeats the direct pins for conda users.
A version bumped in one place only would give different environments different
results, so every direct pin must appear with the same version in the other two.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9][A-Za-z0-9.+!_-]*)$")


def normalise(name: str) -> str:
    """Package names compare case-insensitively, with '-', '_' and '.' alike (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(lines: list[str], where: str) -> dict[str, str]:
    """``{normalised name: version}`` from ``name==version`` lines; any other form is an error."""
    pins: dict[str, str] = {}
    for line in lines:
        match = PIN.match(line.strip())
        assert match, f"{where}: {line!r} is not pinned exactly as name==version"
        name = normalise(match["name"])
        assert name not in pins, f"{where}: {match['name']} is pinned twice"
        pins[name] = match["version"]
    return pins


def pyproject_pins(text: str) -> dict[str, str]:
    project = tomllib.loads(text)["project"]
    return parse_pins([*project["dependencies"], *project["optional-dependencies"]["dev"]], "pyproject.toml")


def lock_pins(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return parse_pins(lines, "requirements.lock")


def conda_env(text: str) -> tuple[list[str], dict[str, str]]:
    """environment.yml's conda dependencies and its pip pins."""
    deps = yaml.safe_load(text)["dependencies"]
    conda = [dep for dep in deps if isinstance(dep, str)]
    pip = [item for dep in deps if isinstance(dep, dict) for item in dep.get("pip", [])]
    return conda, parse_pins(pip, "environment.yml pip list")


def disagreements(pyproject: str, lock: str, environment: str) -> list[str]:
    """Every way the three files disagree, in words; empty when they agree."""
    direct, locked = pyproject_pins(pyproject), lock_pins(lock)
    _, env_pip = conda_env(environment)
    out = []
    for name, version in direct.items():
        for where, pins in (("requirements.lock", locked), ("environment.yml", env_pip)):
            if name not in pins:
                out.append(f"{name}=={version} is pinned in pyproject.toml but missing from {where}")
            elif pins[name] != version:
                out.append(f"{name} is {version} in pyproject.toml but {pins[name]} in {where}")
    for name in env_pip.keys() - direct.keys():
        out.append(f"{name} is in environment.yml's pip list but not in pyproject.toml")
    return out


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def test_pyproject_pins_every_dependency_exactly():
    pins = pyproject_pins(read("pyproject.toml"))
    assert {"pymc", "pyyaml", "pydantic", "pytest", "hypothesis"} <= pins.keys()


def test_requirements_lock_pins_every_line_exactly():
    assert len(lock_pins(read("requirements.lock"))) > 0


def test_the_three_files_agree():
    assert disagreements(read("pyproject.toml"), read("requirements.lock"), read("environment.yml")) == []


def test_environment_names_python_3_12():
    conda, _ = conda_env(read("environment.yml"))
    assert "python=3.12" in conda
    assert tomllib.loads(read("pyproject.toml"))["project"]["requires-python"] == ">=3.12"


# The checks themselves must be able to fail: run them on doctored copies.


def test_a_version_bumped_in_one_file_only_is_caught():
    lock = read("requirements.lock").replace("pydantic==2.14.3", "pydantic==2.14.4")
    assert disagreements(read("pyproject.toml"), lock, read("environment.yml")) == [
        "pydantic is 2.14.3 in pyproject.toml but 2.14.4 in requirements.lock"
    ]


def test_a_dependency_missing_from_the_environment_is_caught():
    env = read("environment.yml").replace("      - tqdm==4.70.1\n", "")
    assert disagreements(read("pyproject.toml"), read("requirements.lock"), env) == [
        "tqdm==4.70.1 is pinned in pyproject.toml but missing from environment.yml"
    ]


def test_an_extra_environment_package_is_caught():
    env = read("environment.yml").replace("      - tqdm==4.70.1\n", "      - tqdm==4.70.1\n      - rich==15.0.0\n")
    assert disagreements(read("pyproject.toml"), read("requirements.lock"), env) == [
        "rich is in environment.yml's pip list but not in pyproject.toml"
    ]


def test_names_compare_case_insensitively_with_dashes_and_underscores_alike():
    lock = read("requirements.lock").replace("PyYAML==6.0.3", "pyyaml==6.0.3")
    pyproject = read("pyproject.toml").replace('"PyYAML==6.0.3"', '"PyYaml==6.0.3"')
    assert disagreements(pyproject, lock, read("environment.yml")) == []
    assert normalise("typing_extensions") == normalise("Typing-Extensions")


@pytest.mark.parametrize("line", ["numpy>=2.5", "numpy", "numpy==2.5.*", "numpy == 2.5.5 ; python_version>'3'"])
def test_loose_pins_are_refused(line):
    with pytest.raises(AssertionError, match="not pinned exactly"):
        parse_pins([line], "test")

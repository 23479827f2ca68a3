"""The package's layers: a lower layer never imports a higher one (see each subpackage's docstring)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "foresight"
ORDER = ["base", "pack", "model", "evaluate", "report", "run"]


def layer_of(module: str) -> str | None:
    """The layer a dotted ``foresight.x.y`` name belongs to (None for the package root itself)."""
    parts = module.split(".")
    if parts[0] != "foresight" or len(parts) < 2:
        return None
    return parts[1]


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every foresight module ``path`` imports, with the line, including imports inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"{path}:{node.lineno}: use absolute imports (foresight.<layer>...)")
            if node.module and node.module.startswith("foresight"):
                if node.module == "foresight":
                    out.extend((node.lineno, f"foresight.{a.name}") for a in node.names)
                else:
                    out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names if a.name.startswith("foresight"))
    return out


def violations(package: Path = PACKAGE) -> list[str]:
    bad = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if len(rel.parts) < 2:
            continue  # the package root re-exports the public API from every layer
        own = rel.parts[0]
        for line, module in imports_of(path):
            target = layer_of(module)
            if target is None or target not in ORDER:
                bad.append(f"{rel}:{line}: imports {module}, which is in no layer")
            elif ORDER.index(target) > ORDER.index(own):
                bad.append(f"{rel}:{line}: layer {own!r} imports {module} from the higher layer {target!r}")
    return bad


def test_every_module_sits_in_a_layer():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert not loose, f"modules outside a layer: {loose}"
    assert sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()) == sorted(ORDER)


def test_no_layer_imports_a_higher_one():
    assert violations() == []


def test_the_check_catches_an_upward_import(tmp_path):
    """The walker itself must fail on a planted violation (so the test above can fail)."""
    for layer in ORDER:
        (tmp_path / layer).mkdir()
        (tmp_path / layer / "__init__.py").write_text("")
    (tmp_path / "model" / "bad.py").write_text("def f():\n    from foresight.run.params import check_params\n")
    (tmp_path / "pack" / "ok.py").write_text("from foresight.base.paths import project_root\n")
    assert violations(tmp_path) == [
        "model/bad.py:2: layer 'model' imports foresight.run.params from the higher layer 'run'"
    ]


@pytest.mark.parametrize("layer", ORDER)
def test_each_layer_states_its_rule(layer):
    import importlib

    doc = importlib.import_module(f"foresight.{layer}").__doc__ or ""
    assert "May import" in doc, f"foresight.{layer} must say in its docstring what it may import"

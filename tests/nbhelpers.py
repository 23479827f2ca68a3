"""Helpers for tests that execute notebooks: a sandboxed Jupyter environment, papermill, the CLI.

Kernels started by papermill inherit the test process's environment, so the
session fixture below points Jupyter's and matplotlib's state folders at one
temporary folder per test session; the posterior cache they use is the
session's (tests/conftest.py), shared with the in-process tests, so a posterior
sampled once is read back by every later kernel with the same settings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MINI = ROOT / "tests" / "fixtures" / "mini"
SEED = ROOT / "scenarios" / "us-china-korea-2017-2019"
BIN = Path(sys.executable).parent
DRAWS = 200
ENV_DIRS = (
    "JUPYTER_DATA_DIR",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_RUNTIME_DIR",
    "IPYTHONDIR",
    "MPLCONFIGDIR",
)


@pytest.fixture(scope="session")
def notebook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Jupyter/IPython/matplotlib state in a session temp folder (set in os.environ)."""
    base = tmp_path_factory.getbasetemp() / "notebook-env"
    values = {}
    for name in ENV_DIRS:
        folder = base / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        values[name] = str(folder)
    patch = pytest.MonkeyPatch()
    for name, value in values.items():
        patch.setenv(name, value)
    yield values
    patch.undo()


def foresight_cli(*args: str, cwd: Path = ROOT, timeout: int = 900) -> subprocess.CompletedProcess:
    """The installed `foresight` console script, as a user runs it."""
    return subprocess.run([str(BIN / "foresight"), *args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def outputs_of(notebook: Path) -> list[dict]:
    """Every output of every code cell of an executed notebook."""
    nb = read_json(notebook)
    return [out for cell in nb["cells"] if cell["cell_type"] == "code" for out in cell.get("outputs", [])]


def png_count(notebook: Path) -> int:
    return sum(1 for out in outputs_of(notebook) if "image/png" in out.get("data", {}))


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """mtime (ns) and content of every file under ``folder``, to prove a later run left it alone."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def execute(name: str, folder: Path, **parameters) -> Path:
    """Run notebooks/<name>.ipynb into folder with papermill (kernel in notebooks/, like `foresight run`)."""
    import papermill as pm

    from foresight.run import notebooks as suite

    output = folder / f"{name}.ipynb"
    pm.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(output),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        extra_arguments=suite.KERNEL_ARGUMENTS,
        # a cell of these notebooks takes seconds: a reply lost between kernel and client fails the test in
        # minutes instead of holding the suite until CI's limit (seen once in 20-odd runs, the kernel idle)
        execution_timeout=600,
    )
    return output

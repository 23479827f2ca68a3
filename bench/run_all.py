"""Run every benchmark in bench/ in one process and print their ratios (`make bench`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    for path in sorted(HERE.glob("*.py")):
        if path.name == "run_all.py":
            continue
        print(f"== {path.stem}")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.main()
        sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Layer 5 - running things: notebook parameters and their checks, discovering and executing
notebooks with papermill in kernels that die with the run (kernel.py), one live kernel per
worker executing its notebooks in turn (shared_kernel.py), run folders and their
owners (folders.py), the one run lifecycle for runs and sweeps (runner.py, sweep.py) and the
`foresight` command line.

May import: every layer below. Nothing imports it except notebooks, tests and the CLI entry point.
"""

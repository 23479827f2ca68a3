"""Layer 5 - running things: notebook parameters and their checks, discovering and executing
notebooks with papermill, run folders, sweeps and the `foresight` command line.

May import: every layer below. Nothing imports it except notebooks, tests and the CLI entry point.
"""

"""Layer 0 - foundations every layer may use: where the project, its runs and its cache live;
files written atomically (readers never see half a file); child processes that end with their
parent (processes.py).

May import: the standard library and third-party packages only, never another foresight layer.
"""

# Two commands do everything on a fresh machine: `make forecast` and `make test`
# (`make test` skips the tests marked `slow`, which take minutes; `make test-all` runs
# every test). Each first builds .venv (a Python >= 3.12 found by tools/find-python, the pinned
# requirements.lock, and foresight itself in editable mode). The stamp file makes
# a second run skip the install; editing requirements.lock or pyproject.toml
# triggers a reinstall.

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.foresight-installed
DOCSTAMP := $(VENV)/.foresight-docs-installed
PACK    ?= scenarios/us-china-korea-2017-2019
ARGS    ?=

.PHONY: forecast test test-all lint lab venv clean-venv bench docs

forecast: $(STAMP)
	$(VENV)/bin/foresight run $(PACK) $(ARGS)

# worksteal: an idle worker takes tests queued on the busy one (loadfile left one worker with the
# notebook files at the end: 174 s against 143-148 s on 2 cores, measured 2026-12-08)
test: $(STAMP)
	$(PY) -m pytest -m "not slow" -n auto --dist worksteal $(ARGS)

test-all: $(STAMP)
	$(PY) -m pytest $(ARGS)

# JupyterLab on a scratch copy of notebooks/ under .cache/lab/ (a session never dirties the tracked
# notebooks); --allow-root is added when run as root; ARGS go to jupyter lab (e.g. ARGS=--no-browser).
lab: $(STAMP)
	$(PY) -m foresight.run.lab $(ARGS)

bench: $(STAMP)
	$(PY) bench/run_all.py

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@set -e; \
	if [ ! -x $(PY) ]; then \
	  interp=$$(tools/find-python); \
	  echo "foresight: creating $(VENV) with $$interp"; \
	  "$$interp" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock; \
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .; \
	touch $(STAMP); \
	echo "foresight: environment ready in $(VENV)"

# The documentation site (docs/, Sphinx + MyST-NB) into docs/_build/html, offline; warnings are errors.
# Its packages (docs/requirements.lock) go into .venv on the first `make docs` only, constrained by
# requirements.lock, so `make forecast` and `make test` on a fresh clone install nothing more.
docs: $(DOCSTAMP)
	IPYTHONDIR=$(CURDIR)/docs/_build/.ipython JUPYTER_RUNTIME_DIR=$(CURDIR)/docs/_build/.jupyter-runtime \
	  $(PY) -m sphinx -W --keep-going -n -q -b html docs docs/_build/html
	@echo "foresight: documentation in docs/_build/html/index.html"

$(DOCSTAMP): $(STAMP) docs/requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -r docs/requirements.lock
	touch $(DOCSTAMP)

clean-venv:
	rm -rf $(VENV)

lint: $(STAMP)
	$(VENV)/bin/ruff check lib tests bench docs/conf.py docs/_ext
	$(VENV)/bin/ruff format --check lib tests bench docs/conf.py docs/_ext

# Two entry points (see README): `make demo` and `make test`.
# Both create a local virtual environment in .venv and install the project into it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast bench notebooks clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/rrp results data/demo --out results/demo && $(VENV)/bin/rrp reports data/demo --out reports/demo

test: $(STAMP)
	$(PY) -m pytest

# While developing: everything but the slow, browser and notebook (nbval) tests.
test-fast: $(STAMP)
	$(PY) -m pytest tests -m "not slow and not browser"

# Rewrite the notebooks from tools/notebook_sources.py and execute them in place (stored outputs for nbval).
notebooks: $(STAMP)
	$(PY) tools/notebook_sources.py
	$(PY) tools/execute_notebooks.py

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) benchmarks/run_all.py

clean-venv:
	rm -rf $(VENV)

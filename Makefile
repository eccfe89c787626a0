# The README's two commands: `make demo` and `make test`. Both build .venv from scratch if needed.
PYTHON ?= python3
# `make test PYTEST_ARGS=tests/test_cli.py` runs part of the suite (the default: all of it).
PYTEST_ARGS ?=
# Test processes: most tests wait on sandboxes, kernels and subprocesses, so two workers
# nearly halve the suite on a 2-core machine. `make test JOBS=0` runs in one process.
JOBS ?= 2
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/recon demo

test: $(STAMP)
	$(BIN)/ruff check recon tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(JOBS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check recon tests benchmarks
	$(BIN)/ruff format --check recon tests benchmarks

clean:
	rm -rf $(VENV)

# Two commands on a fresh machine: `make run` and `make test`. Each builds .venv from nothing.
#
# `make run` installs only what serving needs; `make test` adds the test tools, then runs the
# suite twice: once on the latest releases (.venv) and once with every dependency at the floor
# pyproject.toml declares (.venv-floor, pinned by constraints-floor.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
FLOOR_VENV := .venv-floor
FLOOR_STAMP := $(FLOOR_VENV)/.installed-floor
PIP := --quiet --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: run test test-latest test-floor lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install $(PIP) -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(RUN_STAMP)
	$(BIN)/python -m pip install $(PIP) -e '.[test]'
	touch $@

$(FLOOR_STAMP): pyproject.toml constraints-floor.txt
	$(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install $(PIP) -c constraints-floor.txt -e '.[test]'
	touch $@

run: $(RUN_STAMP)
	$(BIN)/microrest run examples.showcase:app --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: test-latest test-floor

test-latest: $(TEST_STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The same suite with every dependency at its declared floor (ruff and mypy are run above).
test-floor: $(FLOOR_STAMP)
	$(FLOOR_VENV)/bin/python -m pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/mypy

bench: $(TEST_STAMP)
	$(BIN)/python -m pip install $(PIP) -e '.[bench]'
	$(BIN)/python benchmarks/inprocess.py

clean:
	rm -rf $(VENV) $(FLOOR_VENV) build src/*.egg-info

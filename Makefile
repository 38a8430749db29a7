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
PIP_FLAGS := --quiet --disable-pip-version-check
comma := ,
# pip for an environment: the host Python's pip pointed at it (`pip --python`, pip >= 22.3),
# which spares each new environment its own copy of pip (ensurepip is half of `make run`'s
# start on a fresh clone); the environment's own pip where the host has none.
pip_in = if [ -x $(1)/bin/pip ]; then $(1)/bin/python -m pip $(2) $(PIP_FLAGS); \
	else $(PYTHON) -m pip --python $(1)/bin/python $(2) $(PIP_FLAGS); fi
new_venv = if $(PYTHON) -m pip --help 2>/dev/null | grep -q -- --python; \
	then $(PYTHON) -m venv --without-pip $(1); else $(PYTHON) -m venv $(1); fi
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

# The JSON tests run once more with orjson hidden, as on a machine without the speed extra.
JSON_TESTS := tests/core/test_codec.py tests/core/test_requests.py tests/core/test_responses.py \
	tests/core/test_hot_paths.py tests/adapters/webpy/test_json.py tests/conformance/test_items.py
export NO_ORJSON := import sys; sys.modules["orjson"] = None; import pytest; \
	sys.exit(pytest.main(sys.argv[1:]))

.PHONY: run test test-latest test-floor lint typecheck bench perf-docs clean

$(BIN)/python:
	$(call new_venv,$(VENV))

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(call pip_in,$(VENV),install -e .)
	touch $@

$(TEST_STAMP): pyproject.toml $(RUN_STAMP)
	$(call pip_in,$(VENV),install -e '.[test$(comma)test-latest]')
	touch $@

$(FLOOR_STAMP): pyproject.toml constraints-floor.txt
	$(call new_venv,$(FLOOR_VENV))
	$(call pip_in,$(FLOOR_VENV),install -c constraints-floor.txt -e '.[test]')
	touch $@

run: $(RUN_STAMP)
	@$(BIN)/python -m examples.showcase http://$(HOST):$(PORT)
	$(BIN)/microrest run examples.showcase:app --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: test-latest test-floor

test-latest: $(TEST_STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q
	@echo "JSON tests again without orjson (the stdlib parser must answer the same):"
	$(BIN)/python -c "$$NO_ORJSON" -q $(JSON_TESTS)

# The same suite with every dependency at its declared floor (ruff and mypy are run above).
test-floor: $(FLOOR_STAMP)
	$(FLOOR_VENV)/bin/python -m pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/mypy

bench: $(TEST_STAMP)
	$(call pip_in,$(VENV),install -e '.[bench]')
	$(BIN)/python benchmarks/inprocess.py

# docs/performance.md and .svg from fresh runs (callgrind, profile, wrk): about 40 minutes,
# planned duration printed first. Needs valgrind and wrk.
perf-docs: $(TEST_STAMP)
	$(call pip_in,$(VENV),install -e '.[bench]')
	PYTHON=$(BIN)/python benchmarks/regenerate.sh

clean:
	rm -rf $(VENV) $(FLOOR_VENV) build src/*.egg-info

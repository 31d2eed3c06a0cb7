# Two commands a newcomer needs: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := constraints/requirements-dev.lock
STAMP  := $(VENV)/.installed
SRC    := $(wildcard airflow_provider_spcs tests example_dags benchmarks)

.PHONY: setup lint typecheck unit docs test demo bench lock emulator clean

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# uv installs the pinned set in seconds; a venv made by uv itself has no pip, so ensurepip first.
	test -x $(BIN)/uv || { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null; \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check uv; }
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r $(LOCK)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

lint: setup
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/python -m pytest

docs: setup
	$(BIN)/mkdocs build --strict --site-dir $(VENV)/site

test: lint typecheck docs unit

demo: setup
	$(BIN)/python -m airflow_provider_spcs.testing.demo_dag_run

bench: setup
	$(BIN)/python -m benchmarks

emulator: setup
	$(BIN)/python -m airflow_provider_spcs.testing

# Refresh the pinned versions CI installs (needs the package registry).
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o $(LOCK)

clean:
	rm -rf $(VENV) site .mypy_cache .ruff_cache

# Two commands a newcomer needs: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := constraints/requirements-dev.lock
STAMP  := $(VENV)/.installed
# The floor of `apache-airflow>=3.1`: the suite runs there too, in its own venv.
FLOOR_VENV  := .venv-airflow-3.1
FLOOR_LOCK  := constraints/requirements-airflow-3.1.lock
FLOOR_STAMP := $(FLOOR_VENV)/.installed
SRC    := $(wildcard airflow_provider_spcs tests example_dags benchmarks scripts)
# make e2e needs Debian's Chromium (Playwright never downloads a browser here) and PostgreSQL server.
SUDO         := $(if $(filter 0,$(shell id -u)),,sudo)
E2E_PACKAGES := $(if $(wildcard /usr/bin/chromium),,chromium) $(if $(wildcard /usr/lib/postgresql/*/bin/initdb),,postgresql)
# E2E_ALLOW_STALLS=1 reports triggerer event-loop stalls ("async thread was blocked") without failing e2e.
E2E_ALLOW_STALLS ?= 0

.PHONY: setup lint typecheck unit unit-floor docs e2e test demo bench lock emulator clean

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# uv installs the pinned set in seconds; a venv made by uv itself has no pip, so ensurepip first.
	test -x $(BIN)/uv || { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null; \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check uv; }
	# Bytecode compiled once here, not by every Airflow process (e2e starts dozens).
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r $(LOCK)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

$(FLOOR_STAMP): $(STAMP) $(FLOOR_LOCK)
	test -x $(FLOOR_VENV)/bin/python || $(BIN)/uv venv --quiet --python $(BIN)/python $(FLOOR_VENV)
	$(BIN)/uv pip install --quiet --python $(FLOOR_VENV)/bin/python -r $(FLOOR_LOCK)
	$(BIN)/uv pip install --quiet --python $(FLOOR_VENV)/bin/python --no-deps -e .
	touch $(FLOOR_STAMP)

lint: setup
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/python -m pytest

unit-floor: $(FLOOR_STAMP)
	$(FLOOR_VENV)/bin/python -m pytest -q

docs: setup
	$(BIN)/mkdocs build --strict --site-dir $(VENV)/site

# Real Airflow (api-server, scheduler, dag-processor, triggerer) + the emulator + headless Chromium.
e2e: setup
	$(if $(strip $(E2E_PACKAGES)),$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(strip $(E2E_PACKAGES)))
	# The provider is installed editable: compile it now, not in a triggerer's first import on its event loop.
	$(BIN)/python -m compileall -q airflow_provider_spcs example_dags tests/e2e/dags
	SPCS_E2E_ALLOW_STALLS=$(E2E_ALLOW_STALLS) $(BIN)/python -m tests.e2e

# The two suites are CPU-bound on one core each: on a 2-core machine they run side by side, each
# printing its output when it ends; the real-Airflow run comes after, on an otherwise idle machine.
test: lint typecheck docs
	$(MAKE) --no-print-directory -j2 --output-sync=target unit unit-floor
	$(MAKE) --no-print-directory e2e

demo: setup
	$(BIN)/python scripts/demo_dag_run.py

bench: setup
	$(BIN)/python -m benchmarks

emulator: setup
	$(BIN)/python -m airflow_provider_spcs.testing

# Refresh the pinned versions CI installs (needs the package registry).
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o $(LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet \
		--override constraints/airflow-3.1.override -o $(FLOOR_LOCK)

clean:
	rm -rf $(VENV) $(FLOOR_VENV) site .mypy_cache .ruff_cache

# Every hostile input the provider defends against, tried on the emulator; prints a Markdown table.
.PHONY: hostile
hostile: setup
	$(BIN)/python scripts/hostile_inputs.py

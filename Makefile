# The two commands a newcomer needs: `make run` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
# Everything else needs the test, lint and benchmark tools too.
STAMP := $(VENV)/.installed-dev
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
SAMPLE_CLUSTER := 4f3deec3-efa6-4ee3-a5b1-7a2bbd7d9e7a

.PHONY: run test lint typecheck unit dev-venv test-floor floor-venv unit-python other-venv dist e2e pulumi-tools bench clean

# `make run` installs only what a read needs; again when the version (in _version.py) changes, for the metadata.
$(RUN_STAMP): pyproject.toml pulumi_css_vpcep/_version.py
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(PIP) -e '.[dev,bench]'
	touch $(STAMP)

# Read a cluster's connections: on the real cloud when HW_ACCESS_KEY, HW_SECRET_KEY, HW_REGION_NAME and
# CLUSTER_ID are set, else on the built-in emulator with its sample cluster (and, when a pulumi CLI is on
# PATH, the Python example with `pulumi up` on a local file backend against the emulator too).
run: $(RUN_STAMP)
	@if [ -n "$$HW_ACCESS_KEY" ] && [ -n "$$HW_SECRET_KEY" ] && [ -n "$$HW_REGION_NAME" ] && [ -n "$$CLUSTER_ID" ]; then \
		echo "Reading cluster $$CLUSTER_ID in $$HW_REGION_NAME on Huawei Cloud"; \
		$(BIN)/css-vpcep connections --cluster-id "$$CLUSTER_ID" --output table; \
	else \
		echo "No HW_ACCESS_KEY/HW_SECRET_KEY/HW_REGION_NAME/CLUSTER_ID: reading the sample cluster on the local emulator"; \
		$(BIN)/css-vpcep emulator -- css-vpcep connections --cluster-id $(SAMPLE_CLUSTER) --output table || exit $$?; \
		if command -v pulumi >/dev/null 2>&1; then \
			echo; echo "pulumi CLI found: running examples/python-read with pulumi up against the emulator"; \
			sh examples/python-read/run-on-emulator.sh; \
		else \
			echo; echo "(no pulumi CLI on PATH: the Pulumi example is skipped; see examples/python-read/README.md)"; \
		fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .

# Each Python example is its own program (each has a __main__.py), so each is checked on its own.
typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict tests/e2e/programs/python-reads/__main__.py
	$(BIN)/mypy --strict tests/e2e/programs/python-wait/__main__.py
	@for example in examples/python-*/; do \
		[ -f "$$example/__main__.py" ] || continue; \
		echo "$(BIN)/mypy --strict $$example"; \
		$(BIN)/mypy --strict "$$example" || exit 1; \
	done

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

# The unit suite again, in its own venv, on the lowest versions pyproject.toml declares: pulumi and every other
# runtime dependency at its lower bound (uv's lowest-direct resolution; uv comes from the package index), the
# test tools at their newest that agree with them. tools/check_floor.py fails the run if a resolver chose anything
# else. The venv is built again, from nothing, when pyproject.toml changes (make floor-venv builds only it).
FLOOR_VENV := .venv-floor
FLOOR_STAMP := $(FLOOR_VENV)/.installed-floor
$(FLOOR_STAMP): pyproject.toml pulumi_css_vpcep/_version.py
	rm -rf $(FLOOR_VENV)
	$(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv
	$(FLOOR_VENV)/bin/uv pip install --quiet --python $(FLOOR_VENV)/bin/python --resolution lowest-direct -e .
	$(FLOOR_VENV)/bin/uv pip freeze --quiet --python $(FLOOR_VENV)/bin/python --exclude-editable > $(FLOOR_VENV)/floor.txt
	$(FLOOR_VENV)/bin/uv pip install --quiet --python $(FLOOR_VENV)/bin/python -c $(FLOOR_VENV)/floor.txt -e '.[dev]'
	$(FLOOR_VENV)/bin/python tools/check_floor.py
	touch $(FLOOR_STAMP)

floor-venv: $(FLOOR_STAMP)

test-floor: $(FLOOR_STAMP)
	$(FLOOR_VENV)/bin/pytest -p no:cacheprovider

# The unit suite on another interpreter, in a venv of its own: make unit-python OTHER_PYTHON=/path/to/python3.12
# (make other-venv builds only the venv; again when pyproject.toml or the version changes).
OTHER_PYTHON ?= python3.12
OTHER_VENV = .venv-$(shell $(OTHER_PYTHON) -c 'import sys; print("py%d.%d" % sys.version_info[:2])' 2>/dev/null)
OTHER_STAMP = $(OTHER_VENV)/.installed-dev
$(OTHER_STAMP): pyproject.toml pulumi_css_vpcep/_version.py
	@test "$(OTHER_VENV)" != ".venv-" || { echo "no interpreter $(OTHER_PYTHON)"; exit 2; }
	[ -x $(OTHER_VENV)/bin/python ] || $(OTHER_PYTHON) -m venv $(OTHER_VENV)
	$(OTHER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(OTHER_STAMP)

other-venv: $(OTHER_STAMP)

unit-python: $(OTHER_STAMP)
	$(OTHER_VENV)/bin/pytest -p no:cacheprovider

# Only the venv that make test and make e2e use (.venv, with the dev and bench extras).
dev-venv: $(STAMP)

# The sdist and the wheel in dist/, built with `python -m build`, checked with `twine check`, the wheel
# smoke-tested in a clean venv, and the wheel built from the sdist compared with the checkout's (tools/dist.sh).
dist:
	PYTHON=$(PYTHON) tools/dist.sh

# The pinned Pulumi CLI and plugins, built from Go modules into ~/.cache/pulumi-css-vpcep (once per version).
pulumi-tools:
	@tools/pulumi/build.sh

# The real engine against the emulator: every Pulumi face through up, preview, refresh, destroy and
# stack output, offline on a file:// backend. Under CI a skipped test fails (tests/e2e/conftest.py).
e2e: $(STAMP)
	@bin="$$(tools/pulumi/build.sh)" && CSS_VPCEP_PULUMI_BIN="$$bin" $(BIN)/pytest tests/e2e -m e2e

# Results go to a scratch directory; `make bench SAVE=1` writes the committed ones in benchmarks/results/.
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(if $(SAVE),--save)

clean:
	rm -rf $(VENV) .venv-floor .venv-py3.* dist .mypy_cache .ruff_cache .pytest_cache .hypothesis

# `make generate` and `make test` set everything up themselves: the venv, the package and the tools.
# The venv's Python: the distribution's own (/usr/bin/python3) where it is 3.11 or newer and can make a venv,
# else python3 on PATH; `make PYTHON=...` chooses another (after `make clean`). Debian builds its Python with
# profile-guided and link-time optimisation: a plain Python loop and generate run about a fifth faster on it than
# on a Python compiled without them, as pyenv compiles one by default.
SYSTEM_PYTHON := /usr/bin/python3
PYTHON ?= $(shell $(SYSTEM_PYTHON) -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo $(SYSTEM_PYTHON) || echo python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: generate validate test test-inputs reference unit tools e2e bench publish diff lint clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(INSTALLED)

generate: $(INSTALLED)
	$(BIN)/monitoring generate

tools: $(INSTALLED)
	$(BIN)/monitoring tools --install

validate: tools
	$(BIN)/monitoring validate

# Third-party inputs the import round-trip tests read: Debian's Ceph rules and dashboards (root on Debian).
CEPH_INPUTS := /etc/prometheus/ceph/ceph_default_alerts.yml /etc/grafana/dashboards/ceph-dashboard
test-inputs:
	@for f in $(CEPH_INPUTS); do test -e $$f || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq ceph-prometheus-alerts ceph-grafana-dashboards; break; }; done

# pytest workers (pytest-xdist): one mostly waits on the end-to-end servers while the others run the CPU-bound
# tests; tests/conftest.py keeps each module, and the whole end-to-end suite, on one worker.
TEST_WORKERS ?= 3

# The whole suite: lint, freshness of out/, pytest (unit, golden, integration, e2e), then the checks on out/.
test: tools test-inputs
	$(BIN)/ruff check monitoring tests alerts dashboards benchmarks
	$(BIN)/monitoring generate --check
	$(BIN)/pytest -q -n $(TEST_WORKERS)
	$(BIN)/monitoring validate
	$(BIN)/monitoring test

# The fuzz property of tests/test_fuzz.py with many more examples than `make test` runs.
fuzz: tools
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q tests/test_fuzz.py

e2e: tools
	$(BIN)/pytest -q -m e2e tests/e2e

bench: $(INSTALLED)
	$(BIN)/pip install -q -e '.[bench]'
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

# Both gate themselves: out/ must be fresh and pass the same checks as `validate` (so they need the tools).
publish: tools
	$(BIN)/monitoring publish

diff: tools
	$(BIN)/monitoring diff

# docs/reference.md from the docstrings (a test fails when it is stale).
reference: $(INSTALLED)
	$(BIN)/python -m monitoring.docs.reference

unit: $(INSTALLED)
	$(BIN)/pytest -q -m "not e2e and not integration"

lint: $(INSTALLED)
	$(BIN)/ruff check monitoring tests alerts dashboards benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info

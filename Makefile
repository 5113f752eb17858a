# Nurture: the two commands a new machine needs are `make demo` and `make test`.
PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
# Debian packages the tests need: Chromium for the browser tests, rsync for `invoke publish`.
SYSTEM_PACKAGES := chromium rsync
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help venv system-packages bench-packages demo build serve test lint format bench clean

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

# Installed only when missing (each package provides a command of the same name).
system-packages:
	@missing="$$(for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null || \
		{ echo "error: $$p is missing; install Debian's $$p package" >&2; exit 1; }; done

demo: venv
	$(BIN)/invoke demo

build: venv
	$(BIN)/invoke build

serve: venv
	$(BIN)/invoke serve

test: venv system-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Postfix's smtp-sink and smtp-source, the anchor of the send benchmark. Preseeded so
# that no mail server is configured or started.
bench-packages:
	@command -v smtp-sink >/dev/null || { \
		echo "postfix postfix/main_mailer_type select No configuration" | $(SUDO) debconf-set-selections; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends postfix >/dev/null; }

bench: venv bench-packages
	$(BIN)/python -m bench

clean:
	rm -rf output cache .pytest_cache .ruff_cache

# Satchel: `make serve` to try it, `make test` to check it. Both set up what they need.

PORT ?= 5000
VENV := .venv
PYTHON := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install build serve test lint chromium clean eval

$(VENV)/.installed: pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

build: install
	$(FLASK) bundles build

serve: build
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Browser tests drive Debian's Chromium; Playwright's own download is never used.
chromium:
	test -x /usr/bin/chromium || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

lint: install
	$(VENV)/bin/ruff check server tests

test: install chromium lint
	$(PYTHON) -m pytest

# Search quality on the real MedQuAD corpus (../shared/corpus); not a test.
eval: install
	$(PYTHON) -m server.evaluate

clean:
	rm -rf instance $(VENV)

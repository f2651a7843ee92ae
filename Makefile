# Satchel: `make serve` to try it, `make test` to check it. Both set up what they need.

PORT ?= 5000
PROD_PORT ?= 8080
VENV := .venv
PYTHON := $(VENV)/bin/python
SATCHEL := $(VENV)/bin/satchel
LOCK := requirements.lock
UV_VERSION := 0.13.9
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install lock build build-app serve serve-prod stop-prod bench test lint docs system-packages clean eval

$(PYTHON):
	python3 -m venv $(VENV)

# Exactly the versions (and PyPI's hashes) in the lock, pip and setuptools included;
# then Satchel itself, editable, built with that setuptools.
# built/ must exist for the package map (pyproject.toml); empty, it means "not built yet".
$(VENV)/.installed: $(LOCK) pyproject.toml | $(PYTHON)
	$(PYTHON) -m pip install --quiet --require-hashes -r $(LOCK)
	mkdir -p built
	$(PYTHON) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

# Resolve pyproject.toml's dependencies with its test extra, plus the build backend and
# pip, again against PyPI alone (not this machine's pip config), keeping each pin that
# still fits; `make lock UPGRADE=1` moves every package to its newest allowed release.
BUILD_TOOLS := import tomllib; \
	print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], "pip", sep="\n")
lock: | $(PYTHON)
	$(PYTHON) -m pip install --quiet uv==$(UV_VERSION)
	$(PYTHON) -c '$(BUILD_TOOLS)' | $(VENV)/bin/uv pip compile --quiet \
	  --no-config --default-index https://pypi.org/simple --universal --generate-hashes \
	  --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade) \
	  --extra test pyproject.toml - -o $(LOCK)

build: install
	$(SATCHEL) build

# The production build of the web app (static/ bundled, minified and precompressed into
# built/, see docs/app-build.md) by esbuild, installed from tools/build's lock like ESLint.
# Skipped when built/ already matches the sources.
BUILD_JS := tools/build
ESBUILD_INSTALLED := $(BUILD_JS)/node_modules/.installed

$(ESBUILD_INSTALLED): $(BUILD_JS)/package.json $(BUILD_JS)/package-lock.json
	cd $(BUILD_JS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

build-app: install $(ESBUILD_INSTALLED)
	$(SATCHEL) build-app

serve: build build-app
	$(SATCHEL) serve --host 127.0.0.1 --port $(PORT)

# The production topology: nginx in front of gunicorn workers sharing Redis, what readers send
# kept in PostgreSQL (see docs/operations.md). Ctrl-C stops all four; so does `make stop-prod`.
serve-prod: build build-app system-packages
	$(PYTHON) -m deploy serve --port $(PROD_PORT)

stop-prod: install
	$(PYTHON) -m deploy stop

# Build, bytes, server and device search figures in one table (about 15 minutes on 2
# cores; the device section needs Chromium and npm);
# writes bench/results/latest.json. Not part of `make test`. `make bench GROWTH=50000`
# adds 50,000 summaries to the growth rows (about three quarters of an hour more).
GROWTH ?=
bench: install system-packages build-app
	$(PYTHON) -m bench --growth-sizes "$(GROWTH)"

# Browser tests drive Debian's Chromium (Playwright's own download is never used);
# msgfmt (gettext) proves our PO files are valid for translators' tools; the
# production topology test runs Debian's nginx (with its brotli module) and
# redis-server; `make bench` loads them with wrk; poppler-utils reads the text of the
# PDF an article prints to (pdftotext); the reports database's tests run Debian's
# PostgreSQL 15 beside SQLite.
SYSTEM_PACKAGES := chromium gettext nginx libnginx-mod-http-brotli-static \
	libnginx-mod-http-brotli-filter redis-server wrk poppler-utils postgresql
system-packages:
	test -x /usr/bin/chromium && command -v msgfmt >/dev/null && \
	  command -v pdftotext >/dev/null && test -x /usr/lib/postgresql/15/bin/postgres && \
	  test -x /usr/sbin/nginx && test -x /usr/bin/redis-server && test -x /usr/bin/wrk && \
	  test -f /usr/share/nginx/modules-available/mod-http-brotli-static.conf && \
	  test -f /usr/share/nginx/modules-available/mod-http-brotli-filter.conf || \
	  { $(SUDO) apt-get update && $(SUDO) apt-get install -y $(SYSTEM_PACKAGES); }

# ESLint and its rules come from the npm registry at the versions in tools/lint's lock file,
# installed into tools/lint/node_modules once per lock (the stamp), never on every run.
LINT_JS := tools/lint
ESLINT_INSTALLED := $(LINT_JS)/node_modules/.installed

$(ESLINT_INSTALLED): $(LINT_JS)/package.json $(LINT_JS)/package-lock.json
	cd $(LINT_JS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The docs site (mkdocs.yml, docs/): cog writes its tables of settings, commands, API
# endpoints, stages and modules from the code (docs/cog_tables.py), then MkDocs builds
# it into site/ (git-ignored), failing on any warning (a broken link or anchor).
COG := $(VENV)/bin/cog -I docs
DOCS_PAGES := $(wildcard docs/*.md)
docs: install
	$(COG) -r $(DOCS_PAGES)
	$(VENV)/bin/mkdocs build --strict

# The docs step checks the tables are current without writing them.
lint: install $(ESLINT_INSTALLED)
	$(VENV)/bin/ruff check satchel tests deploy bench docs
	$(LINT_JS)/node_modules/.bin/eslint --config $(LINT_JS)/eslint.config.js --max-warnings 0 .
	$(COG) --check --check-fail-msg "run 'make docs'" $(DOCS_PAGES)
	$(VENV)/bin/mkdocs build --strict --quiet

# Tests run on both cores: each worker takes whole test files, so a module's shared
# fixtures (a built corpus, a wheel, a topology) are made once; every test keeps to its
# own temporary folders and free loopback ports. The files are handed out in collection
# order, the longest first (tests/conftest.py), so both workers finish together.
# `make test TEST_WORKERS=0` runs them in one process.
TEST_WORKERS ?= 2
test: install system-packages lint build-app
	$(PYTHON) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Search quality on the real MedQuAD corpus (../shared/corpus); not a test.
eval: install
	$(PYTHON) -m satchel.evaluate

clean:
	rm -rf instance site built $(VENV) $(LINT_JS)/node_modules $(BUILD_JS)/node_modules

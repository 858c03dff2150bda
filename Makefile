# The README's commands. Everything runs inside .venv, created on first use.
PYTHON_SYSTEM ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# npm writes this file on every install: newer than package-lock.json means up to date.
NODE_STAMP := node_modules/.package-lock.json
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install data rebuild-data run serve-prod test lint typecheck fmt bench bench-peers screenshot clean audit

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Browser libraries of the web page (Leaflet), from package-lock.json; node_modules is not in git.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# Build the derived files only when they are missing (they are committed).
data: $(STAMP)
	test -f data/MANIFEST.json || $(VENV)/bin/geoservice data build

rebuild-data: $(STAMP)
	$(VENV)/bin/geoservice data build

# The web page at http://$(HOST):$(PORT)/ and the API under /api/v1.
run: data $(NODE_STAMP)
	$(VENV)/bin/geoservice serve --host $(HOST) --port $(PORT)

# Production: several workers, each loading the data once at start-up.
serve-prod: data $(NODE_STAMP)
	$(VENV)/bin/gunicorn --config config/gunicorn.conf.py --bind $(HOST):$(PORT) 'geoservice.wsgi:create_app()'

lint: $(STAMP)
	$(VENV)/bin/ruff check geoservice tests benchmarks
	$(VENV)/bin/ruff format --check geoservice tests benchmarks

fmt: $(STAMP)
	$(VENV)/bin/ruff format geoservice tests benchmarks
	$(VENV)/bin/ruff check --fix geoservice tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# PYTHONFAULTHANDLER: a crash, even during interpreter exit, prints the Python stacks.
test: $(STAMP) $(NODE_STAMP) lint typecheck
	PYTHONFAULTHANDLER=1 $(PY) -m pytest

bench: data
	@for b in benchmarks/*.py; do \
		[ "$$b" = benchmarks/doc_section.py ] && continue; \
		echo "== $$b"; $(PY) $$b || exit 1; done

# The README's picture of the page, taken by headless Chromium (Debian's chromium).
screenshot: data $(NODE_STAMP)
	$(PY) -m tests.e2e.screenshot docs/screenshot.png

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Known vulnerabilities of the installed dependencies (needs PyPI; says so when unreachable).
audit: $(STAMP)
	bash .ci/audit

# Side-by-side with Valhalla 3.9.1 on the same roads (downloads the pyvalhalla wheel from PyPI).
bench-peers: data
	$(PY) benchmarks/peers/valhalla.py

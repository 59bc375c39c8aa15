# The two commands of the README: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest bench load install system-packages screenshots clean

# Debian packages some tests need: espeak-ng and sox (prompt audio), chromium (the console in
# a browser). Installed when missing and this is root with apt-get; else those tests skip.
SYSTEM_PACKAGES := espeak-ng sox chromium

# The console's catalogs are compiled (.po -> .mo) by the package build (setup.py).
CATALOGS := $(wildcard hotline/supervisor/translations/*/LC_MESSAGES/messages.po)

$(STAMP): pyproject.toml setup.py $(CATALOGS)
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (set PYTHON=...)"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# A working hotline on a laptop: SQLite, embedded Redis, the Twilio emulator, web and worker.
run: install
	$(BIN)/hotline db upgrade
	$(BIN)/hotline demo seed
	$(BIN)/hotline demo admin
	$(BIN)/hotline demo banner
	$(BIN)/honcho -f Procfile.dev start

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# One pytest worker per core (pytest-xdist); `make test PYTEST_WORKERS=` runs in one process.
PYTEST_WORKERS ?= -n auto

# pytest on SQLite first, then on PostgreSQL when DATABASE_URL is set (.ci/run sets it when
# one answers). Redis: REDIS_URL when set, else the embedded one.
pytest: install
	env -u DATABASE_URL $(BIN)/pytest -q $(PYTEST_WORKERS)
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "== again on $${DATABASE_URL%%://*}"; $(BIN)/pytest -q $(PYTEST_WORKERS); \
	else echo "DATABASE_URL not set: PostgreSQL pass skipped"; fi

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES) $(EXTRA_PACKAGES); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1; then \
	  echo "installed:$$missing"; \
	else echo "not installed:$$missing (the tests that need them are skipped)"; fi

test: system-packages lint typecheck pytest

# The README's console screenshots, taken by the browser tests in the system's Chromium.
screenshots: install
	HOTLINE_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/test_console_browser.py

# Webhooks beside a bare Flask ceiling (wrk, installed if missing), routing at scale, 200
# simultaneous calls, 1,000 callbacks: bench/__main__.py says what each part measures.
bench: install
	@$(MAKE) --no-print-directory system-packages EXTRA_PACKAGES=wrk
	$(BIN)/python -m bench

# 200 simultaneous whole calls through gunicorn on PostgreSQL (BENCH_DATABASE_URL, default a
# local hotline_bench database): fails on any error, reserve-line answer or double booking.
load: install
	timeout 900 $(BIN)/python -m bench.crowd --calls 200

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

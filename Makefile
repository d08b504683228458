# delib: `make run` serves the demo, `make test` runs the whole suite. Both start from nothing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app delib
STAMP := $(VENV)/.installed

.PHONY: run serve test test-pg install migrate demo lint bench eval translations messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "delib needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations instance/config.py
	@sh scripts/ensure-pdf.sh

# A secret key made once per checkout, never committed.
instance/config.py:
	@mkdir -p instance
	@$(PYTHON) -c 'import secrets; print("SECRET_KEY = " + repr(secrets.token_hex(32)))' > $@
	@echo "Wrote $@ with a new SECRET_KEY."

# The .mo files are built here, never committed. A broken catalog fails the build.
translations: $(STAMP)
	@$(BIN)/pybabel compile -d delib/translations -D messages

# After changing user-facing texts: extract them and merge into the da and en catalogs, then
# translate the new English entries (tests/test_i18n.py fails while any is missing or stale).
# The keywords must match KEYWORDS in tests/test_i18n.py.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		--sort-by-file --no-wrap --project=delib --version=0.1 -o delib/translations/messages.pot .
	$(BIN)/pybabel update -i delib/translations/messages.pot -d delib/translations -D messages \
		--no-wrap --ignore-obsolete

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) seed-demo

# Links that leave the app (join, invitations) name this server unless DELIB_BASE_URL says
# otherwise (set it to the address phones use when serving on 0.0.0.0).
BASE_URL_ENV = DELIB_BASE_URL=$${DELIB_BASE_URL:-http://$(HOST):$(PORT)}

run: demo
	$(BASE_URL_ENV) $(FLASK) run --host $(HOST) --port $(PORT)

# The demo behind the production server: gunicorn's sync workers (deploy/gunicorn.conf.py) on
# HOST:PORT and the server-push stream on gevent workers (deploy/gunicorn_stream.conf.py) on
# HOST:STREAM_PORT; scripts/serve.sh runs both and Ctrl-C stops both.
STREAM_PORT ?= $(shell expr $(PORT) + 1)
serve: demo
	$(BASE_URL_ENV) HOST=$(HOST) PORT=$(PORT) STREAM_PORT=$(STREAM_PORT) BIN=$(BIN) \
		bash scripts/serve.sh

test: install lint
	@sh scripts/ensure-chromium.sh
	$(BIN)/python -m pytest -n auto -q

# The same suite against a throw-away PostgreSQL server (installed from Debian if missing).
test-pg: install
	bash scripts/with-postgres.sh $(BIN)/python -m pytest -n auto -q

# The summit's load on this machine: real gunicorn (sync + gevent stream), 10,000 streams, the
# stress break, the crowd join, KL's overview; targets with pass/miss.
# BENCH_ARGS="--quick" for a short smoke run; "--profile" records py-spy profiles.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Quality figures on the project's own Danish sets: search recall/precision, task suggestions'
# macro-F1 (held-out, bootstrap interval), themes found. EVAL_ARGS="search" runs one part.
eval: install
	$(BIN)/python eval/run.py $(EVAL_ARGS)

# Part of `make test`: ruff (style, bugs, security rules) and bandit, both must be clean.
lint: install
	$(BIN)/ruff check -q delib tests bench eval
	$(BIN)/bandit -q -c pyproject.toml -r delib

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

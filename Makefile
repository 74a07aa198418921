# jointprojects: make run (demo on SQLite) and make test (SQLite, then PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run install init-db demo test test-sqlite test-postgres lint bench clean translations

# Message catalogs (issue 17): English is the message ids themselves (messages.pot), French
# is translations/fr/LC_MESSAGES/messages.po. The .mo files are built here, never committed.
TRANSLATIONS := jointprojects/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

$(BIN)/jointprojects: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/jointprojects $(COMPILED)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(BIN)/jointprojects
	$(BIN)/pybabel compile --statistics -D messages -d $(TRANSLATIONS) -l $*

# Extract every marked string (templates, _(), lazy_gettext, ngettext, vocabulary.N_), merge
# it into the French catalog (new strings arrive untranslated; the i18n tests say which),
# compile.
translations: $(BIN)/jointprojects
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k lazy_gettext -k _l -k add:2 -k conflict:2 -k t \
		-k DomainError -k NotFound -k Conflict -k Forbidden -k error_response:3 -k Message -k msg -k msg_n:1,2 \
		--no-wrap --sort-by-file --project=jointprojects -o $(TRANSLATIONS)/messages.pot . >/dev/null
	test -f $(TRANSLATIONS)/fr/LC_MESSAGES/messages.po || \
		$(BIN)/pybabel init -D messages -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l fr
	$(BIN)/pybabel update --no-wrap --no-fuzzy-matching -D messages \
		-i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(BIN)/pybabel compile --statistics -D messages -d $(TRANSLATIONS)

init-db: install
	$(BIN)/jointprojects init-db

demo: init-db
	$(BIN)/jointprojects demo

run: demo
	@echo "jointprojects on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(BIN)/jointprojects serve --host $(HOST) --port $(PORT)

# The suite runs twice: on SQLite, then on a throwaway PostgreSQL database that the tests
# create and drop (JOINTPROJECTS_TEST_PG_URL, default the local server). Under CI=true the
# PostgreSQL run fails rather than skips when the server is not there.
test: install
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test-postgres:
	JOINTPROJECTS_TEST_DB=postgres $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# ruff, then mypy (scope and strictness in pyproject.toml [tool.mypy]; cache in .mypy_cache).
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/bench_allocation.py
	$(BIN)/python benchmarks/bench_cost_split.py

clean:
	rm -rf $(VENV) instance *.egg-info

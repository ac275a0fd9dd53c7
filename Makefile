# The two commands of the README: `make run` (set up, load demo data, start everything) and
# `make test` (set up, run the whole suite). Everything else here is what they are made of.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test setup venv assets translations messages migrate demo lint audit browser bench clean-var

run: setup demo
	@scripts/run.sh

test: setup browser
	$(PY) -m ruff check .
	PY=$(PY) scripts/audit.sh
	$(PY) -m pytest

setup: venv assets translations migrate

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	@touch $@

assets: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

translations: venv
	$(PY) manage.py compile_translations

# The strings of the code and templates into the Chinese catalogue (needs GNU gettext): fill in the new
# and fuzzy msgstr, then `make translations`. tests/test_translations.py extracts with these flags too.
MESSAGES_FLAGS := --ignore=.venv --ignore=node_modules --ignore=var --ignore=tests --ignore=bench --no-location --no-obsolete
messages: venv
	$(PY) manage.py makemessages -l zh_Hans $(MESSAGES_FLAGS)
	msgcat --width=79 -o locale/zh_Hans/LC_MESSAGES/django.po locale/zh_Hans/LC_MESSAGES/django.po

migrate: venv
	$(PY) manage.py database_create
	$(PY) manage.py migrate --noinput
	$(PY) manage.py sync_beat_schedule

# Development data: DEBUG on (as scripts/run.sh), which load_demo requires unless --allow-production.
demo: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_demo

# Debian's Chromium and a CJK font for tests/browser, installed when missing.
browser:
	scripts/browser.sh

# Known vulnerabilities of the installed packages; fails where PyPI's advisory data is out of reach.
audit: venv
	PY=$(PY) AUDIT_REQUIRED=1 scripts/audit.sh

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: setup
	@ls bench/*.py >/dev/null 2>&1 && for b in bench/*.py; do $(PY) $$b; done || echo "no benchmarks yet"

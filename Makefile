# Two commands a newcomer needs:
#   make demo   create the venv, install, migrate, load the demo data, serve on http://127.0.0.1:8000/
#               (another port: make demo PORT=8080)
#   make test   create the venv, install, run the whole test suite
# Both are safe to run again: each step does nothing when its work is already done.

# python3.11 from PATH, else python3 when that is 3.11; `make demo PYTHON=...` overrides.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(shell command -v python3.11 2>/dev/null) \
	$(shell python3 -c 'import sys; print(sys.executable if sys.version_info[:2] == (3, 11) else "")' 2>/dev/null) \
	python3.11)
endif
VENV := .venv
PY := $(VENV)/bin/python
# Touched after a successful install: pip runs again only when pyproject.toml changes.
INSTALLED := $(VENV)/.installed
# The port `make demo` serves on: `make demo PORT=8080` when 8000 is taken.
PORT ?= 8000
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k sheets"` or `PYTEST_ARGS=--create-db` in CI.
PYTEST_ARGS ?=

.PHONY: demo test install venv messages compile-messages migrate lint openapi clean

demo: install compile-messages migrate
	$(PY) manage.py seed_demo
	TWO_FACTOR_REQUIRED=false $(PY) manage.py runserver 127.0.0.1:$(PORT)

# -rfEs lists failures, errors and skips (with their reasons) at the end; a skipped test is
# not a passed one. pytest's exit code 5 (no tests collected) fails make like any other.
# Serial by default; `make test PYTEST_ARGS="-n 2"` runs two workers (two browsers, two live
# servers, two test databases). Measured on 2026-12-03 on this 2-core machine, SQLite, with other
# work running beside it: the 900 tests without a browser (-m "not browser") took 3m06s serial and
# 1m50s with -n 2; the 27 browser tests alone 1m19s serial; all 927 with -n 2, 3m36s.
test: install compile-messages
	$(PY) -m pytest -rfEs $(PYTEST_ARGS)

install: $(INSTALLED)

venv: $(PY)

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
		echo "error: $(PYTHON) was not found. patentnavi needs Python 3.11 (see pyproject.toml)." >&2; \
		echo "       Install it (e.g. 'apt-get install python3.11 python3.11-venv' or pyenv), or point" >&2; \
		echo "       make at one: make demo PYTHON=/path/to/python3.11" >&2; \
		exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
		echo "error: $(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'), not 3.11." >&2; \
		echo "       Point make at a Python 3.11: make demo PYTHON=/path/to/python3.11" >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)

# The project is not a library: the editable install only brings in the pinned dependencies.
# --quiet hides the progress chatter; pip still prints errors and warnings. setuptools warns that
# the folder patentnavi/ shares the distribution's name: it is the project package, meant to be
# imported from the work tree, so that one warning is silenced.
$(INSTALLED): pyproject.toml | $(PY)
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# Compiled translations (.mo) are committed next to their .po files, so a checkout serves
# English without gettext. This recompiles only when a .po is newer than its .mo and msgfmt
# exists; without msgfmt the committed .mo files are used as they are.
compile-messages: install
	@stale=$$(find locale */locale -name '*.po' 2>/dev/null | while read -r po; do \
		[ "$${po%.po}.mo" -nt "$$po" ] || echo "$$po"; done); \
	if [ -z "$$stale" ]; then :; \
	elif command -v msgfmt >/dev/null 2>&1; then \
		$(PY) manage.py compilemessages --ignore=.venv --verbosity 0; \
	else \
		for po in $$stale; do [ -f "$${po%.po}.mo" ] || \
			echo "warning: $$po has no compiled .mo and gettext's msgfmt is missing: its translations are not shown" >&2; \
		done; \
	fi

# For developers changing user-facing strings (needs gettext): extract, then compile and
# commit both the .po and the .mo files.
messages: install
	$(PY) manage.py makemessages --locale en --ignore=.venv --ignore=staticfiles --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

migrate: install
	$(PY) manage.py migrate --noinput

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# The OpenAPI schema of /api/v1/, committed: a change to the API shows in review as a change to
# docs/openapi.yaml. tests/test_openapi_schema.py fails while the file lags behind the code.
openapi: install
	$(PY) manage.py spectacular --file docs/openapi.yaml --validate

# Removes what the commands above create locally; the committed .mo files stay.
clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts .pytest_cache .ruff_cache *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

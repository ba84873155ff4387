# 人防日检 Shelter Daily Check. README.md explains the two commands that matter:
#   make run    install everything, build the SQLite database with demo data, serve on :5000
#   make test   install the test dependencies (Chromium, zbar, poppler, CJK fonts) and run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app webapp
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2
DEB_TEST_PACKAGES := chromium zbar-tools poppler-utils fonts-wqy-zenhei nodejs postgresql redis-server

.PHONY: run limits-warning install test system-test-deps pg-test migration translations bench clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[postgres,test]'
	touch $(BIN)/activate

install: $(BIN)/activate
	@# QR labels embed a CJK font (webapp/qr_labels.py); installed only when missing.
	@if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei; fi
	$(BIN)/python -m webapp.translations.build

run: install
	$(FLASK) db upgrade
	$(BIN)/flask --app webapp.demo seed-demo
	@$(MAKE) -s limits-warning
	SHELTER_PUBLIC_BASE_URL=$${SHELTER_PUBLIC_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/gunicorn -c python:webapp.gunicorn_conf --workers $(WORKERS) --threads 4 --bind $(HOST):$(PORT) 'webapp:create_app()'

# Failed-login counters live in SHELTER_RATELIMIT_STORAGE_URI (memory:// by default): with
# several workers each counts in its own memory, so a guesser gets WORKERS times the limit.
limits-warning:
	@case "$${SHELTER_RATELIMIT_STORAGE_URI:-memory://}" in memory://*) \
		if [ "$(WORKERS)" -gt 1 ]; then \
			echo "warning: $(WORKERS) workers count failed logins each in its own memory; set SHELTER_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 to count them together (docs/deploy.md)" >&2; \
		fi;; \
	esac

# Debian packages the tests use: a real browser, a real QR decoder, a PDF renderer, CJK fonts,
# PostgreSQL (a server of the fault tests' own to restart; pg_dump and pg_restore for backups).
system-test-deps:
	@missing=""; for p in $(DEB_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

test: install system-test-deps
	$(BIN)/ruff check webapp tests bench
	$(BIN)/bandit -q -r webapp
	$(BIN)/pytest -q

# The database tests again, on PostgreSQL (used by .ci/run).
pg-test: install
	SHELTER_TEST_DATABASE_URL=$${SHELTER_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/pytest -q -m db

# A new migration from the difference between the models and the committed migrations:
#   make migration MSG="what changes"   (then read and edit the generated file)
migration: install
	rm -f /tmp/shelter-migrations.sqlite3
	SHELTER_DATABASE_URL=sqlite:////tmp/shelter-migrations.sqlite3 $(FLASK) db upgrade
	SHELTER_DATABASE_URL=sqlite:////tmp/shelter-migrations.sqlite3 $(FLASK) db migrate -m "$(MSG)"
	rm -f /tmp/shelter-migrations.sqlite3

# Merge webapp/translations/src/*.po and compile them (also done by every install).
translations: install

clean:
	rm -rf $(VENV) instance

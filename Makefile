# motcua: `make run` starts the demo, `make test` runs lint, types and the test suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt pyproject.toml | sha256sum | cut -c1-16)
HOST ?= 127.0.0.1
PORT ?= 8000
RUN_ENV := DEBUG=$${DEBUG:-true}

.PHONY: run test lint typecheck pytest venv messages bench clean node openapi

venv: $(STAMP)

$(STAMP): requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Test-only JavaScript tools (axe-core for the accessibility checks), pinned in package-lock.json.
node: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch node_modules/.installed

messages: venv
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var >/dev/null

run: venv messages
	mkdir -p var
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py load_demo
	$(RUN_ENV) $(BIN)/python manage.py results_demo_pki
	@echo
	@echo "motcua is running at http://$(HOST):$(PORT)/  (staff: http://$(HOST):$(PORT)/can-bo/, admin: http://$(HOST):$(PORT)/quan-tri/)"
	@$(RUN_ENV) $(BIN)/python manage.py demo_accounts
	@echo
	@echo "worker and beat: log in var/worker.log, pid in var/worker.pid (stopped with the server)"
	$(RUN_ENV) $(BIN)/celery -A motcua worker --beat --loglevel=INFO --concurrency=1 >var/worker.log 2>&1 & \
	worker=$$!; echo $$worker >var/worker.pid; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null; rm -f var/worker.pid' EXIT INT TERM; \
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: venv
	DEBUG=true $(BIN)/mypy src

pytest: venv messages node
	DEBUG=false SECRET_KEY=test-only-secret-key-not-for-production-0123456789abcdef \
	ALLOWED_HOSTS=testserver,localhost,127.0.0.1 SECURE_SSL_REDIRECT=false \
	$(BIN)/pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest
	mkdir -p var
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	DEBUG=true $(BIN)/python manage.py openapi --check

# The committed OpenAPI schema of /api/v1/ (docs/api/openapi.json); `make test` fails when it is stale.
openapi: venv
	DEBUG=true $(BIN)/python manage.py openapi

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var node_modules .pytest_cache .mypy_cache .ruff_cache

# The two commands: `make run` and `make test`. Everything else is a convenience.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ARGS ?=
# Bootstrap the venv, then make PostgreSQL and Redis reachable (exports DATABASE_URL, REDIS_URL).
ENV := scripts/bootstrap.sh && . scripts/services.sh

.PHONY: help run test lint fmt migrate seed shell clean-local

help:  ## list the targets
	@echo "Targets:"
	@grep -E '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run:  ## web + worker + beat with the demo business (Ctrl-C stops all)
	@scripts/run.sh

test:  ## ruff and the whole pytest suite (ARGS="-k name" to narrow)
	@scripts/test.sh $(ARGS)

lint:  ## ruff check and format check
	@scripts/bootstrap.sh && .venv/bin/ruff check . && .venv/bin/ruff format --check .

fmt:  ## format and fix what ruff can
	@scripts/bootstrap.sh && .venv/bin/ruff format . && .venv/bin/ruff check --fix .

migrate:  ## migrate the public and every tenant schema
	@$(ENV) && .venv/bin/python manage.py migrate_schemas --noinput

seed:  ## create or refresh the demo business (password: DEMO_PASSWORD or .local/demo_password)
	@$(ENV) && mkdir -p .local && \
	  { [ -n "$${DEMO_PASSWORD:-}" ] || [ -s .local/demo_password ] || \
	    python3 -c 'import secrets; print(secrets.token_urlsafe(9))' >.local/demo_password; } && \
	  DEMO_PASSWORD="$${DEMO_PASSWORD:-$$(cat .local/demo_password)}" .venv/bin/python manage.py seed_demo

shell:  ## Django shell
	@$(ENV) && .venv/bin/python manage.py shell

clean-local:  ## stop the PostgreSQL and Redis started under .local and remove it
	@scripts/clean-local.sh

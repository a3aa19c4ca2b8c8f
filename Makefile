# AgentLocator developer entry points. `make` (or `make help`) lists the targets.
#
#   make up     build and run the whole stack in one process (embedded defaults, no keys needed)
#   make test   what CI runs (.ci/run): services, fmt, clippy, nextest, compose check

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

CARGO ?= cargo
# Build output stays in the repo, whatever the calling environment says.
export CARGO_TARGET_DIR := $(CURDIR)/target

# Test services; override from the environment or the command line.
AL_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432
AL_TEST_NATS_URL ?= nats://127.0.0.1:4222
export AL_TEST_POSTGRES_URL AL_TEST_NATS_URL

# Extra arguments: `make up ARGS=...`, `make nextest NEXTEST_ARGS="-E test(phone)"`.
ARGS ?=
NEXTEST_ARGS ?=
NEXTEST_PROFILE ?= ci

BIN := target/release/agentlocator

.PHONY: help up build build-whisper web web-test openapi demo test test-clients services tools tools-test fmt fmt-check lint nextest sidecar-test compose-check k8s-check clean

help: ## list the targets
	@echo "AgentLocator — make targets:"
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z0-9_-]+):.*## (.*)/  \1\t\2/' | expand -t 18

up: tools web build ## build (release) and run every service in one process (agentlocator up) plus the WhatsApp sidecar
	BIN=$(BIN) scripts/up.sh $(ARGS)

build: ## cargo build --release -p agentlocator
	$(CARGO) build --release -p agentlocator

build-whisper: ## build (release) with local whisper.cpp transcription (STT_ENGINE=whisper-cpp); installs cmake/clang/libclang-dev when missing
	scripts/ensure-tools.sh whisper
	$(CARGO) build --release -p agentlocator --features speech-svc/whisper

web: ## build the web app (web/dist) when web/package.json exists; nothing yet otherwise
	@if [[ -f web/package.json ]]; then \
	  echo "web: npm ci && npm run build"; \
	  cd web && npm ci && npm run build; \
	else \
	  echo "web: no web/package.json yet; nothing to build"; \
	fi

web-test: ## the web app's checks: npm ci, typecheck, Vitest, then the production build (web/dist, used by the browser test)
	cd web && npm ci --no-audit --no-fund && npm run typecheck && npm test -- --run && npm run build

openapi: ## after an API change: rewrite web/openapi.json from the gateway's spec and the web app's generated API types (web/src/lib/api-schema.ts)
	UPDATE_OPENAPI=1 $(CARGO) test -p agentlocator-gateway --test openapi the_checked_in_spec_is_current
	cd web && { [[ -d node_modules ]] || npm ci --no-audit --no-fund; } && npm run gen:api

demo: tools ## run the demo: cargo run --release -p agentlocator -- demo
	$(CARGO) run --release -p agentlocator -- demo $(ARGS)

test: ## what CI runs: services, fmt check, clippy -D warnings, nextest (profile ci), compose check
	scripts/ensure-tools.sh test
	scripts/ensure-services.sh
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(MAKE) test-clients
	$(MAKE) --no-print-directory web-test
	$(CARGO) nextest run --workspace --profile $(NEXTEST_PROFILE) $(NEXTEST_ARGS)
	$(MAKE) --no-print-directory sidecar-test
	scripts/compose-check.sh
	scripts/k8s-check.sh

test-clients: ## install the stock browser-side clients the end-to-end tests drive (tests/node: socket.io-client)
	cd tests/node && npm ci --no-audit --no-fund

services: ## start PostgreSQL and NATS (JetStream) for the tests when they are not running
	scripts/ensure-services.sh

tools: ## install small runtime tools when missing (espeak-ng; warns only)
	scripts/ensure-tools.sh runtime

tools-test: ## install the test tools when missing (rustfmt, clippy, cargo-nextest)
	scripts/ensure-tools.sh test

nextest: services ## only the tests (default profile: fail fast)
	$(CARGO) nextest run --workspace $(NEXTEST_ARGS)

fmt: ## format all Rust code
	$(CARGO) fmt --all

fmt-check: ## check formatting only
	$(CARGO) fmt --all -- --check

lint: ## clippy over the workspace, warnings are errors
	$(CARGO) clippy --workspace --all-targets -- -D warnings

sidecar-test: ## WhatsApp sidecar (Node): npm ci, typecheck, node --test
	@command -v npm >/dev/null || { echo "error: the WhatsApp sidecar needs Node.js 20+ and npm (https://nodejs.org or your distribution's nodejs package)" >&2; exit 1; }
	cd whatsapp-bridge/baileys && npm ci --no-audit --no-fund && npm run --silent typecheck && npm test

compose-check: ## validate docker-compose.yml (skipped without a compose client)
	scripts/compose-check.sh

k8s-check: ## render deploy/k8s overlays and validate them against the Kubernetes schemas (offline)
	scripts/k8s-check.sh

clean: ## remove build output (target/)
	$(CARGO) clean

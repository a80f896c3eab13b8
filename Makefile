# codex-lb operator — every target runs on the project's own Node.js (installed by `make setup`).
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE_VERSION := 24.21.0
NPM_VERSION  := 11.21.2
LOCAL        := $(CURDIR)/.local
NODE_DIR     := $(LOCAL)/node
export PATH  := $(NODE_DIR)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export npm_config_update_notifier := false

NODE := $(NODE_DIR)/bin/node

.PHONY: help setup toolchain deps ui browser controlplane node-packages images test typecheck lint test-unit test-integration \
        test-e2e demo cluster-up cluster-down crds bench bench-soak render check-setup

help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: toolchain deps ui controlplane node-packages browser images ## install Node 24, npm packages, the test cluster binaries and images (idempotent)

toolchain:
	@bash test/harness/toolchain/install-node.sh $(NODE_VERSION) $(NPM_VERSION) $(LOCAL)

deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json $(LOCAL)/toolchain.version
	npm ci --no-fund --no-audit
	@touch $@

ui: deps ## build the dashboard (proxy/dashboard/ui → proxy/dashboard/ui/dist, served by the proxy)
	@vite build --logLevel warn proxy/dashboard/ui

browser: ## Debian's chromium and nginx for the dashboard's browser and ingress tests
	@bash test/harness/browser/packages.sh

controlplane:
	@bash test/harness/controlplane/build.sh >/dev/null

node-packages:
	@bash test/harness/node/packages.sh

images: toolchain controlplane node-packages ## build the proxy, operator, test base and official codex-lb images offline (buildah)
	@bash test/harness/images/build.sh >/dev/null

check-setup:
	@test -x $(NODE) -a -f node_modules/.installed || { echo "run 'make setup' first" >&2; exit 1; }

test: check-setup ## typecheck, lint, unit, integration and e2e suites; ends with "N passed, N failed"
	@$(NODE) test/harness/suite.ts typecheck lint unit integration e2e

typecheck: check-setup ## TypeScript strict typecheck
	@$(NODE) test/harness/suite.ts typecheck

lint: check-setup ## ESLint
	@$(NODE) test/harness/suite.ts lint

test-unit: check-setup
	@$(NODE) test/harness/suite.ts unit

test-integration: check-setup
	@$(NODE) test/harness/suite.ts integration

test-e2e: check-setup
	@$(NODE) test/harness/suite.ts e2e

PROFILE ?= cluster
cluster-up: check-setup ## start a local cluster in the background (PROFILE=cluster: kwok nodes, PROFILE=real: a real node); kubeconfig at .local/kubeconfig
	@$(NODE) test/harness/cluster-cli.ts up $(PROFILE)

cluster-down: check-setup ## stop the local cluster and remove everything it left
	@$(NODE) test/harness/cluster-cli.ts down

demo: check-setup ## local control plane + operator + both samples (SQLite and a throwaway PostgreSQL)
	@$(NODE) test/harness/demo.ts

crds: check-setup ## regenerate crds/ from operator/api
	@$(NODE) operator/api/generate.ts

render: check-setup ## print what the operator would apply for FILE=<codexlb.yaml>
	@$(NODE) operator/cli/main.ts render -f $(FILE)

bench-soak: check-setup ## 30-minute operator soak at 620 CodexLBs (memory, writes); report in bench/results/operator-soak.md
	@$(NODE) bench/operator/soak.ts

bench: check-setup ## run the benchmarks; reports in bench/results/
	@$(NODE) bench/operator/run.ts
	@$(NODE) bench/accounts/run.ts
	@$(NODE) bench/proxy/run.ts
	@$(NODE) bench/proxy/api-keys.ts
	@$(NODE) bench/proxy/bridge.ts
	@$(NODE) bench/dashboard/run.ts
	@$(NODE) bench/test-ground/run.ts

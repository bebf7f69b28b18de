PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint chromium node bench-tools clean

OIDC_PROVIDER := tests/support/oidc-provider

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

## run: start Espaze (embedded database unless MONGO_URL is set)
run: $(VENV)/.runtime-installed
	$(BIN)/python app.py

## chromium: Debian's Chromium for the browser tests (installed when missing and running as root)
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "Chromium is missing: run 'sudo apt-get install -y chromium' (the browser tests need /usr/bin/chromium)"; exit 1; \
		fi; \
	fi

## node: the machine's Node.js and npm, for the OpenID provider the single sign-on tests run (installed when missing)
node:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
		else \
			echo "Node.js is missing: run 'sudo apt-get install -y nodejs npm'"; exit 1; \
		fi; \
	fi

## the OpenID provider of the single sign-on tests: panva's oidc-provider, as its lock file pins it
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package-lock.json | node
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## bench-tools: wrk, the C load generator the heartbeat bench paces its load with (bench/heartbeats.py --paced-by-wrk)
bench-tools: $(VENV)/.dev-installed
	@if ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
		else \
			echo "wrk is missing: run 'sudo apt-get install -y wrk'"; exit 1; \
		fi; \
	fi

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## test: the whole suite: lint, unit, API, pages, and real-browser journeys
test: $(VENV)/.dev-installed chromium $(OIDC_PROVIDER)/node_modules/.installed lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts

# One task runner; CI calls `make test` (via .ci/run). Every target installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EVAL   ?= ../shared/eval
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test lint typecheck bench bench-quality bench-speed bench-api bench-slack bench-digest clean

# Debian's Chromium for the extension's browser tests (Playwright drives it; it never downloads
# a browser of its own). Installed when missing and we are root, as on CI.
SYSTEM_STAMP := $(VENV)/.system

$(SYSTEM_STAMP): $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium (needed by tests/extension)"; exit 1; fi; }
	touch $(SYSTEM_STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 resolves to the CPU wheel on the machine's disk (pip's find-links).
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/distill serve

test: install $(SYSTEM_STAMP)
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check distiller audience memory api tests bench
	$(BIN)/ruff format --check distiller audience memory api tests bench

typecheck: install
	$(BIN)/mypy

bench: bench-quality bench-speed

bench-quality: install
	$(BIN)/python -m bench.quality --eval $(EVAL)

bench-speed: install
	$(BIN)/python -m bench.speed

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

bench-api: install
	$(BIN)/python -m bench.bench_api

bench-slack: install
	$(BIN)/python -m bench.bench_slack

bench-digest: install
	$(BIN)/python -m bench.bench_digest
	$(BIN)/python -m bench.bench_digest_pipeline

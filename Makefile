# Two entry points: `make demo` runs the main job, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/deepseek-2025

.PHONY: demo test venv install install-dev bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"

demo: install
	$(BIN)/rerating --sample report --preset deepseek-2025 --out $(OUT)

test: install-dev
	$(BIN)/python -m pytest -q

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/rerating

bench: install-dev
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/bench_study.py
	$(BIN)/python benchmarks/bench_study_public.py
	$(BIN)/python benchmarks/bench_market_returns.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_claims.py
	$(BIN)/python benchmarks/bench_simulate.py
	$(BIN)/python benchmarks/bench_import.py

clean:
	rm -rf $(VENV) out build dist

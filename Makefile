# Two entry points: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck check bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "launchbot needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $@ $(VENV)/.installed-run

# Without a token, `launchbot run` explains how to get one, before a database is created.
run: $(VENV)/.installed-run
	@test -n "$$(printf '%s' "$$DISCORD_TOKEN" | tr -d '[:space:]')" || exec $(BIN)/launchbot run
	$(BIN)/launchbot db upgrade
	$(BIN)/launchbot run

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

check: lint typecheck test

# make bench [PG=postgresql+asyncpg://user@host:5432/db] [LAUNCHES=10000]: SQLite, and PostgreSQL
# when PG or LAUNCHBOT_TEST_POSTGRES_URL is set (a scratch database is created there and dropped)
PG ?= $(LAUNCHBOT_TEST_POSTGRES_URL)
LAUNCHES ?= 10000
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.e2e_calendar --process --launches $(LAUNCHES) --backend sqlite \
		$(if $(PG),--backend postgresql --pg '$(PG)')
	$(BIN)/python -m benchmarks.memory --launches $(LAUNCHES) --backend sqlite
	$(if $(PG),$(BIN)/python -m benchmarks.memory --launches $(LAUNCHES) --backend postgresql --pg '$(PG)')
	$(BIN)/python -m benchmarks.catalog_import
	$(if $(PG),$(BIN)/python -m benchmarks.catalog_import --url '$(PG)')
	$(BIN)/python -m benchmarks.scheduled_posts --backend sqlite $(if $(PG),--backend postgresql --pg '$(PG)')
	$(BIN)/python -m benchmarks.posts_runs --backend sqlite $(if $(PG),--backend postgresql --pg '$(PG)')
	$(BIN)/python -m benchmarks.poll_votes --backend sqlite $(if $(PG),--backend postgresql --pg '$(PG)')
	$(if $(PG),$(BIN)/python -m benchmarks.db_copy --launches $(LAUNCHES) --pg '$(PG)')
	$(BIN)/python -m benchmarks.metrics_scrape --backend sqlite $(if $(PG),--backend postgresql --pg '$(PG)')
	$(BIN)/python -m benchmarks.interactions_at_scale --backend sqlite \
		$(if $(PG),--backend postgresql --pg '$(PG)')
	$(if $(PG),$(BIN)/python -m benchmarks.shard_scaling --pg '$(PG)')
	$(BIN)/python -m benchmarks.launch_search --backend sqlite $(if $(PG),--backend postgresql --pg '$(PG)')

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

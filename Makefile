# The two commands from the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export FLASK_APP := app:create_app

.PHONY: run test lint format check-migrations bench bench-filing bench-oa faults worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

## run: set everything up, migrate, seed the demo city, serve on 127.0.0.1:$(PORT)
run: $(VENV)/.installed
	PORT=$(PORT) $(BIN)/python -m app.dev.server

## test: set everything up, lint, check migrations, run the whole suite
test: $(VENV)/.installed lint check-migrations
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## check-migrations: fail when models and migrations drift (on a throwaway SQLite file)
check-migrations: $(VENV)/.installed
	$(BIN)/python -m app.dev.migration_check

bench: $(VENV)/.installed
	$(BIN)/python bench/store_page.py

bench-filing: $(VENV)/.installed
	$(BIN)/python bench/complaint_filing.py

bench-oa: $(VENV)/.installed
	$(BIN)/python bench/oa_callback.py

## faults: the service on a private PostgreSQL and Redis, under a filing load, while its parts are killed
faults: $(VENV)/.installed
	$(BIN)/python bench/faults.py

worker: $(VENV)/.installed
	$(BIN)/flask worker run

clean:
	rm -rf $(VENV) instance/*.db instance/redis

# `make run` and `make test` work on a fresh machine with Python 3.11+ and the package registries.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test install lint clean

$(BIN)/newsbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/newsbot

run: install
	$(BIN)/newsbot db upgrade
	$(BIN)/newsbot serve

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) *.egg-info

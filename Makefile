# The two set-up commands of the README, for a fresh machine:
#   make serve   install everything, build the graph, serve it
#   make test    install everything, build the graph, run the whole test suite
# Knobs: PYTHON (the interpreter to make the venv with), VENV (where), VIRTKG_BUILD_DIR (where builds go).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APT_PACKAGES := default-jre-headless

.PHONY: serve test build install install-test system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# HermiT (the OWL reasoner) runs on Java; install it from Debian when the machine lacks it.
system-packages:
	@command -v java >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends $(APT_PACKAGES); }

install: $(BIN)/python system-packages
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python system-packages
	$(BIN)/pip install -q -e '.[test]'

build: install
	$(BIN)/virtkg build

serve: build
	$(BIN)/virtkg stats

test: install-test
	$(BIN)/python -m pytest -q

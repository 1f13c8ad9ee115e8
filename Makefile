# The two set-up commands of the README, for a fresh machine:
#   make serve   install everything, build the graph, serve it on http://127.0.0.1:8000
#   make test    install everything, build the graph, run the whole test suite
# Knobs: PYTHON (interpreter for the venv), VENV (where), PORT, VIRTKG_BUILD_DIR (where builds go).

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
EDITOR := node_modules/@zazuko/yasgui/build/yasgui.min.js

.PHONY: serve test build install install-test java chromium virtuoso wrk

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Debian packages, installed only when missing: Java runs HermiT (the OWL reasoner); Chromium runs the
# browser tests; Virtuoso is a store the tests publish to; npm fetches the query editor.
java:
	@command -v java >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends default-jre-headless; }

chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends chromium; }

# Virtuoso, a real triple store the tests publish into (beside Oxigraph's server, from PyPI).
virtuoso:
	@command -v virtuoso-t >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends virtuoso-opensource; }

# wrk, the HTTP load generator the benchmarks drive (the growth bench runs a small size in the tests).
wrk:
	@command -v wrk >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends wrk; }

$(EDITOR): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends npm; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# setuptools announces, on every editable install of a project whose package folders are mapped (ours:
# ontology/ and queries/ ship as kg.ontology and kg.queries), that same-named folders in the working
# directory may shadow imports; `virtkg serve` already guards against that (python -P), so the notice is
# silenced here, by its message, and every other warning still shows.
QUIET_NOTICE := PYTHONWARNINGS="ignore:Editable installation"

install: $(BIN)/python java $(EDITOR)
	$(QUIET_NOTICE) $(BIN)/pip install -q -e .

install-test: $(BIN)/python java chromium virtuoso wrk $(EDITOR)
	$(QUIET_NOTICE) $(BIN)/pip install -q -e '.[test]'

build: install
	$(BIN)/virtkg build

serve: build
	$(BIN)/virtkg serve --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -q

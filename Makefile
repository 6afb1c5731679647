# The README's two commands: `make figures` and `make test`. Both create .venv when needed.
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
PROFILE ?= default
STAMP   := $(VENV)/.installed

.PHONY: setup figures test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

figures: $(STAMP)   ## regenerate every figure and table in the chosen profile
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-2} $(PY) -m survey_lib notebooks --profile $(PROFILE)

test: $(STAMP)      ## unit tests + every notebook in the smoke profile
	$(PY) -m pytest -n 2 -q

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf build .pytest_cache

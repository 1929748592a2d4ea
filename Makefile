# The two set-up commands of the README:
#   make demo   create .venv, install nps-text, run the main job on the bundled sample data
#   make test   create .venv, install nps-text with test extras, run the whole test suite
# Both install the exact versions in requirements.lock (pip constraints). Re-running either reuses
# .venv; it is rebuilt when pyproject.toml or requirements.lock changes.
#
# Keeping the lock fresh, on purpose rather than by accident:
#   make test-latest   a scratch venv (.venv-latest) with the newest versions the registry serves, and the suite
#   make lock          make test-latest, then write its versions to requirements.lock (only if the suite passed)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.nps-text-installed
LOCK   := requirements.lock
LATEST := .venv-latest
# torch first, pinned: that takes the local CPU wheel instead of a multi-GB CUDA build.
TORCH  := torch==2.13.0
EXTRAS := .[dev,models,dask]

.PHONY: demo test test-latest lock clean

demo: $(STAMP)
	$(BIN)/nps-text analyze data/sample_survey.csv -o out/sample --own-brand Lumio

test: $(STAMP)
	$(BIN)/python -m pytest -q

$(STAMP): pyproject.toml $(LOCK)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c $(LOCK) --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -c $(LOCK) -e "$(EXTRAS)"
	touch $(STAMP)

test-latest:
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install -q --upgrade pip
	$(LATEST)/bin/python -m pip install -q $(TORCH)
	$(LATEST)/bin/python -m pip install -q --upgrade --upgrade-strategy eager -e "$(EXTRAS)"
	$(LATEST)/bin/python -m pytest -q -p no:cacheprovider

lock: test-latest
	{ grep '^#' $(LOCK); \
	  $(LATEST)/bin/python -m pip freeze --all | grep -v -i -E '^(-e |nps-text|nps_text)' \
	    | sed -E 's/^torch==([^+]*)\+.*/torch==\1/'; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)

clean:
	rm -rf $(VENV) $(LATEST) out

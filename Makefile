# Set-up and the project's named stages. Every target builds the virtual environment first.
PYTHON ?= python3
VENV := .venv
# torch's CPU build. On PyPI, torch==2.13.0 for Linux is the CUDA build (gigabytes of
# wheels); PyTorch's own CPU index has the CPU one. A machine with a local wheel folder in
# PIP_FIND_LINKS or pip's find-links setting (as the project's machines have) takes the wheel
# from there instead, and
# `make TORCH_INDEX=` installs whatever the configured indexes give.
LOCAL_WHEELS := $(or $(PIP_FIND_LINKS),$(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null))
TORCH_INDEX ?= $(if $(LOCAL_WHEELS),,https://download.pytorch.org/whl/cpu)
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: tag install test lint validate stats unk train package model-package bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build first, so that installing the package does not pull the CUDA one.
	$(BIN)/pip install -q torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The main job: the example reports in corpus/ tagged with the shipped model, no training.
tag: $(STAMP)
	$(BIN)/fazhi tag $(wildcard corpus/*.txt) --out output/reports.jsonl --out output/entities.csv \
		--out output/reports.html --out output/reports.duckdb --out output/reports.parquet

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests training benchmarks

validate: $(STAMP)
	$(BIN)/fazhi annotations validate

stats: $(STAMP)
	$(BIN)/fazhi annotations stats

unk: $(STAMP)
	$(BIN)/fazhi corpus unk

# Held-out evaluation of every system, then the shipped model (about 15 minutes on 2 cores).
train: $(STAMP)
	$(BIN)/python -m training.run

# Re-save models/fazhi-zh as a spaCy pipeline after changing [pipeline] in the config.
package: $(STAMP)
	$(BIN)/python -m training.package

# The shipped pipeline as an installable model package: dist/zh_fazhi-VERSION-py3-none-any.whl
# (then `pip install dist/zh_fazhi-*.whl`; spacy.load("zh_fazhi") works in any directory).
model-package: $(STAMP)
	$(BIN)/python -m training.package --wheel dist

# Tagging speed and memory on the corpus, float and int8 (prints figures; not a test).
bench: $(STAMP)
	$(BIN)/python benchmarks/tagging.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache

# Set-up and the project's named stages. Every target builds the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: tag install test lint validate stats unk train package bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The local CPU build first: any other torch install path pulls gigabytes of CUDA wheels.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The main job: the example reports in corpus/ tagged with the shipped model, no training.
tag: $(STAMP)
	$(BIN)/fazhi tag corpus --out output/reports.jsonl --out output/entities.csv \
		--out output/reports.html

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

# Tagging speed and memory on the corpus, float and int8 (prints figures; not a test).
bench: $(STAMP)
	$(BIN)/python benchmarks/tagging.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache

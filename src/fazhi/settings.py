"""The project's settings: `configs/default.toml`, read once into typed tables.

Where each setting lives (one table each; nothing is repeated elsewhere):

- `[paths]`: where the corpus, the gold, the reports and the models are (`Paths`).
- `[normalize]`: overrides of the normaliser's defaults (`fazhi.normalize.NormalizerConfig`).
- `[entities]`, `[sections]`: how the two taggers are trained (`training.entities`,
  `training.sections` type them).
- `[pipeline]`: inference settings, written into the saved pipeline's `config.cfg` by the
  package stage (`PipelineSettings`). A saved pipeline reads nothing else: its `config.cfg`
  is its whole description.
- `[training]`: which training material beside the real reports.
- `[rules]`: the rules-and-gazetteers tagger (a baseline, and the entity tagger's rule input).
- `[evaluation]`: the paired bootstrap and the targets the held-out scores are held to.
- `[spacy_ner]`: the spaCy NER baseline.

Relative paths are relative to the working directory (the checkout), as the Makefile runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from fazhi.io import load_toml
from fazhi.normalize import NormalizerConfig

DEFAULT_CONFIG = Path(os.environ.get("FAZHI_CONFIG", "configs/default.toml"))


def from_table(cls, table: dict, what: str):
    """`cls(**table)`, refusing keys the dataclass does not have: a misspelt setting in a
    config file would otherwise be ignored silently."""
    unknown = set(table) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"unknown {what} settings: {sorted(unknown)}")
    return cls(**table)


@dataclass(frozen=True)
class Paths:
    corpus: str = "corpus"
    gold: str = "annotations/gold.jsonl"
    subjects: str = "annotations/indicator_subjects.jsonl"
    reports: str = "reports"
    model: str = "models/fazhi-zh"
    # Base encoders: built copies, then the shared folder beside the checkout.
    base_models: str = "models/base"
    shared_models: str = "../shared/models"
    spacy_ner_config: str = "configs/spacy_ner.cfg"
    # The written training passages (annotations/synthetic/WRITING.md): never scored.
    synthetic_corpus: str = "corpus/synthetic"
    synthetic_gold: str = "annotations/synthetic/gold.jsonl"
    synthetic_subjects: str = "annotations/synthetic/subjects.jsonl"
    # A second reader's subjects for every indicator (what one careful reader scores).
    subjects_second: str = "annotations/subjects_second/reading.jsonl"
    # Held-out predictions of baselines run once (training/kept.py).
    kept_predictions: str = "reports/kept_predictions.json"


@dataclass(frozen=True)
class PipelineSettings:
    segmenter: str = "char"  # spaCy's Chinese segmenter: "char" or "pkuseg"
    pkuseg_model: str = ""  # a local spacy-pkuseg model folder, for segmenter "pkuseg"
    window: int = 126  # word pieces per prediction window
    stride: int = 112
    batch_size: int = 16  # windows per forward pass, across reports
    quantize: bool = False  # dynamic int8 quantisation of the encoder on load
    # Entities from the rules tagger saved with the entity tagger, the encoder not loaded
    # (`fazhi tag --fast`): the shipped tagger gives the rules' spans on every text measured
    # (training/README.md), so this is the same output at several times the speed.
    rules_only: bool = False
    # The indicator-subject finder: "encoder" (the ranker of fazhi.subjects with the span
    # head of fazhi.subject_head, saved with the values component by python -m
    # training.subjects), "learned" (the ranker alone) or "heuristic" (the baseline).
    subjects: str = "encoder"

    def ner_config(self) -> dict:
        """The `ner` component's settings, as its factory takes them."""
        return {"window": self.window, "stride": self.stride, "batch_size": self.batch_size,
                "quantize": self.quantize, "rules_only": self.rules_only}


@dataclass(frozen=True)
class TrainingData:
    # Train the entity tagger on the written passages beside the real reports (each fold
    # leaves out the passages that name what only its held-out report names).
    synthetic: bool = True
    # The same for the section tagger (reports/sections.md, reports/sections_provinces.md).
    sections_synthetic: bool = True


@dataclass(frozen=True)
class RulesSettings:
    min_precision: float = 0.5  # what fit() learns must be right this often on training text
    national_places: bool = True  # anchor organisation names on every place of China


@dataclass(frozen=True)
class Bootstrap:
    samples: int = 1000
    seed: int = 0


@dataclass(frozen=True)
class Targets:
    """Goals the held-out scores are reported against (met / not met)."""

    entities: dict[str, float] = field(default_factory=dict)  # label or "micro" → F1
    sections: dict[str, float] = field(default_factory=dict)  # headline metric → value
    subjects: float = 0.0  # exact accuracy of indicator subjects, held out
    document: float = 0.0  # exact accuracy of each document-metadata field
    run_seconds: float = 0.0
    run_peak_mb: float = 0.0
    # The same tagger with its rules switched off (what the encoder learned itself).
    rules_blank_micro: float = 0.0
    # The transformer's lead over the rules, pooled micro F1, with the interval above 0.
    over_rules: float = 0.0


@dataclass(frozen=True)
class Evaluation:
    bootstrap: Bootstrap = field(default_factory=Bootstrap)
    targets: Targets = field(default_factory=Targets)


@dataclass(frozen=True)
class Settings:
    path: Path
    paths: Paths
    normalize: NormalizerConfig
    pipeline: PipelineSettings
    evaluation: Evaluation
    training: TrainingData
    rules: RulesSettings
    tables: dict  # the raw tables, for the training dataclasses that type their own

    def table(self, name: str) -> dict:
        """A raw table without its sub-tables (`[entities.random_init]` stays out)."""
        return {k: v for k, v in self.tables.get(name, {}).items() if not isinstance(v, dict)}

    def subtable(self, name: str, sub: str) -> dict:
        return dict(self.tables.get(name, {}).get(sub, {}))


def _with_base(path: Path) -> dict:
    """The config at `path`; with `extends = "other.toml"` (beside it), the other config with
    this one's tables laid over it key by key, so a variant states only what it changes."""
    raw = load_toml(path)
    base = raw.pop("extends", None)
    if base is None:
        return raw
    return _overlay(_with_base(path.parent / base), raw)


def _overlay(base: dict, top: dict) -> dict:
    out = dict(base)
    for key, value in top.items():
        out[key] = _overlay(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value
    return out


def load_settings(path: str | Path | None = None) -> Settings:
    path = Path(path) if path else DEFAULT_CONFIG
    if not path.exists():
        raise FileNotFoundError(f"{path}: no project config (run from the checkout, or set "
                                "FAZHI_CONFIG)")
    raw = _with_base(path)
    evaluation = raw.get("evaluation", {})
    targets = evaluation.get("targets", {})
    return Settings(
        path=path,
        paths=from_table(Paths, raw.get("paths", {}), "[paths]"),
        normalize=NormalizerConfig.from_dict(raw.get("normalize", {})),
        pipeline=from_table(PipelineSettings, raw.get("pipeline", {}), "[pipeline]"),
        evaluation=Evaluation(
            from_table(Bootstrap, evaluation.get("bootstrap", {}), "[evaluation.bootstrap]"),
            from_table(Targets, targets, "[evaluation.targets]")),
        training=from_table(TrainingData, raw.get("training", {}), "[training]"),
        rules=from_table(RulesSettings, raw.get("rules", {}), "[rules]"),
        tables=raw,
    )


def project_paths() -> Paths:
    """[paths] of the project config in a checkout, else their defaults."""
    return load_settings().paths if DEFAULT_CONFIG.exists() else Paths()

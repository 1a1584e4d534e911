"""Assembling the pipeline from trained parts, and loading a saved one."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

from fazhi.normalize import NormalizerConfig

# Importing the component modules registers their factories; a saved pipeline loaded in a
# fresh process finds them through the package's spacy_factories entry points instead.
from fazhi.pipeline import ner, normalizer, sections, sentences, values  # noqa: F401

PIPE_NAMES = ("normalizer", "sections", "ner", "values", "sentences")


def assemble(ner_dir: str | Path | None, sections_dir: str | Path | None,
             normalizer_config: NormalizerConfig | None = None, segmenter: str = "char",
             pkuseg_model: str | Path | None = None, ner_config: dict | None = None,
             sections_config: dict | None = None) -> Language:
    """A pipeline with the entity model saved in `ner_dir` (EntityTagger.to_disk) and the
    section model in `sections_dir` (SectionTagger.to_disk); either may be None to leave that
    component out. The configs become the components' config (config.cfg once saved).

    `segmenter` is spaCy's Chinese segmenter: "char" (default) or "pkuseg" with a
    `pkuseg_model` directory (spacy-pkuseg's own models download at run time, which fails
    offline, so a local one is required).
    """
    tokenizer = {"segmenter": segmenter}
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": tokenizer}})
    if segmenter == "pkuseg":
        if not pkuseg_model:
            raise ValueError("segmenter pkuseg needs a local pkuseg_model directory")
        nlp.tokenizer.initialize(pkuseg_model=str(pkuseg_model))
    nlp.add_pipe("fazhi_normalizer", name="normalizer",
                 config=normalizer.normalizer_config(normalizer_config or NormalizerConfig()))
    if sections_dir is not None:
        nlp.add_pipe("fazhi_sections", name="sections",
                     config=sections_config or {}).from_disk(sections_dir)
    if ner_dir is not None:
        nlp.add_pipe("fazhi_ner", name="ner", config=ner_config or {}).from_disk(ner_dir)
        nlp.add_pipe("fazhi_values", name="values")
    nlp.add_pipe("fazhi_sentences", name="sentences")
    nlp.meta.update({
        "name": "fazhi_zh", "version": "0.1.0",
        "description": "Sections and entities (MEASURE, INDICATOR, ORG, REGULATION) of "
                       "Chinese annual reports on rule-of-law government construction",
        "license": "model weights: research use only (LTP); code: MIT",
    })
    return nlp


def load(path: str | Path, pkuseg_model: str | Path | None = None, **kwargs) -> Language:
    """spacy.load with a clear error for a folder that is not a saved pipeline, and an
    optional local pkuseg model to segment words with instead of the saved segmenter."""
    path = Path(path)
    if not (path / "config.cfg").exists():
        raise FileNotFoundError(f"{path}: not a saved fazhi pipeline (no config.cfg)")
    nlp = spacy.load(path, **kwargs)
    if pkuseg_model is not None:
        nlp.tokenizer.segmenter = "pkuseg"
        nlp.tokenizer.initialize(pkuseg_model=str(pkuseg_model))
    return nlp

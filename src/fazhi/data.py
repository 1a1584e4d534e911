"""Gold reports as training examples: normalised text with entity spans on it.

Models learn and predict on normalised text; `GoldReport.to_original` brings spans back to the
report as written, so every evaluation and output is on original offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fazhi.annotations.schema import DocAnnotation, read_jsonl
from fazhi.corpus import load_texts
from fazhi.normalize import Normalized, Normalizer, NormalizerConfig

CharSpan = tuple[int, int, str]  # start, end, label


@dataclass
class GoldReport:
    doc_id: str
    norm: Normalized
    entities: list[CharSpan]  # on the normalised text
    gold: DocAnnotation
    origin: str = "real"  # "real": a report of corpus/; "synthetic": a written passage

    @property
    def text(self) -> str:
        return self.norm.text

    def to_original(self, spans: list[CharSpan]) -> list[CharSpan]:
        return [(*self.norm.to_original(s, e), lab) for s, e, lab in spans]


def make_example(ann: DocAnnotation, original: str, normalizer: Normalizer,
                 origin: str = "real") -> GoldReport:
    norm = normalizer(original)
    ents = []
    for e in ann.entities:
        span = norm.to_normalized(e.start, e.end)
        if span:  # an entity inside removed boilerplate has nothing left to learn from
            ents.append((span[0], span[1], e.label))
    return GoldReport(ann.doc_id, norm, sorted(ents), ann, origin)


def load_examples(corpus_dir: str | Path = "corpus",
                  gold_path: str | Path = "annotations/gold.jsonl",
                  normalizer_config: NormalizerConfig | None = None,
                  origin: str = "real") -> list[GoldReport]:
    texts = load_texts(corpus_dir)
    normalizer = Normalizer(normalizer_config)
    return [make_example(ann, texts[ann.doc_id], normalizer, origin)
            for ann in read_jsonl(gold_path)]


def char_bio(length: int, spans: list[CharSpan]) -> list[str]:
    """IOB2 tag per character."""
    tags = ["O"] * length
    for s, e, lab in spans:
        tags[s] = f"B-{lab}"
        for i in range(s + 1, e):
            tags[i] = f"I-{lab}"
    return tags


def bio_spans(tags: list[str]) -> list[CharSpan]:
    """Spans from IOB2 tags, repairing an I- that follows nothing of its kind into a start."""
    spans, start, label = [], None, None
    for i, t in enumerate([*tags, "O"]):
        prefix, _, lab = t.partition("-")
        if start is not None and (prefix != "I" or lab != label):
            spans.append((start, i, label))
            start = None
        if prefix == "B" or (prefix == "I" and start is None):
            start, label = i, lab
    return spans

"""The trained section tagger: three classifiers and the settings of the decoder."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from fazhi.annotations.schema import DocAnnotation, Section
from fazhi.labels import PARTS, TOPICS
from fazhi.normalize import Normalized, Normalizer, NormalizerConfig
from fazhi.sections.loglinear import LogLinear
from fazhi.sections.nodes import Node
from fazhi.sections.original import ocr_breaks, to_original_sections
from fazhi.sections.structure import allowed_boundaries, label_nodes, segment


@dataclass
class SectionTagger:
    """A trained section tagger: `predict(text)` gives sections on the text's own offsets."""

    boundary: LogLinear
    part: LogLinear
    topic: LogLinear
    run_on_chars: int = 60
    body_chars: int = 100
    normalizer_config: NormalizerConfig = field(default_factory=NormalizerConfig)

    def predict_nodes(self, text: str, breaks: frozenset[int] = frozenset()) -> list[Node]:
        nodes = segment(text, lambda c, f: self.boundary.best(f, allowed_boundaries(c)),
                        self.run_on_chars, breaks)
        label_nodes(text, nodes, lambda n, f: self.part.best(f),
                    lambda n, f: self.topic.best(f), self.body_chars)
        return nodes

    def predict_normalized(self, norm: Normalized) -> list[Section]:
        return to_original_sections(norm, self.predict_nodes(norm.text, ocr_breaks(norm)))

    def predict(self, text: str) -> list[Section]:
        """Sections of a report as written (original offsets, any script)."""
        return self.predict_normalized(Normalizer(self.normalizer_config)(text))

    def annotate(self, doc_id: str, text: str) -> DocAnnotation:
        return DocAnnotation(doc_id, sections=self.predict(text))

    def to_disk(self, path: str | Path) -> None:
        from fazhi.io import atomic_write_text

        path = Path(path)
        cfg = {"run_on_chars": self.run_on_chars, "body_chars": self.body_chars,
               "normalizer": {**self.normalizer_config.__dict__,
                              "boilerplate": list(self.normalizer_config.boilerplate)},
               "parts": list(PARTS), "topics": list(TOPICS)}
        atomic_write_text(path / "config.json", json.dumps(cfg, ensure_ascii=False, indent=1))
        for name in ("boundary", "part", "topic"):
            atomic_write_text(path / f"{name}.json",
                              json.dumps(getattr(self, name).to_json(), ensure_ascii=False))

    @classmethod
    def from_disk(cls, path: str | Path) -> SectionTagger:
        path = Path(path)
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
        models = {name: LogLinear.from_json(json.loads((path / f"{name}.json").read_text(
            encoding="utf-8"))) for name in ("boundary", "part", "topic")}
        return cls(**models, run_on_chars=cfg["run_on_chars"], body_chars=cfg["body_chars"],
                   normalizer_config=NormalizerConfig.from_dict(cfg["normalizer"]))

"""The trained section tagger: three classifiers and the settings of the decoder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fazhi.annotations.schema import Section
from fazhi.normalize import Normalized, Normalizer
from fazhi.sections.loglinear import LogLinear
from fazhi.sections.nodes import Node
from fazhi.sections.original import ocr_breaks, to_original_sections
from fazhi.sections.structure import allowed_boundaries, label_nodes, segment

CLASSIFIERS = ("boundary", "part", "topic")


@dataclass
class SectionTagger:
    """A trained section tagger: `predict(text)` gives sections on the text's own offsets.

    `to_disk(path)` saves the three classifiers (feature names as JSON, weights as
    safetensors); `SectionTagger(run_on_chars=…, body_chars=…).from_disk(path)` reads them
    back. The decoder's settings are not saved here: in a pipeline they are the `sections`
    component's config (config.cfg)."""

    boundary: LogLinear | None = None
    part: LogLinear | None = None
    topic: LogLinear | None = None
    run_on_chars: int = 32
    body_chars: int = 100

    def predict_nodes(self, text: str, breaks: frozenset[int] = frozenset()) -> list[Node]:
        nodes = segment(text, lambda c, f: self.boundary.best(f, allowed_boundaries(c)),
                        self.run_on_chars, breaks)
        label_nodes(text, nodes, lambda n, f: self.part.best(f),
                    lambda n, f: self.topic.best(f), self.body_chars)
        return nodes

    def predict_normalized(self, norm: Normalized) -> list[Section]:
        return to_original_sections(norm, self.predict_nodes(norm.text, ocr_breaks(norm)))

    def predict(self, text: str, normalizer: Normalizer | None = None) -> list[Section]:
        """Sections of a report as written (original offsets, any script)."""
        return self.predict_normalized((normalizer or Normalizer())(text))

    def to_disk(self, path: str | Path, exclude=()) -> None:
        for name in CLASSIFIERS:
            getattr(self, name).to_disk(path, name)

    def from_disk(self, path: str | Path, exclude=()) -> SectionTagger:
        for name in CLASSIFIERS:
            setattr(self, name, LogLinear.from_disk(path, name))
        return self

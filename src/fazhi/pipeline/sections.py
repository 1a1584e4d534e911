"""The section tagger as a pipeline component: `doc.spans["sections"]`, one span per section
in reading order, labelled with its part; `span._.topic` and `span._.heading` (original
offsets of the heading, or None) complete it."""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from fazhi.labels import PARTS
from fazhi.pipeline import extensions  # noqa: F401
from fazhi.pipeline.normalizer import normalized
from fazhi.pipeline.tokens import char_spans
from fazhi.sections import SectionTagger

SPANS_KEY = "sections"


class SectionComponent:
    def __init__(self, name: str):
        self.name = name
        self.tagger: SectionTagger | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return PARTS

    def __call__(self, doc: Doc) -> Doc:
        if self.tagger is None:
            raise ValueError(f"{self.name}: no section model loaded (use from_disk)")
        sections = self.tagger.predict_normalized(normalized(doc))
        spans = char_spans(doc, [(s.start, s.end, s.part) for s in sections])
        doc.spans[SPANS_KEY] = spans
        for span in doc.spans[SPANS_KEY]:
            sec = _source(sections, span.start_char, span.end_char)
            span._.topic = sec.topic
            span._.heading = sec.heading
        return doc

    def to_disk(self, path, exclude=()) -> None:
        self.tagger.to_disk(Path(path))

    def from_disk(self, path, exclude=()) -> SectionComponent:
        self.tagger = SectionTagger.from_disk(Path(path))
        return self


def _source(sections, start: int, end: int):
    """The section a (whitespace-trimmed) span came from."""
    return next(s for s in sections if s.start <= start and end <= s.end)


@Language.factory("fazhi_sections", default_config={})
def make_sections(nlp: Language, name: str) -> SectionComponent:
    return SectionComponent(name)

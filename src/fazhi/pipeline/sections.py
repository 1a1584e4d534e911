"""The section tagger as a pipeline component: `doc.spans["sections"]`, one span per section
in reading order, labelled with its part; `span._.topic` and `span._.heading` (original
offsets of the heading, or None) complete it."""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from fazhi.annotations.schema import Section
from fazhi.labels import PARTS
from fazhi.pipeline.extensions import section_extent
from fazhi.pipeline.normalizer import normalized
from fazhi.pipeline.tokens import char_spans
from fazhi.sections import SectionTagger

SPANS_KEY = "sections"


class SectionsComponent:
    """Its decoder settings are the component's config; `sections/` holds the classifiers."""

    def __init__(self, name: str, run_on_chars: int, body_chars: int):
        self.name = name
        self.tagger = SectionTagger(run_on_chars=run_on_chars, body_chars=body_chars)

    @property
    def labels(self) -> tuple[str, ...]:
        return PARTS

    def __call__(self, doc: Doc) -> Doc:
        if self.tagger.boundary is None:
            raise ValueError(f"{self.name}: no section model loaded (use from_disk)")
        sections = self.tagger.predict_normalized(normalized(doc))
        spans = char_spans(doc, [(s.start, s.end, s.part) for s in sections])
        doc.spans[SPANS_KEY] = spans
        extents = _extents(sections, [(s.start_char, s.end_char) for s in spans])
        for span, extent in zip(doc.spans[SPANS_KEY], extents):
            sec = _source(sections, span.start_char, span.end_char)
            span._.topic = sec.topic
            span._.heading = sec.heading
            span._.extent = extent
        return doc

    def score(self, examples, **kwargs) -> dict:
        """Part accuracy, topic macro-F1 and heading F1 over the examples' characters, from
        `doc.spans["sections"]` (label = part, `._.topic`, `._.heading`) of each side."""
        from fazhi.evaluation.sections import add_counts, score_counts, summarise

        total = None
        for eg in examples:
            if SPANS_KEY not in eg.reference.spans:
                continue  # a gold without sections says nothing about them
            counts = score_counts(eg.reference.text, doc_sections(eg.reference),
                                  doc_sections(eg.predicted))
            total = counts if total is None else add_counts(total, counts)
        if total is None:
            return {}
        m = summarise(total)
        return {"sections_part_acc": m["part"]["accuracy"],
                "sections_topic_macro_f1": m["topic"]["macro_f1"],
                "sections_heading_f1": m["heading"]["f1"]}

    def to_disk(self, path, exclude=()) -> None:
        self.tagger.to_disk(Path(path))

    def from_disk(self, path, exclude=()) -> SectionsComponent:
        self.tagger.from_disk(Path(path))
        return self


def doc_sections(doc: Doc) -> list[Section]:
    """The sections of a Doc as plain records (original offsets)."""
    return [Section(*section_extent(s), s.label_, s._.topic or "NONE", s._.heading)
            for s in doc.spans.get(SPANS_KEY, [])]


def _extents(sections: list[Section], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each span's section with the whitespace at its edges (the tagger's sections tile the
    text); a section of whitespace only, which has no span, goes to the span before it (to
    the first one when it opens the text)."""
    out: list[list[int]] = []
    for a, b in spans:
        sec = _source(sections, a, b)
        out.append([sec.start, sec.end])
    for k in range(1, len(out)):  # a whitespace-only section between two spans
        out[k - 1][1] = out[k][0]
    if out:
        out[0][0] = 0
        out[-1][1] = max(out[-1][1], sections[-1].end)
    return [(a, b) for a, b in out]


def _source(sections, start: int, end: int):
    """The section a (whitespace-trimmed) span came from."""
    return next(s for s in sections if s.start <= start and end <= s.end)


@Language.factory(
    "fazhi_sections",
    assigns=["doc.spans"],
    requires=["doc._.normalized"],
    default_config={"run_on_chars": 32, "body_chars": 100},
    default_score_weights={"sections_part_acc": 0.5, "sections_topic_macro_f1": 0.5,
                           "sections_heading_f1": 0.0},
)
def make_sections(nlp: Language, name: str, run_on_chars: int,
                  body_chars: int) -> SectionsComponent:
    return SectionsComponent(name, run_on_chars, body_chars)

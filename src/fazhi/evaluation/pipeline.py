"""Scoring a saved pipeline against annotated reports as spaCy's `nlp.evaluate` does: the
reports run through the very pipeline `fazhi tag` runs, and each component scores its own
output (`ner`: exact-span P/R/F1 per label; `sections`: parts, topics, headings)."""

from __future__ import annotations

from spacy.language import Language
from spacy.training import Example

from fazhi.annotations.schema import DocAnnotation
from fazhi.pipeline.sections import SPANS_KEY
from fazhi.pipeline.tokens import char_spans


def reference_doc(nlp: Language, text: str, gold: DocAnnotation):
    """The gold as a Doc over the report's own text: `doc.ents`, and the sections in
    `doc.spans["sections"]` when the gold has any."""
    doc = nlp.make_doc(text)
    doc.ents = char_spans(doc, [(e.start, e.end, e.label) for e in gold.entities])
    # sections are scored only when they cover this text (an excerpt's gold may run past it)
    if gold.sections and max(sec.end for sec in gold.sections) <= len(text):
        spans = char_spans(doc, [(s.start, s.end, s.part) for s in gold.sections])
        for span, sec in zip(spans, gold.sections):
            span._.topic, span._.heading = sec.topic, sec.heading
        doc.spans[SPANS_KEY] = spans
    return doc


def evaluate_reports(nlp: Language, texts: list[str], golds: list[DocAnnotation]
                     ) -> tuple[dict, list[Example]]:
    """(the scores `nlp.evaluate` gives, the examples with their predicted Docs).

    The pipeline runs once and spaCy's Scorer asks each component for its `score`, as
    `nlp.evaluate` does; `nlp.evaluate` itself keeps its predicted Docs to itself, and the
    error lists need them."""
    from spacy.scorer import Scorer

    examples = [Example(doc, reference_doc(nlp, t, g))
                for doc, t, g in zip(nlp.pipe(texts), texts, golds)]
    return Scorer(nlp).score(examples), examples

"""Structured values of entities, in `ent._.value` (a plain dict, so it serialises) and
`ent._.normalized` (the simplified surface form):

- INDICATOR: value, unit, bound, approx, fraction, and the counted subject with its
  original offsets (fazhi.indicators);
- REGULATION: title, kind, period (fazhi.titles);
- ORG and MEASURE: the simplified surface form only.
"""

from __future__ import annotations

from dataclasses import asdict

from spacy.language import Language
from spacy.tokens import Doc, Span

from fazhi.indicators import indicator_subject, parse_indicator
from fazhi.normalize import NormalizerConfig, normalize
from fazhi.pipeline import extensions  # noqa: F401
from fazhi.pipeline.normalizer import normalized
from fazhi.titles import parse_title

# Readers want the surface in simplified script as written, quotation marks included, not
# the encoder's substitutes (「」 for “ ”); surfaces are too short to detect the script.
_SURFACE = NormalizerConfig(to_simplified="always", equivalents={})


def surface(text: str) -> str:
    return normalize(text, _SURFACE).text


def indicator_value(doc: Doc, ent: Span) -> dict | None:
    try:
        value = asdict(parse_indicator(ent.text))
    except ValueError:
        return None  # the tagger marked something that does not start with a number
    norm = normalized(doc)
    value["subject"] = None
    span = norm.to_normalized(ent.start_char, ent.end_char)
    subject = indicator_subject(norm.text, *span) if span else None
    if subject:
        a, b = norm.to_original(*subject)
        value["subject"] = {"text": surface(norm.original[a:b]), "start": a, "end": b}
    return value


def regulation_value(doc: Doc, ent: Span) -> dict | None:
    try:
        return asdict(parse_title(ent.text))
    except ValueError:
        return None


PARSERS = {"INDICATOR": indicator_value, "REGULATION": regulation_value}


class ValuesComponent:
    def __init__(self, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        for ent in doc.ents:
            ent._.normalized = surface(ent.text)
            parse = PARSERS.get(ent.label_)
            ent._.value = parse(doc, ent) if parse else None
        return doc


@Language.factory("fazhi_values", default_config={})
def make_values(nlp: Language, name: str) -> ValuesComponent:
    return ValuesComponent(name)

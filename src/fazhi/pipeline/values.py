"""Structured values of entities, in `ent._.value` (a plain dict, so it serialises) and
`ent._.normalized` (the simplified surface form):

- INDICATOR: value, unit, bound, approx, fraction, and the counted subject with its
  original offsets: `text` as written in the report (traditional script stays traditional),
  `normalized` its simplified form. The subject is found by the learned ranker
  (fazhi.subjects, saved as `subjects.json` in the component's folder) with, when
  `subjects = "encoder"`, the span head on an encoder that reads the clause
  (fazhi.subject_head, saved in `subject_head/`) scoring the same candidates; or, with
  `subjects = "heuristic"`, by the baseline heuristic (fazhi.indicators);
- REGULATION: title, kind, period (fazhi.titles);
- ORG and MEASURE: the simplified surface form only.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=1 << 16)  # a report names the same bodies and laws again and again
def surface(text: str) -> str:
    return normalize(text, _SURFACE).text


SUBJECT_FINDERS = ("encoder", "learned", "heuristic")


def indicator_value(doc: Doc, ent: Span, find=None) -> dict | None:
    """`find(text, start, end)`: the subject finder on normalised text (default: the
    heuristic)."""
    try:
        value = asdict(parse_indicator(ent.text))
    except ValueError:
        return None  # the tagger marked something that does not start with a number
    norm = normalized(doc)
    value["subject"] = None
    span = norm.to_normalized(ent.start_char, ent.end_char)
    subject = (find or indicator_subject)(norm.text, *span) if span else None
    if subject:
        a, b = norm.to_original(*subject)
        written = norm.original[a:b]
        value["subject"] = {"text": written, "normalized": surface(written), "start": a,
                            "end": b}
    return value


def regulation_value(doc: Doc, ent: Span) -> dict | None:
    try:
        return asdict(parse_title(ent.text))
    except ValueError:
        return None


PARSERS = {"INDICATOR": indicator_value, "REGULATION": regulation_value}
SUBJECT_MODEL = "subjects.json"
SUBJECT_HEAD = "subject_head"


class ValuesComponent:
    def __init__(self, name: str, subjects: str = "heuristic"):
        if subjects not in SUBJECT_FINDERS:
            raise ValueError(f"{name}: subjects must be one of {', '.join(SUBJECT_FINDERS)}, "
                             f"not {subjects!r}")
        self.name = name
        self.subjects = subjects
        self.model = None  # fazhi.subjects.SubjectModel, from from_disk
        self.head = None  # fazhi.subject_head.SubjectHead, from from_disk

    def __call__(self, doc: Doc) -> Doc:
        find = self._finder(doc)
        for ent in doc.ents:
            ent._.normalized = surface(ent.text)
            if ent.label_ == "INDICATOR":
                ent._.value = indicator_value(doc, ent, find)
            else:
                parse = PARSERS.get(ent.label_)
                ent._.value = parse(doc, ent) if parse else None
        return doc

    def _finder(self, doc: Doc):
        if self.subjects == "heuristic":
            return indicator_subject
        if self.model is None:
            raise ValueError(f"{self.name}: subjects = \"{self.subjects}\" but no subject "
                             f"model is loaded (from_disk reads {SUBJECT_MODEL})")
        if self.subjects == "encoder" and self.head is None:
            raise ValueError(f"{self.name}: subjects = \"encoder\" but no subject head is "
                             f"loaded (from_disk reads {SUBJECT_HEAD}/)")
        from fazhi.subjects import Words, example

        norm = normalized(doc)
        # The other indicators bound the candidates; the word segmentation is made once
        # per report, only when it has indicators, and only of their clauses.
        blocked = [s for s in (norm.to_normalized(e.start_char, e.end_char)
                               for e in doc.ents if e.label_ == "INDICATOR") if s]
        if not blocked:
            return None
        words = Words(norm.text, around=blocked)
        if self.subjects == "learned":
            return lambda text, start, end: self.model.find(text, start, end, blocked, words)
        # The encoder reads every indicator of the report in a few batched passes.
        found = dict(zip(blocked, self.head.choose_all(self.model, [
            (norm.text, a, b, example(norm.text, a, b, blocked, words=words))
            for a, b in blocked]), strict=True))
        return lambda text, start, end: found.get((start, end))

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.model is not None:
            self.model.to_disk(path / SUBJECT_MODEL)
        if self.head is not None:
            self.head.to_disk(path / SUBJECT_HEAD)

    def from_disk(self, path, exclude=()) -> ValuesComponent:
        from fazhi.subjects import SubjectModel

        f = Path(path) / SUBJECT_MODEL
        if f.exists():
            self.model = SubjectModel.from_disk(f)
        # The encoder is loaded only when it is used (it is the component's one torch model).
        if self.subjects == "encoder":
            head = Path(path) / SUBJECT_HEAD
            if not head.is_dir():
                raise ValueError(f"{head}: missing; subjects = \"encoder\" needs the span head "
                                 "that python -m training.subjects saves (or set subjects = "
                                 "\"learned\")")
            from fazhi.subject_head import SubjectHead

            self.head = SubjectHead.from_disk(head)
        return self


@Language.factory("fazhi_values", default_config={"subjects": "heuristic"})
def make_values(nlp: Language, name: str, subjects: str) -> ValuesComponent:
    """`subjects`: "encoder" (the ranker and the span head saved with the component),
    "learned" (the ranker alone) or "heuristic" (the baseline, which needs no saved
    model)."""
    return ValuesComponent(name, subjects)

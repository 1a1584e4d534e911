"""Checks that gold annotations follow the schema and the guidelines' span rules."""

from __future__ import annotations

import unicodedata

from fazhi.annotations.schema import DocAnnotation
from fazhi.labels import ENTITY_LABELS, PARTS, PARTS_WITH_TOPIC, TOPICS

# Punctuation that may close or open a span when its partner is inside the span:
# “证照分离”改革 starts with “, 纲要(2020-2025年) ends with ).
_PAIRS = {"“": "”", "‘": "’", "(": ")", "（": "）", "「": "」", "『": "』", "〈": "〉", '"': '"'}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
# Symbols that end an indicator by right (98%) or join a name (·); not edge punctuation.
_ALLOWED_EDGE = set("%‰％")


def context(text: str, start: int, end: int, width: int = 12) -> str:
    snippet = text[max(0, start - width):start] + "⟦" + text[start:end] + "⟧" + text[end:end + width]
    return snippet.replace("\n", "⏎")


def _bad_edge(span: str, at_start: bool) -> bool:
    c = span[0] if at_start else span[-1]
    if c.isspace():
        return True
    if c in _ALLOWED_EDGE or not unicodedata.category(c).startswith("P"):
        return False
    if at_start and c in _PAIRS:
        return _PAIRS[c] not in span[1:]
    if not at_start and c in _CLOSERS:
        return _CLOSERS[c] not in span[:-1]
    return True


def _is_offset(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def validate(doc: DocAnnotation, text: str, *, sections: bool = True,
             guidelines: bool = True) -> list[str]:
    """One line per problem: doc id, offsets, the problem and the text around it.

    The one check of gold annotations, run before any gold is used or written (`fazhi
    annotations validate`, `fazhi eval`, `fazhi annotations import-doccano`). Entity spans
    are always checked for what makes them unusable: offsets that are not whole numbers,
    negative, reversed, empty or past the end of the text, unknown labels, duplicated or
    overlapping spans, and a recorded `text` that differs from the report there (with a
    hint when all of them match a few characters away: shifted offsets). `guidelines` adds
    the span-edge rules of GUIDELINES.md, `sections` the section coverage and values."""
    problems = []

    def report(start: int, end: int, msg: str) -> None:
        problems.append(f"{doc.doc_id} {start}-{end}: {msg}: {context(text, start, end)}")

    usable = []
    for e in doc.entities:
        if not (_is_offset(e.start) and _is_offset(e.end)):
            problems.append(f"{doc.doc_id} {e.start!r}-{e.end!r}: offsets are not whole "
                            f"numbers ({type(e.start).__name__}, {type(e.end).__name__})")
        elif e.start < 0 or e.end < 0:
            problems.append(f"{doc.doc_id} {e.start}-{e.end}: negative offset")
        elif e.start > e.end:
            problems.append(f"{doc.doc_id} {e.start}-{e.end}: reversed span (start after end)")
        elif e.start == e.end:
            problems.append(f"{doc.doc_id} {e.start}-{e.end}: empty span")
        elif e.end > len(text):
            problems.append(f"{doc.doc_id} {e.start}-{e.end}: offsets outside the text "
                            f"(past its end at {len(text)})")
        else:
            usable.append(e)

    prev = None
    mismatched = []
    for e in sorted(usable, key=lambda e: (e.start, e.end, str(e.label))):
        span = text[e.start:e.end]
        if e.label not in ENTITY_LABELS:
            report(e.start, e.end, f"unknown label {e.label!r} (labels: "
                                   f"{', '.join(ENTITY_LABELS)})")
        if e.text and e.text != span:
            report(e.start, e.end, f"recorded text {e.text!r} differs from the report")
            mismatched.append(e)
        if prev and (e.start, e.end, e.label) == (prev.start, prev.end, prev.label):
            report(e.start, e.end, f"duplicate of the {prev.label} span {prev.start}-{prev.end}")
        elif prev and e.start < prev.end:
            report(e.start, e.end, f"overlaps {prev.label} {prev.start}-{prev.end}")
        if guidelines:
            if _bad_edge(span, True) or _bad_edge(span, False):
                report(e.start, e.end, "span starts or ends with whitespace or punctuation")
            if e.label == "REGULATION" and (span.startswith("《") or span.endswith("》")):
                report(e.start, e.end, "REGULATION includes its 《》 brackets")
        prev = e
    if mismatched:
        shift = _common_shift(mismatched, text)
        if shift:
            problems.append(
                f"{doc.doc_id} {mismatched[0].start}-{mismatched[-1].end}: offsets look "
                f"shifted by {-shift:+d}: the recorded text of {len(mismatched)} span(s) is "
                f"found {abs(shift)} character(s) {'later' if shift > 0 else 'earlier'} in "
                "the report")

    if sections:
        _check_sections(doc, text, report, problems)
    return problems


def _common_shift(entities, text: str, most: int = 5) -> int:
    """The one offset shift (within ±most) that makes every recorded text match, or 0."""
    for k in sorted(range(-most, most + 1), key=abs):
        if k and all(0 <= e.start + k and text[e.start + k:e.end + k] == e.text
                     for e in entities):
            return k
    return 0


def _check_sections(doc: DocAnnotation, text: str, report, problems: list[str]) -> None:
    usable = []
    for s in doc.sections:
        heading_ok = s.heading is None or (
            isinstance(s.heading, tuple) and len(s.heading) == 2
            and all(map(_is_offset, s.heading)))
        if _is_offset(s.start) and _is_offset(s.end) and heading_ok:
            usable.append(s)
        else:
            problems.append(f"{doc.doc_id} {s.start!r}-{s.end!r}: section offsets are not "
                            "whole numbers")
    pos = 0
    for s in sorted(usable, key=lambda s: (s.start, s.end)):
        if s.part not in PARTS:
            report(s.start, s.end, f"unknown part {s.part!r}")
        if s.topic not in TOPICS:
            report(s.start, s.end, f"unknown topic {s.topic!r}")
        elif s.topic != "NONE" and s.part not in PARTS_WITH_TOPIC:
            report(s.start, s.end, f"part {s.part} carries no topic, got {s.topic}")
        if s.start != pos:
            what = "gap before" if s.start > pos else "overlap at start of"
            report(min(pos, s.start), max(pos, s.start), f"{what} section {s.start}-{s.end}")
        if s.end <= s.start:
            report(s.start, s.end, "empty section")
        if s.heading and not (s.start <= s.heading[0] < s.heading[1] <= s.end):
            report(s.start, s.end, f"heading {s.heading} lies outside its section")
        pos = max(pos, s.end)
    if pos != len(text):
        report(pos, len(text), f"sections end at {pos}, the text at {len(text)}")

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


def validate(doc: DocAnnotation, text: str) -> list[str]:
    """One line per problem: doc id, offsets, the problem and the text around it."""
    problems = []

    def report(start: int, end: int, msg: str) -> None:
        problems.append(f"{doc.doc_id} {start}-{end}: {msg}: {context(text, start, end)}")

    prev = None
    for e in sorted(doc.entities):
        if not 0 <= e.start < e.end <= len(text):
            problems.append(f"{doc.doc_id} {e.start}-{e.end}: offsets outside the text "
                            f"(length {len(text)})")
            continue
        span = text[e.start:e.end]
        if e.label not in ENTITY_LABELS:
            report(e.start, e.end, f"unknown label {e.label!r}")
        if e.text and e.text != span:
            report(e.start, e.end, f"recorded text {e.text!r} differs from the report")
        if prev and e.start < prev.end:
            report(e.start, e.end, f"overlaps {prev.label} {prev.start}-{prev.end}")
        if _bad_edge(span, True) or _bad_edge(span, False):
            report(e.start, e.end, "span starts or ends with whitespace or punctuation")
        if e.label == "REGULATION" and (span.startswith("《") or span.endswith("》")):
            report(e.start, e.end, "REGULATION includes its 《》 brackets")
        prev = e

    pos = 0
    for s in sorted(doc.sections):
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
    return problems

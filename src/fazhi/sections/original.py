"""Back to the original text: sections on original offsets covering every character once."""

from __future__ import annotations

from fazhi.annotations.schema import Section
from fazhi.normalize import Normalized
from fazhi.sections.nodes import Node


def ocr_breaks(norm: Normalized) -> frozenset[int]:
    """Normalised positions right after a character the normaliser dropped as an OCR slip."""
    out = set()
    for _, b, reason in norm.removed:
        span = norm.to_normalized(b, len(norm.original)) if reason == "ocr" else None
        if span:
            out.add(span[0])
    return frozenset(out)


def to_original_sections(norm: Normalized, nodes: list[Node]) -> list[Section]:
    """Sections on original offsets covering every character once: each node runs to the next
    one; text the normaliser dropped as boilerplate is carved out as OTHER sections."""
    n = len(norm.original)
    secs: list[Section] = []
    for i, node in enumerate(nodes):
        start = 0 if i == 0 else norm.starts[node.start]
        end = n if i + 1 == len(nodes) else norm.starts[nodes[i + 1].start]
        heading = norm.to_original(*node.heading) if node.heading else None
        if end > start:
            secs.append(Section(start, end, node.part, node.topic, heading))
    if not secs:
        secs = [Section(0, n, "OTHER", "NONE")] if n else []
    for a, b, reason in norm.removed:
        if reason != "boilerplate":
            continue
        while a < b and norm.original[a].isspace():  # a line break before it stays with the text
            a += 1
        secs = _carve(secs, a, b)
    return _merge_other(secs)


def _carve(secs: list[Section], a: int, b: int) -> list[Section]:
    out = []
    for s in secs:
        if s.end <= a or s.start >= b:
            out.append(s)
            continue
        if s.start < a:
            h = s.heading if s.heading and s.heading[1] <= a else None
            out.append(Section(s.start, a, s.part, s.topic, h))
        out.append(Section(max(s.start, a), min(s.end, b), "OTHER", "NONE"))
        if s.end > b:
            h = s.heading if s.heading and s.heading[0] >= b else None
            out.append(Section(b, s.end, s.part, s.topic, h))
    return out


def _merge_other(secs: list[Section]) -> list[Section]:
    out: list[Section] = []
    for s in secs:
        prev = out[-1] if out else None
        if prev and prev.part == s.part == "OTHER" and prev.heading is None and s.heading is None:
            out[-1] = Section(prev.start, s.end, "OTHER", "NONE")
        else:
            out.append(s)
    return out

"""Review aid: places where the gold treats the same words differently.

Surfaces are compared on normalised text, so a traditional report is checked against the
simplified ones. Each finding is a place to read, not an error: the same words can be an
entity in one context and not in another.
"""

from __future__ import annotations

from collections import defaultdict

from fazhi.annotations.schema import DocAnnotation
from fazhi.annotations.validate import context
from fazhi.normalize import normalize


def find_inconsistencies(docs: list[DocAnnotation], texts: dict[str, str],
                         min_len: int = 2) -> list[str]:
    norms = {d.doc_id: normalize(texts[d.doc_id]) for d in docs}
    spans: dict[str, dict[tuple[int, int], str]] = {}
    labels_of: dict[str, set[str]] = defaultdict(set)
    for d in docs:
        n = norms[d.doc_id]
        spans[d.doc_id] = {}
        for e in d.entities:
            s = n.to_normalized(e.start, e.end)
            if s:
                spans[d.doc_id][s] = e.label
                labels_of[n.text[s[0]:s[1]]].add(e.label)
    findings = []
    for surface, labels in sorted(labels_of.items()):
        if len(labels) > 1:
            findings.append(f"label conflict: {surface!r} tagged as {sorted(labels)}")
    for d in docs:
        n = norms[d.doc_id]
        covered = sorted(spans[d.doc_id])
        for surface, labels in labels_of.items():
            if len(surface) < min_len:
                continue
            start = n.text.find(surface)
            while start != -1:
                end = start + len(surface)
                if (start, end) not in spans[d.doc_id]:
                    overlap = [s for s in covered if s[0] < end and start < s[1]]
                    o_start, o_end = n.to_original(start, end)
                    what = "untagged" if not overlap else "inside/overlapping another span"
                    if not overlap or not any(s[0] <= start and end <= s[1] for s in overlap):
                        findings.append(
                            f"{d.doc_id} {o_start}-{o_end}: {what} occurrence of "
                            f"{'/'.join(sorted(labels))} {surface!r}: "
                            f"{context(n.original, o_start, o_end)}")
                start = n.text.find(surface, start + 1)
    return findings

"""Counts over the gold: entities per label per report, sections per part and topic."""

from __future__ import annotations

from collections import Counter

from fazhi.annotations.schema import DocAnnotation
from fazhi.labels import ENTITY_LABELS


def entity_table(docs: list[DocAnnotation]) -> str:
    rows = [("doc", *ENTITY_LABELS, "total")]
    totals = Counter()
    for d in docs:
        c = Counter(e.label for e in d.entities)
        totals.update(c)
        rows.append((d.doc_id, *(str(c[lab]) for lab in ENTITY_LABELS), str(sum(c.values()))))
    rows.append(("all", *(str(totals[lab]) for lab in ENTITY_LABELS), str(sum(totals.values()))))
    return _table(rows)


def section_table(docs: list[DocAnnotation]) -> str:
    c = Counter((s.part, s.topic) for d in docs for s in d.sections)
    chars = Counter()
    for d in docs:
        for s in d.sections:
            chars[(s.part, s.topic)] += s.end - s.start
    rows = [("part", "topic", "sections", "chars")]
    rows += [(p, t, str(n), str(chars[(p, t)])) for (p, t), n in sorted(c.items())]
    return _table(rows)


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)

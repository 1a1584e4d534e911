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


def corpus_summary(groups: dict[str, list[DocAnnotation]], texts: dict[str, str]) -> str:
    """One row per group of reports (real, synthetic): reports, characters, entities per
    label, sections."""
    rows = [("corpus", "reports", "chars", *ENTITY_LABELS, "entities", "sections")]
    for name, docs in groups.items():
        c = Counter(e.label for d in docs for e in d.entities)
        rows.append((name, str(len(docs)), str(sum(len(texts.get(d.doc_id, "")) for d in docs)),
                     *(str(c[lab]) for lab in ENTITY_LABELS), str(sum(c.values())),
                     str(sum(len(d.sections) for d in docs))))
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

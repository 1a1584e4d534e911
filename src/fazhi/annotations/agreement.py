"""Span agreement between two independent annotation passes (exact-match span F1 per label)."""

from __future__ import annotations

from collections import Counter

from fazhi.annotations.schema import DocAnnotation
from fazhi.labels import ENTITY_LABELS


def span_agreement(a: list[DocAnnotation], b: list[DocAnnotation],
                   ranges: dict[str, tuple[int, int]] | None = None) -> dict[str, dict]:
    """F1 of pass b against pass a per label (symmetric: P and R swap, F1 stays).

    `ranges` limits each report to the stretch both passes annotated; an entity counts
    when it lies wholly inside it.
    """
    by_id = {d.doc_id: d for d in a}
    tp, n_a, n_b = Counter(), Counter(), Counter()
    for db in b:
        da = by_id.get(db.doc_id)
        if da is None:
            continue
        lo, hi = (ranges or {}).get(db.doc_id, (0, float("inf")))

        sa, sb = ({(e.start, e.end, e.label) for e in ents if lo <= e.start and e.end <= hi}
                  for ents in (da.entities, db.entities))
        for label in ENTITY_LABELS:
            xa = {s for s in sa if s[2] == label}
            xb = {s for s in sb if s[2] == label}
            tp[label] += len(xa & xb)
            n_a[label] += len(xa)
            n_b[label] += len(xb)
    result = {}
    for label in (*ENTITY_LABELS, "micro"):
        t = sum(tp.values()) if label == "micro" else tp[label]
        na = sum(n_a.values()) if label == "micro" else n_a[label]
        nb = sum(n_b.values()) if label == "micro" else n_b[label]
        f1 = 2 * t / (na + nb) if na + nb else 1.0
        result[label] = {"a": na, "b": nb, "both": t, "f1": round(f1, 4)}
    return result

"""Span agreement between two independent annotation passes (exact-match span F1 per label)."""

from __future__ import annotations

from fazhi.annotations.schema import DocAnnotation
from fazhi.evaluation.spans import match_counts
from fazhi.labels import ENTITY_LABELS


def span_agreement(a: list[DocAnnotation], b: list[DocAnnotation],
                   ranges: dict[str, tuple[int, int]] | None = None) -> dict[str, dict]:
    """F1 of pass b against pass a per label (symmetric: P and R swap, F1 stays).

    `ranges` limits each report to the stretch both passes annotated; an entity counts
    when it lies wholly inside it.
    """
    by_id = {d.doc_id: d for d in a}
    pairs = []  # (spans of a, spans of b) per report both passes have
    for db in b:
        da = by_id.get(db.doc_id)
        if da is None:
            continue
        lo, hi = (ranges or {}).get(db.doc_id, (0, float("inf")))
        pairs.append(tuple({(e.start, e.end, e.label) for e in ents
                            if lo <= e.start and e.end <= hi}
                           for ents in (da.entities, db.entities)))
    result = {}
    for label in (*ENTITY_LABELS, "micro"):
        sa, sb = ([{s for s in spans if label == "micro" or s[2] == label} for spans in side]
                  for side in zip(*pairs)) if pairs else ([], [])
        both, nb, na = match_counts(sa, sb)
        # F1 of b against a; two passes that both found nothing agree fully
        f1 = 2 * both / (na + nb) if na + nb else 1.0
        result[label] = {"a": na, "b": nb, "both": both, "f1": round(f1, 4)}
    return result

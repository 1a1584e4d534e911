"""Scoring `fazhi.indicators.indicator_subject` against subjects decided by reading
(annotations/indicator_subjects.jsonl: one row per INDICATOR with the subject's original
offsets, or null where the clause names no counted noun)."""

from __future__ import annotations

from fazhi.indicators import indicator_subject
from fazhi.normalize import Normalizer


def score_subjects(rows: list[dict], texts: dict[str, str], normalizer=None) -> dict:
    """Exact-match accuracy of predicted subject spans (None must match None), with misses."""
    normalizer = normalizer or Normalizer()
    norms = {doc_id: normalizer(texts[doc_id]) for doc_id in {r["doc_id"] for r in rows}}
    misses = []
    for r in rows:
        norm = norms[r["doc_id"]]
        span = indicator_subject(norm.text, *norm.to_normalized(r["start"], r["end"]))
        predicted = norm.to_original(*span) if span else None
        gold = (r["subject_start"], r["subject_end"]) if r["subject"] is not None else None
        if predicted != gold:
            text = norm.original
            misses.append({"doc_id": r["doc_id"], "indicator": r["text"], "gold": r["subject"],
                           "predicted": text[slice(*predicted)] if predicted else None})
    hits = len(rows) - len(misses)
    return {"hits": hits, "total": len(rows), "accuracy": hits / len(rows) if rows else 0.0,
            "misses": misses}

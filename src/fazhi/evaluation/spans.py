"""The scoring core: precision, recall and F1 of predicted spans against gold spans."""

from __future__ import annotations

from collections.abc import Iterable

from fazhi.data import CharSpan, char_bio
from fazhi.labels import ENTITY_LABELS


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    """Precision, recall and F1 (4 decimals) from true positives and the two totals."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": round(p, 4), "r": round(r, 4),
            "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4)}


def match_counts(golds: Iterable[set], preds: Iterable[set]) -> tuple[int, int, int]:
    """(exact matches, predicted, gold), summed over documents of hashable spans."""
    tp = n_pred = n_gold = 0
    for g, p in zip(golds, preds):
        tp += len(g & p)
        n_pred += len(p)
        n_gold += len(g)
    return tp, n_pred, n_gold


def strict_scores(golds: list[list[CharSpan]], preds: list[list[CharSpan]],
                  lengths: list[int]) -> dict[str, dict]:
    """seqeval, mode strict, IOB2, one character sequence per report: per label and micro."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    y_true = [char_bio(n, g) for n, g in zip(lengths, golds)]
    y_pred = [char_bio(n, p) for n, p in zip(lengths, preds)]
    report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2,
                                   output_dict=True, zero_division=0)
    out = {}
    for label in (*ENTITY_LABELS, "micro"):
        r = report.get("micro avg" if label == "micro" else label,
                       {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0})
        out[label] = {"p": round(float(r["precision"]), 4), "r": round(float(r["recall"]), 4),
                      "f1": round(float(r["f1-score"]), 4), "support": int(r["support"])}
    return out

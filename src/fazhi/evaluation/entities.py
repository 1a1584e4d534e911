"""Entity scores on original text: seqeval strict IOB2 per label and micro, partial overlap,
and the errors behind them."""

from __future__ import annotations

from fazhi.annotations.validate import context
from fazhi.data import CharSpan
from fazhi.evaluation.spans import strict_scores
from fazhi.labels import ENTITY_LABELS


def partial_scores(golds: list[list[CharSpan]], preds: list[list[CharSpan]]) -> dict[str, dict]:
    """A prediction counts when it overlaps a gold span of its label, and vice versa."""
    out = {}
    for label in (*ENTITY_LABELS, "micro"):
        hit_p = n_p = hit_g = n_g = 0
        for gold, pred in zip(golds, preds):
            g, p = ([s for s in spans if label == "micro" or s[2] == label]
                    for spans in (gold, pred))
            n_p += len(p)
            n_g += len(g)
            hit_p += sum(any(x[2] == y[2] and x[0] < y[1] and y[0] < x[1] for y in g) for x in p)
            hit_g += sum(any(x[2] == y[2] and x[0] < y[1] and y[0] < x[1] for y in p) for x in g)
        prec = hit_p / n_p if n_p else 0.0
        rec = hit_g / n_g if n_g else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[label] = {"p": round(prec, 4), "r": round(rec, 4), "f1": round(f1, 4)}
    return out


def errors(text: str, gold: list[CharSpan], pred: list[CharSpan]) -> dict[str, list[dict]]:
    """False positives and negatives (exact match), each with the text around it."""
    g, p = set(gold), set(pred)

    def rows(spans):
        return [{"start": s, "end": e, "label": lab, "text": text[s:e],
                 "context": context(text, s, e)} for s, e, lab in sorted(spans)]

    return {"false_positives": rows(p - g), "false_negatives": rows(g - p)}


def evaluate(texts: list[str], golds: list[list[CharSpan]], preds: list[list[CharSpan]]) -> dict:
    return {"strict": strict_scores(golds, preds, [len(t) for t in texts]),
            "partial": partial_scores(golds, preds)}

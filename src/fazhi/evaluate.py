"""Entity scores on original text: seqeval strict IOB2 per label and micro, plus partial overlap."""

from __future__ import annotations

from fazhi.annotations.validate import context
from fazhi.data import Span, char_bio
from fazhi.labels import ENTITY_LABELS


def strict_scores(golds: list[list[Span]], preds: list[list[Span]],
                  lengths: list[int]) -> dict[str, dict]:
    """seqeval, mode strict, IOB2, one character sequence per report."""
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


def partial_scores(golds: list[list[Span]], preds: list[list[Span]]) -> dict[str, dict]:
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


def errors(text: str, gold: list[Span], pred: list[Span]) -> dict[str, list[dict]]:
    """False positives and negatives (exact match), each with the text around it."""
    g, p = set(gold), set(pred)

    def rows(spans):
        return [{"start": s, "end": e, "label": lab, "text": text[s:e],
                 "context": context(text, s, e)} for s, e, lab in sorted(spans)]

    return {"false_positives": rows(p - g), "false_negatives": rows(g - p)}


def paragraph_counts(text: str, gold: list[Span], pred: list[Span]):
    """Exact-match true positives, false positives and false negatives per line of `text`
    (a span belongs to the line it starts on): the units a paired bootstrap resamples."""
    import numpy as np

    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    counts = np.zeros((len(starts), 3), dtype=np.int64)
    g, p = set(gold), set(pred)
    for spans, col in ((g & p, 0), (p - g, 1), (g - p, 2)):
        for s, _, _ in spans:
            counts[np.searchsorted(starts, s, side="right") - 1, col] += 1
    return counts


def _micro_f1(counts) -> float:
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denom = 2 * tp + fp + fn
    return 2 * tp / (denom + (denom == 0))


def paired_bootstrap(texts: list[str], golds: list[list[Span]], preds_a: list[list[Span]],
                     preds_b: list[list[Span]], samples: int = 1000, seed: int = 0) -> dict:
    """Micro F1 of system a minus system b, with a 95 % interval from resampling the
    paragraphs of all texts with replacement (both systems on the same resample).

    Paragraphs rather than reports: four held-out reports are too few units to resample,
    and a difference of a few entities needs an interval before it is called a win."""
    import numpy as np

    a = np.concatenate([paragraph_counts(t, g, p) for t, g, p in zip(texts, golds, preds_a)])
    b = np.concatenate([paragraph_counts(t, g, p) for t, g, p in zip(texts, golds, preds_b)])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), size=(samples, len(a)))
    diffs = _micro_f1(a[idx].sum(axis=1)) - _micro_f1(b[idx].sum(axis=1))
    low, high = np.quantile(diffs, [0.025, 0.975])
    return {"diff": round(float(_micro_f1(a.sum(axis=0)) - _micro_f1(b.sum(axis=0))), 4),
            "low": round(float(low), 4), "high": round(float(high), 4),
            "a_better": round(float((diffs > 0).mean()), 3), "samples": samples,
            "paragraphs": len(a)}


def evaluate(texts: list[str], golds: list[list[Span]], preds: list[list[Span]]) -> dict:
    return {"strict": strict_scores(golds, preds, [len(t) for t in texts]),
            "partial": partial_scores(golds, preds)}

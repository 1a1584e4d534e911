"""Paired bootstrap: is a difference between two systems' scores more than noise?"""

from __future__ import annotations

from fazhi.data import CharSpan


def paragraph_counts(text: str, gold: list[CharSpan], pred: list[CharSpan]):
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


def paired_bootstrap(texts: list[str], golds: list[list[CharSpan]], preds_a: list[list[CharSpan]],
                     preds_b: list[list[CharSpan]], samples: int = 1000, seed: int = 0) -> dict:
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

"""Section scores on original characters: part and topic per character (accuracy, macro-F1),
headings (exact spans and starts) and section boundaries."""

from __future__ import annotations

from collections import Counter

from fazhi.annotations.schema import Section
from fazhi.evaluation.spans import prf


def char_labels(n: int, sections: list[Section]) -> tuple[list[str], list[str]]:
    parts, topics = ["-"] * n, ["-"] * n
    for s in sections:
        parts[s.start:s.end] = [s.part] * (s.end - s.start)
        topics[s.start:s.end] = [s.topic] * (s.end - s.start)
    return parts, topics


def score_counts(text: str, gold: list[Section], pred: list[Section]) -> dict:
    """Raw counts (additive over reports): character confusions, heading matches."""
    gp, gt = char_labels(len(text), gold)
    pp, pt = char_labels(len(text), pred)
    gold_h = {s.heading for s in gold if s.heading}
    pred_h = {s.heading for s in pred if s.heading}
    gold_starts, pred_starts = {h[0] for h in gold_h}, {h[0] for h in pred_h}
    gold_b, pred_b = {s.start for s in gold}, {s.start for s in pred}
    return {"part": Counter(zip(gp, pp)), "topic": Counter(zip(gt, pt)),
            "heading": Counter(gold=len(gold_h), pred=len(pred_h), exact=len(gold_h & pred_h),
                               start=len(gold_starts & pred_starts)),
            "boundary": Counter(gold=len(gold_b), pred=len(pred_b), exact=len(gold_b & pred_b))}


def add_counts(a: dict, b: dict) -> dict:
    return {k: a[k] + b[k] for k in a}


def _label_scores(conf: Counter, skip: tuple[str, ...] = ()) -> dict:
    total = sum(conf.values())
    correct = sum(v for (g, p), v in conf.items() if g == p)
    labels = sorted({g for g, _ in conf} | {p for _, p in conf})
    per = {}
    for lab in labels:
        tp = conf[(lab, lab)]
        n_pred = sum(v for (_, p), v in conf.items() if p == lab)
        n_gold = sum(v for (g, _), v in conf.items() if g == lab)
        per[lab] = {**prf(tp, n_pred, n_gold), "gold_chars": n_gold}
    macro = [per[lab]["f1"] for lab in labels if lab not in skip]
    return {"accuracy": round(correct / total, 4) if total else 0.0,
            "macro_f1": round(sum(macro) / len(macro), 4) if macro else 0.0,
            "per_label": per}


def summarise(counts: dict) -> dict:
    """Part accuracy and macro-F1 (over parts in gold or prediction); topic accuracy and
    macro-F1 over the real topics (NONE left out of the average, its errors still count
    against the others) and with NONE; heading P/R/F1 for exact spans and for starts; section
    boundary P/R/F1 (section starts, headless sections included)."""
    h, b = counts["heading"], counts["boundary"]
    topic = _label_scores(counts["topic"], skip=("NONE",))
    topic["macro_f1_with_none"] = _label_scores(counts["topic"])["macro_f1"]
    return {"part": _label_scores(counts["part"]), "topic": topic,
            "heading": prf(h["exact"], h["pred"], h["gold"]),
            "heading_start": prf(h["start"], h["pred"], h["gold"]),
            "heading_counts": dict(h), "boundary": prf(b["exact"], b["pred"], b["gold"])}


def heading_errors(text: str, gold: list[Section], pred: list[Section], limit: int = 15) -> dict:
    def show(h):
        return text[h[0]:h[1]].replace("\n", "⏎")

    gold_h = sorted(s.heading for s in gold if s.heading)
    pred_h = sorted(s.heading for s in pred if s.heading)
    return {"missed": [show(h) for h in gold_h if h not in set(pred_h)][:limit],
            "false": [show(h) for h in pred_h if h not in set(gold_h)][:limit]}

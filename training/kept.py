"""Baselines run once and kept: their held-out predictions are stored in
`[paths] kept_predictions` and scored again on every run, beside the systems that ran.

A baseline as costly as the model itself (the encoder with random weights) cannot be
trained again on every run within the run's time budget; its predictions on the held-out
reports do not change while the gold does not, so the paired bootstrap against the new model
can still be drawn from them. `python -m training.run --systems random_init --keep` runs
such a baseline and stores its predictions.
"""

from __future__ import annotations

import json
from pathlib import Path

from fazhi.evaluation.bootstrap import paired_bootstrap
from fazhi.evaluation.entities import errors, evaluate
from fazhi.io import atomic_write_text
from training.reporting import predicted_from_errors


def store(results: dict, examples, names: list[str], path: Path, note: str) -> None:
    """Add the held-out predictions of `names` (systems of this run) to the file at `path`."""
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    by_id = {ex.doc_id: ex for ex in examples}
    for name in names:
        folds = results[name]["folds"]
        kept[name] = {"note": note, "folds": {
            doc_id: predicted_from_errors(by_id[doc_id], fold["errors"])
            for doc_id, fold in folds.items()}}
    atomic_write_text(path, json.dumps(kept, ensure_ascii=False, indent=0))


def add_kept(results: dict, examples, path: Path, bootstrap: dict) -> None:
    """Score each kept system that did not run this time on the held-out reports this run
    scored, with its interval against this run's transformer."""
    if not path.exists() or "transformer" not in results:
        return
    kept = json.loads(path.read_text(encoding="utf-8"))
    held = [ex for ex in examples if ex.doc_id in results["transformer"]["folds"]]
    texts = [ex.norm.original for ex in held]
    golds = [[(e.start, e.end, e.label) for e in ex.gold.entities] for ex in held]
    mine = [predicted_from_errors(ex, results["transformer"]["folds"][ex.doc_id]["errors"])
            for ex in held]
    for name, entry in kept.items():
        if name in results or not all(ex.doc_id in entry["folds"] for ex in held):
            continue
        preds = [[tuple(s) for s in entry["folds"][ex.doc_id]] for ex in held]
        folds = {}
        for ex, text, gold, pred in zip(held, texts, golds, preds):
            folds[ex.doc_id] = {**evaluate([text], [gold], [pred]),
                                "errors": errors(text, gold, pred)}
        pooled = evaluate(texts, golds, preds)
        pooled["versus_transformer"] = paired_bootstrap(texts, golds, mine, preds, **bootstrap)
        results[name] = {"folds": folds, "pooled": pooled, "kept": entry["note"]}

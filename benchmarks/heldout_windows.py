"""Held-out F1 of the inference settings that `tagging.py` times: window/stride and int8.

The shipped model saw all four reports, so its F1 on them says what a setting changes, not
whether it helps on a new report. Here each report is tagged by a model trained on the other
three (the leave-one-report-out folds of `python -m training.run`), once per setting.

    .venv/bin/python benchmarks/heldout_windows.py [--folds /tmp/fazhi-folds]

Trains the four fold models on first use (a few minutes each) and keeps them
in --folds; later runs only predict.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

from fazhi.data import load_examples
from fazhi.entity_tagger import EntityTagger, quantize_dynamic
from fazhi.evaluation.spans import strict_scores
from fazhi.settings import load_settings
from training.base_model import resolve_base_model
from training.folds import fold_training

ROOT = Path(__file__).resolve().parents[1]

# (window, stride): the old default, less overlap, no overlap, the training windows.
SETTINGS = [(254, 192), (254, 224), (254, 254), (126, 96), (126, 112), (190, 160)]


def fold_taggers(examples, extra, settings, folds: Path,
                 threads: int | None) -> dict[str, EntityTagger]:
    from training.entities import EntityTrainConfig, train_entity_tagger

    ent = EntityTrainConfig.from_dict(settings.table("entities")
                                      | ({"threads": threads} if threads else {}))
    base = resolve_base_model(ent.base_model, settings.paths.base_models,
                              settings.paths.shared_models)
    out = {}
    for held in examples:
        path = folds / held.doc_id
        if not (path / "model.safetensors").exists():
            train, _ = fold_training(held, examples, extra)
            result = train_entity_tagger(train, ent, base, progress=False,
                                         rules=settings.rules.__dict__)
            result.tagger.to_disk(path)
        out[held.doc_id] = EntityTagger().from_disk(path)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", default="/tmp/fazhi-folds")
    ap.add_argument("--config", default=str(ROOT / "configs/default.toml"))
    # On a shared machine, one thread avoids fighting another job for both cores.
    ap.add_argument("--threads", type=int, default=None, help="torch threads for training")
    ap.add_argument("--out", default=str(ROOT / "benchmarks/heldout_windows.json"))
    args = ap.parse_args()
    settings = load_settings(args.config)
    paths = settings.paths
    examples = load_examples(ROOT / paths.corpus, ROOT / paths.gold, settings.normalize)
    extra = load_examples(ROOT / paths.synthetic_corpus, ROOT / paths.synthetic_gold,
                          settings.normalize, origin="synthetic") \
        if settings.training.synthetic else []
    taggers = fold_taggers(examples, extra, settings, Path(args.folds), args.threads)
    quantized = {k: quantize_dynamic(copy.copy(t)) for k, t in taggers.items()}

    golds = [[(e.start, e.end, e.label) for e in ex.gold.entities] for ex in examples]
    lengths = [len(ex.norm.original) for ex in examples]
    rows, reference = [], None
    for precision, models in (("fp32", taggers), ("int8", quantized)):
        for window, stride in SETTINGS:
            preds = []
            for ex in examples:
                tagger = models[ex.doc_id]
                tagger.window, tagger.stride = window, stride
                preds.append(ex.to_original(tagger.predict([ex.text])[0]))
            reference = reference or preds  # fp32 at 254/192, the setting before e516892
            scores = strict_scores(golds, preds, lengths)
            differ = sum(len(set(p) ^ set(r)) for p, r in zip(preds, reference))
            rows.append({"precision": precision, "window": window, "stride": stride,
                         "micro_f1": scores["micro"]["f1"], "differing_spans": differ,
                         "f1": {k: v["f1"] for k, v in scores.items()}})
            print(f"{precision} window {window:3d} stride {stride:3d}  held-out micro F1 "
                  f"{scores['micro']['f1']:.4f}  spans differing from fp32 254/192: {differ}",
                  flush=True)
    Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

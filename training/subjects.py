"""`python -m training.subjects`: the learned indicator-subject finder (`fazhi.subjects`),
evaluated on held-out data beside the heuristic baseline (`fazhi.indicators`), and the
model the shipped pipeline's `values` component carries.

Training data: the subjects decided by reading on the real reports
(`annotations/indicator_subjects.jsonl`, one row per INDICATOR, 391 rows) and the `{S}`
subjects of the written passages (`annotations/synthetic/subjects.jsonl`, 2,657 rows).

Held-out evaluation, exact match of the subject span (no subject must match no subject):

- **real reports, leave one report out**: each real report's subjects are found by a model
  trained on the passages and the other real reports' subjects;
- **passages by province**: the passages in 5 folds grouped by the province they imitate
  (no province is both in training and held out), trained on the other folds' passages and
  the real subjects.

The L2 penalty is `[subjects] l2` of the config (0.3, chosen once on a development split of
the passages; `reports/subjects.md` says how); `--choose-l2` chooses it instead in each fold
on a development split of that fold's training data (a fifth of its documents), never on the
held-out fold. The shipped model is fitted on everything.

`python -m training.run` runs this stage too (`--no-values` skips it).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from fazhi.annotations.schema import read_jsonl, read_subjects
from fazhi.corpus import load_texts
from fazhi.indicators import indicator_subject
from fazhi.normalize import Normalizer
from fazhi.settings import load_settings
from fazhi.subjects import Example, SubjectModel, Words, example, fit

L2_GRID = (0.1, 0.3, 1.0, 3.0)
PROVINCE_FOLDS = 5


@dataclass
class SubjectsConfig:
    """`[subjects]` of the config."""

    l2: float = 0.3
    max_iter: int = 80

    @classmethod
    def from_settings(cls, settings) -> SubjectsConfig:
        from fazhi.settings import from_table

        return from_table(cls, settings.table("subjects"), "subjects")


@dataclass
class Item:
    """One annotated indicator: where it is, its gold subject (original offsets), and its
    candidates in the normalised text."""

    doc_id: str
    group: str  # the fold key: the real report, or the passage's province
    real: bool
    start: int
    end: int
    gold: tuple[int, int] | None
    ex: Example
    heuristic: tuple[int, int] | None  # original offsets
    norm: object  # fazhi.normalize.Normalized of the document


def load_items(settings) -> list[Item]:
    paths = settings.paths
    normalizer = Normalizer(settings.normalize)
    items = []
    sources = [
        (read_subjects(paths.subjects), load_texts(paths.corpus), read_jsonl(paths.gold), True),
        (read_subjects(paths.synthetic_subjects), load_texts(paths.synthetic_corpus),
         read_jsonl(paths.synthetic_gold), False),
    ]
    provinces = passage_provinces(paths.synthetic_subjects)
    for rows, texts, gold, real in sources:
        if not texts:
            raise SystemExit(f"{paths.synthetic_corpus}: no passages; run `fazhi annotations "
                             "synthetic build` first")
        indicators = {d.doc_id: [(e.start, e.end) for e in d.entities if e.label == "INDICATOR"]
                      for d in gold}
        by_doc = defaultdict(list)
        for r in rows:
            by_doc[r["doc_id"]].append(r)
        for doc_id, doc_rows in sorted(by_doc.items()):
            norm = normalizer(texts[doc_id])
            blocked = [s for s in (norm.to_normalized(a, b) for a, b in indicators.get(doc_id, ()))
                       if s]
            words = Words(norm.text, around=blocked)
            for r in doc_rows:
                span = norm.to_normalized(r["start"], r["end"])
                gold_span = None
                if r["subject"] is not None:
                    gold_span = norm.to_normalized(r["subject_start"], r["subject_end"])
                ex = example(norm.text, *span, blocked, gold_span, words)
                h = indicator_subject(norm.text, *span)
                items.append(Item(
                    doc_id, doc_id if real else provinces[doc_id], real, r["start"], r["end"],
                    (r["subject_start"], r["subject_end"]) if r["subject"] is not None else None,
                    ex, norm.to_original(*h) if h else None, norm))
    return items


def passage_provinces(subjects_path: str) -> dict[str, str]:
    """doc_id → province of each written passage (its `<id>.meta.json`)."""
    folder = Path(subjects_path).parent
    return {p.name.removesuffix(".meta.json"): json.loads(p.read_text(encoding="utf-8"))["province"]
            for p in sorted(folder.glob("*.meta.json"))}


def predict(model: SubjectModel, item: Item) -> tuple[int, int] | None:
    span = model.choose(item.ex)
    return item.norm.to_original(*span) if span else None


def accuracy(pairs) -> tuple[int, int]:
    pairs = list(pairs)
    return sum(p == g for p, g in pairs), len(pairs)


def choose_l2(train: list[Item], seed: int = 0) -> float:
    """The L2 penalty that does best on a fifth of the training documents, held out."""
    docs = sorted({i.doc_id for i in train})
    random.Random(seed).shuffle(docs)
    dev_docs = set(docs[: max(1, len(docs) // 5)])
    inner = [i.ex for i in train if i.doc_id not in dev_docs]
    dev = [i for i in train if i.doc_id in dev_docs]
    best = None
    for l2 in L2_GRID:
        model = fit(inner, l2=l2)
        hits, _ = accuracy((predict(model, i), i.gold) for i in dev)
        if best is None or hits > best[0]:
            best = (hits, l2)
    return best[1]


def province_folds(items: list[Item], k: int = PROVINCE_FOLDS) -> dict[str, int]:
    """Province → fold: provinces by size, each to the fold with the fewest indicators."""
    sizes = defaultdict(int)
    for i in items:
        if not i.real:
            sizes[i.group] += 1
    load = [0] * k
    fold = {}
    for prov, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        f = min(range(k), key=lambda j: (load[j], j))
        fold[prov] = f
        load[f] += n
    return fold


def evaluate(items: list[Item], l2: float | None = None, max_iter: int = 200,
             progress=None) -> dict:
    """Held-out exact accuracy of the learned finder and of the heuristic, per fold. `l2`:
    a fixed penalty instead of one chosen per fold; `progress(results)` after each fold."""
    results = {"real": {}, "synthetic": {}}
    misses, held_out = [], {}
    fixed = l2

    def run(name, key, train, test):
        l2 = fixed if fixed is not None else choose_l2(train)
        model = fit([i.ex for i in train], l2=l2, max_iter=max_iter)
        learned = accuracy((predict(model, i), i.gold) for i in test)
        heuristic = accuracy((i.heuristic, i.gold) for i in test)
        results[name][key] = {"learned": learned, "heuristic": heuristic, "l2": l2,
                              "train": len(train)}
        for i in test:
            p = predict(model, i)
            held_out[(i.doc_id, i.start, i.end)] = p
            if p != i.gold:
                text = i.norm.original
                misses.append({"set": name, "fold": key, "doc_id": i.doc_id,
                               "indicator": text[i.start:i.end],
                               "gold": text[slice(*i.gold)] if i.gold else None,
                               "predicted": text[slice(*p)] if p else None,
                               "heuristic": text[slice(*i.heuristic)] if i.heuristic else None})
        if progress is not None:
            progress(results)

    for doc in sorted({i.doc_id for i in items if i.real}):
        run("real", doc, [i for i in items if i.doc_id != doc], [i for i in items if i.doc_id == doc])
    folds = province_folds(items)
    for f in range(PROVINCE_FOLDS):
        test = [i for i in items if not i.real and folds[i.group] == f]
        train = [i for i in items if i.real or folds[i.group] != f]
        run("synthetic", f"fold {f + 1}: " + ", ".join(sorted(p for p, g in folds.items() if g == f)),
            train, test)
    pool(results)
    results["misses"] = misses
    results["held_out"] = held_out
    return results


def second_reader(items: list[Item], held_out: dict, rows: list[dict]) -> dict:
    """Exact agreement with a second, independent reader: of the gold, of the learned
    finder's held-out subjects and of the heuristic. How far one careful reader matches the
    adjudicated gold puts the finder's score in scale."""
    by_key = {(i.doc_id, i.start, i.end): i for i in items}
    out = {}
    for real in (True, False):
        sample = [(by_key[(r["doc_id"], r["start"], r["end"])], r) for r in rows
                  if by_key[(r["doc_id"], r["start"], r["end"])].real == real]

        def agree(pick, sample=sample):
            return [sum(pick(i) == (
                (r["subject_start"], r["subject_end"]) if r["subject"] is not None else None)
                for i, r in sample), len(sample)]

        out["real" if real else "synthetic"] = {
            "first reader": agree(lambda i: i.gold),
            "learned": agree(lambda i: held_out.get((i.doc_id, i.start, i.end))),
            "heuristic": agree(lambda i: i.heuristic),
            "learned vs first": [sum(held_out.get((i.doc_id, i.start, i.end)) == i.gold
                                     for i, _ in sample), len(sample)]}
    return out


def pool(results: dict) -> None:
    for name in ("real", "synthetic"):
        folds_ = results[name].values()
        results[name + "_pooled"] = {
            system: [sum(r[system][0] for r in folds_), sum(r[system][1] for r in folds_)]
            for system in ("learned", "heuristic")}


def markdown(results: dict, target: float, seconds: float, model_info: dict,
             fixed_l2: float | None = None, command: str = "python -m training.subjects") -> str:
    def acc(pair):
        return f"{pair[0]}/{pair[1]} = {pair[0] / pair[1]:.3f}" if pair[1] else "–"

    held = [results["real_pooled"]["learned"], results["synthetic_pooled"]["learned"]]
    n_real = results["real_pooled"]["learned"][1]
    met = all(h[1] and h[0] / h[1] >= target for h in held)
    if fixed_l2 is None:
        how_l2 = (f"The L2 penalty is chosen in each fold from {', '.join(map(str, L2_GRID))} "
                  "on a fifth of the fold's training documents.")
    else:
        how_l2 = (f"The L2 penalty is {fixed_l2} in every fold (`[subjects] l2`); with "
                  f"`--choose-l2` it is chosen in each fold from {', '.join(map(str, L2_GRID))} "
                  "on a fifth of the fold's training documents.")
    lines = [
        "# Indicator subjects: held-out exact accuracy",
        "",
        (f"Written by `{command}`. The learned finder is the candidate-span ranker of "
        "`fazhi/subjects.py`; the baseline is the heuristic "
        "`fazhi.indicators.indicator_subject`. A subject counts when its span is exactly "
        "the annotated one (no subject where none is annotated counts too)."),
        "",
        "| held-out set | learned | heuristic (baseline) |",
        "|---|---|---|",
        f"| real reports, leave one report out ({n_real} read subjects) | "
        + f"{acc(results['real_pooled']['learned'])} | "
        + f"{acc(results['real_pooled']['heuristic'])} |",
        "| written passages, 5 folds by province | "
        + f"{acc(results['synthetic_pooled']['learned'])} | "
        + f"{acc(results['synthetic_pooled']['heuristic'])} |",
        "",
        f"Target ≥ {target:.2f} exact on both: {'met' if met else 'not met'}.",
        "",
        "## Per fold",
        "",
        "| fold | learned | heuristic | L2 | training indicators |",
        "|---|---|---|---|---|",
    ]
    for name in ("real", "synthetic"):
        for key, r in results[name].items():
            lines.append(f"| {key} | {acc(r['learned'])} | {acc(r['heuristic'])} | {r['l2']} | "
                         f"{r['train']} |")
    if "second_reader" in results:
        lines += ["", "## Two readers", "",
                  ("Every indicator's subject was read twice, independently, under the "
                   "convention of GUIDELINES.md; where the readings differed a third reader "
                   "chose (`annotations/subjects_second/ADJUDICATION.md`), and the decision "
                   "is the gold. Exact agreement with the second reading:"), "",
                  ("| set | the gold (adjudicated) | learned (held out) | heuristic | "
                   "learned vs the gold |"), "|---|---|---|---|---|"]
        for name, r in results["second_reader"].items():
            lines.append(f"| {name} | {acc(r['first reader'])} | {acc(r['learned'])} | "
                         f"{acc(r['heuristic'])} | {acc(r['learned vs first'])} |")
    lines += [
        "",
        "Real-report folds train on all passages and the other real reports' subjects; "
        f"passage folds train on the other provinces' passages and the {n_real} real subjects. "
        + how_l2,
        "",
        "## The shipped model",
        "",
        (f"Fitted on all {model_info['examples']} annotated indicators with L2 = "
        f"{model_info['l2']}, {model_info['features']:,} features, in "
        f"{model_info['seconds']:.1f} s; saved in `models/fazhi-zh/values/subjects.json` "
        "(`[pipeline] subjects = \"learned\"`; `\"heuristic\"` selects the baseline)."),
        "",
        (f"Whole run: {seconds:.0f} s. Misses are in `reports/errors/subjects.json` "
        "(not committed)."),
        "",
    ]
    return "\n".join(lines)


def train_shipped(items: list[Item], l2: float | None = None,
                  max_iter: int = 200) -> tuple[SubjectModel, dict]:
    t = time.perf_counter()
    l2 = l2 if l2 is not None else choose_l2(items)
    model = fit([i.ex for i in items], l2=l2, max_iter=max_iter)
    info = {"examples": len(items), "l2": l2, "features": len(model.weights),
            "seconds": time.perf_counter() - t}
    return model, info


def stage(settings, reports: Path, model_out: Path | None, l2: float | None, max_iter: int,
          evaluate_: bool = True, command: str = "python -m training.subjects") -> dict | None:
    """Fit the shipped subject model and save it in `model_out/values/subjects.json` (None:
    not saved); then, with `evaluate_`, the held-out evaluation, written to
    `reports/subjects.{md,json}`.
    `l2`: one penalty for every fit; None chooses it in each fold (slower)."""
    start = time.perf_counter()
    items = load_items(settings)
    model, info = train_shipped(items, l2, max_iter)
    if model_out is not None:
        out = model_out / "values" / "subjects.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        model.to_disk(out)
        print(f"subject model: {info['features']:,} features, L2 {info['l2']}, "
              f"{info['seconds']:.1f} s → {out}", file=sys.stderr)
    if not evaluate_:
        return None
    reports.mkdir(parents=True, exist_ok=True)
    target = settings.evaluation.targets.subjects

    def progress(partial):
        pool(partial)
        (reports / "subjects.md").write_text(
            markdown(partial, target, time.perf_counter() - start, info, l2, command),
            encoding="utf-8")

    results = evaluate(items, l2, max_iter, progress)
    misses = results.pop("misses")
    held_out = results.pop("held_out")
    if Path(settings.paths.subjects_second).exists():
        results["second_reader"] = second_reader(
            items, held_out, read_subjects(settings.paths.subjects_second))
    (reports / "errors").mkdir(parents=True, exist_ok=True)
    (reports / "errors" / "subjects.json").write_text(
        json.dumps(misses, ensure_ascii=False, indent=1), encoding="utf-8")
    (reports / "subjects.json").write_text(json.dumps(results, ensure_ascii=False, indent=1),
                                           encoding="utf-8")
    (reports / "subjects.md").write_text(
        markdown(results, target, time.perf_counter() - start, info, l2, command),
        encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.subjects", description=__doc__)
    ap.add_argument("--config", default=None)
    ap.add_argument("--model-out", default=None,
                    help="the pipeline folder whose values/subjects.json is written "
                    "(default: [paths] model)")
    ap.add_argument("--no-eval", action="store_true", help="only fit and save the model")
    ap.add_argument("--l2", type=float, default=None,
                    help="the L2 penalty of every fit (default: [subjects] l2)")
    ap.add_argument("--choose-l2", action="store_true",
                    help="choose the penalty in each fold on a development split of its "
                    "training documents instead")
    ap.add_argument("--max-iter", type=int, default=None,
                    help="L-BFGS iterations per fit (default: [subjects] max_iter)")
    args = ap.parse_args(argv)
    settings = load_settings(args.config)
    cfg = SubjectsConfig.from_settings(settings)
    l2 = None if args.choose_l2 else (args.l2 if args.l2 is not None else cfg.l2)
    command = " ".join(["python -m training.subjects",
                        *(argv if argv is not None else sys.argv[1:])])
    results = stage(settings, Path(settings.paths.reports),
                    Path(args.model_out or settings.paths.model), l2,
                    args.max_iter or cfg.max_iter, not args.no_eval, command)
    if results is not None:
        print((Path(settings.paths.reports) / "subjects.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

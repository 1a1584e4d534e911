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
from dataclasses import dataclass, replace
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
    # The span head on an encoder (fazhi.subject_head): the base model ("" = the ranker
    # alone) and its fine-tuning, chosen on the development fold (training/subject_head.py).
    encoder: str = "ltp-tiny-electra-zh"
    head_epochs: int = 3
    head_learning_rate: float = 1e-4
    head_batch_size: int = 16
    ranker_weight: float = 0.5
    ranker_confident: float = 0.9
    seed: int = 0

    def train_head(self, windows, encoder_and_tokenizer=None):
        from training.subject_head import train_head

        return train_head(windows, self.encoder, epochs=self.head_epochs,
                          learning_rate=self.head_learning_rate,
                          batch_size=self.head_batch_size, ranker_weight=self.ranker_weight,
                          confident=self.ranker_confident, seed=self.seed,
                          encoder_and_tokenizer=encoder_and_tokenizer)

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


def predict_with_head(model: SubjectModel, head, test: list[Item]) -> list:
    """The subjects the ranker and the span head find together, in original offsets."""
    spans = head.choose_all(model, [(i.norm.text, *i.norm.to_normalized(i.start, i.end), i.ex)
                                    for i in test])
    return [i.norm.to_original(*s) if s else None for i, s in zip(test, spans, strict=True)]


def evaluate(items: list[Item], l2: float | None = None, max_iter: int = 200,
             progress=None, cfg: SubjectsConfig | None = None, shipped: str = "encoder") -> dict:
    """Held-out exact accuracy of the learned finder and of the heuristic, per fold. `l2`:
    a fixed penalty instead of one chosen per fold; `progress(results)` after each fold;
    `cfg` with an `encoder`: the span head is fine-tuned in each fold too ("encoder", the
    ranker and the head together, beside "learned", the ranker alone); `shipped`: the finder
    the pipeline uses, reported first."""
    results = {"real": {}, "synthetic": {}, "shipped": shipped}
    misses, held_out = [], {}
    fixed = l2
    windows = {}
    if cfg is not None and cfg.encoder:
        from training.subject_head import load_tokenizer, windows_for

        tokenizer = load_tokenizer(cfg.encoder)
        windows = dict(zip(map(id, items), windows_for(items, tokenizer), strict=True))

    def run(name, key, train, test):
        l2 = fixed if fixed is not None else choose_l2(train)
        model = fit([i.ex for i in train], l2=l2, max_iter=max_iter)
        ranker = [predict(model, i) for i in test]
        found = {"learned": ranker, "heuristic": [i.heuristic for i in test]}
        if windows:
            head = cfg.train_head([windows[id(i)] for i in train])
            found = {"encoder": predict_with_head(model, head, test), **found}
        results[name][key] = {system: accuracy(zip(spans, (i.gold for i in test)))
                              for system, spans in found.items()}
        results[name][key].update({"l2": l2, "train": len(train)})
        # the misses and the second reader's comparison are the shipped finder's
        found = found.get(shipped, next(iter(found.values())))
        for i, p in zip(test, found, strict=True):
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
    """Exact agreement with a second, independent reader: of the gold, of the shipped
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
            "finder": agree(lambda i: held_out.get((i.doc_id, i.start, i.end))),
            "heuristic": agree(lambda i: i.heuristic),
            "finder vs first": [sum(held_out.get((i.doc_id, i.start, i.end)) == i.gold
                                     for i, _ in sample), len(sample)]}
    return out


SYSTEMS = ("encoder", "learned", "heuristic")  # the shipped finder first, where it was run


def systems(results: dict) -> list[str]:
    folds_ = [r for name in ("real", "synthetic") for r in results[name].values()]
    return [s for s in SYSTEMS if folds_ and all(s in r for r in folds_)]


def shipped_system(results: dict) -> str:
    """The finder the pipeline ships (`[pipeline] subjects`, kept in `results["shipped"]`)
    where it was evaluated, else the first one evaluated."""
    names = systems(results)
    return results.get("shipped") if results.get("shipped") in names else names[0]


def pool(results: dict) -> None:
    for name in ("real", "synthetic"):
        folds_ = results[name].values()
        results[name + "_pooled"] = {
            system: [sum(r[system][0] for r in folds_), sum(r[system][1] for r in folds_)]
            for system in systems(results)}


NAMES = {"encoder": "ranker + encoder head", "learned": "ranker", "heuristic": "heuristic"}


def markdown(results: dict, target: float, seconds: float, model_info: dict,
             fixed_l2: float | None = None, command: str = "python -m training.subjects") -> str:
    def acc(pair):
        return f"{pair[0]}/{pair[1]} = {pair[0] / pair[1]:.3f}" if pair[1] else "–"

    names = systems(results)
    shipped = shipped_system(results)
    held = [results["real_pooled"][shipped], results["synthetic_pooled"][shipped]]
    n_real = held[0][1]
    met = all(h[1] and h[0] / h[1] >= target for h in held)
    grid = ", ".join(map(str, L2_GRID))
    if fixed_l2 is None:
        how_l2 = (f"The ranker's L2 penalty is chosen in each fold from {grid} on a fifth of "
                  "the fold's training documents.")
    else:
        how_l2 = (f"The ranker's L2 penalty is {fixed_l2} in every fold (`[subjects] l2`); "
                  f"with `--choose-l2` it is chosen in each fold from {grid} on a fifth of "
                  "the fold's training documents.")
    head = model_info.get("head")
    columns = " | ".join(NAMES[n] + (" (baseline)" if n == "heuristic" else "") for n in names)
    lines = [
        "# Indicator subjects: held-out exact accuracy",
        "",
        (f"Written by `{command}`. The ranker is the candidate-span ranker of "
         "`fazhi/subjects.py`; the encoder head (`fazhi/subject_head.py`) reads the "
         "indicator's clause with a fine-tuned encoder and scores the same candidates, "
         "its log-probability added to the ranker's; the baseline is the heuristic "
         "`fazhi.indicators.indicator_subject`. A subject counts when its span is exactly "
         "the annotated one (no subject where none is annotated counts too). The shipped "
         f"finder is the {NAMES[shipped]}."),
        "",
        f"| held-out set | {columns} |",
        "|---|" + "---|" * len(names),
        f"| real reports, leave one report out ({n_real} read subjects) | "
        + " | ".join(acc(results["real_pooled"][n]) for n in names) + " |",
        "| written passages, 5 folds by province | "
        + " | ".join(acc(results["synthetic_pooled"][n]) for n in names) + " |",
        "",
        f"Target ≥ {target:.2f} exact on both: {'met' if met else 'not met'}.",
        "",
        "## Per fold",
        "",
        f"| fold | {' | '.join(NAMES[n] for n in names)} | L2 | training indicators |",
        "|---|" + "---|" * (len(names) + 2),
    ]
    for name in ("real", "synthetic"):
        for key, r in results[name].items():
            lines.append(f"| {key} | " + " | ".join(acc(r[n]) for n in names)
                         + f" | {r['l2']} | {r['train']} |")
    if "second_reader" in results:
        lines += ["", "## Two readers", "",
                  ("Every indicator's subject was read twice, independently, under the "
                   "convention of GUIDELINES.md; where the readings differed a third reader "
                   "chose (`annotations/subjects_second/ADJUDICATION.md`), and the decision "
                   "is the gold. Exact agreement with the second reading:"), "",
                  (f"| set | the gold (adjudicated) | {NAMES[shipped]} (held out) | heuristic | "
                   f"{NAMES[shipped]} vs the gold |"), "|---|---|---|---|---|"]
        for name, r in results["second_reader"].items():
            lines.append(f"| {name} | {acc(r['first reader'])} | {acc(r['finder'])} | "
                         f"{acc(r['heuristic'])} | {acc(r['finder vs first'])} |")
    lines += [
        "",
        "Real-report folds train on all passages and the other real reports' subjects; "
        f"passage folds train on the other provinces' passages and the {n_real} real subjects. "
        + how_l2,
        "",
        "## The shipped model",
        "",
        (f"The ranker: fitted on all {model_info['examples']} annotated indicators with L2 = "
         f"{model_info['l2']}, {model_info['features']:,} features, in "
         f"{model_info['seconds']:.1f} s; saved in `models/fazhi-zh/values/subjects.json`."),
    ]
    if head:
        lines += ["", (f"The encoder head: `{head['base_model']}` fine-tuned on "
                       f"{head['examples']} indicators, {head['epochs']} epochs "
                       f"({head['steps']} steps, batch {head['batch_size']}, learning rate "
                       f"{head['learning_rate']}), ranker weight {head['ranker_weight']} (the "
                       f"ranker's choice stands without the head where its probability is at "
                       f"least {head.get('ranker_confident', 1)}), in "
                       f"{head['seconds']:.0f} s; saved in "
                       "`models/fazhi-zh/values/subject_head/`.")]
    lines += [
        "",
        ("`[pipeline] subjects` selects the finder: `\"encoder\"` (the ranker and the head), "
         "`\"learned\"` (the ranker alone) or `\"heuristic\"` (the baseline)."),
        "",
        (f"Whole run: {seconds:.0f} s. Misses of the shipped finder are in "
         "`reports/errors/subjects.json` (not committed)."),
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
          evaluate_: bool = True, command: str = "python -m training.subjects",
          cfg: SubjectsConfig | None = None) -> dict | None:
    """Fit the shipped subject model and save it in `model_out/values/subjects.json` (None:
    not saved), with the encoder head of `cfg` (default: the config's `[subjects]`) in
    `model_out/values/subject_head/`; then, with `evaluate_`, the held-out evaluation,
    written to `reports/subjects.{md,json}`.
    `l2`: one penalty for every fit; None chooses it in each fold (slower)."""
    start = time.perf_counter()
    cfg = cfg or SubjectsConfig.from_settings(settings)
    items = load_items(settings)
    model, info = train_shipped(items, l2, max_iter)
    head = None
    if cfg.encoder:
        from training.subject_head import load_encoder, windows_for

        encoder, tokenizer = load_encoder(cfg.encoder)
        head = cfg.train_head(windows_for(items, tokenizer), (encoder, tokenizer))
        info["head"] = {**head.settings.history, "base_model": cfg.encoder,
                        "ranker_weight": cfg.ranker_weight,
                        "ranker_confident": cfg.ranker_confident}
    if model_out is not None:
        out = model_out / "values" / "subjects.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        model.to_disk(out)
        print(f"subject model: {info['features']:,} features, L2 {info['l2']}, "
              f"{info['seconds']:.1f} s → {out}", file=sys.stderr)
        if head is not None:  # the head learns alone: one saved before suits a new ranker
            head.to_disk(out.parent / "subject_head")
    if not evaluate_:
        if model_out is not None:
            card_from_report(model_out / "README.md", reports / "subjects.json")
        return None
    reports.mkdir(parents=True, exist_ok=True)
    target = settings.evaluation.targets.subjects

    def progress(partial):
        pool(partial)
        (reports / "subjects.md").write_text(
            markdown(partial, target, time.perf_counter() - start, info, l2, command),
            encoding="utf-8")

    results = evaluate(items, l2, max_iter, progress, cfg, settings.pipeline.subjects)
    results["model"] = info
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
    if model_out is not None:
        update_card(model_out / "README.md", card_section(results))
    return results


CARD_HEADING = "## Indicator subjects (`values/`)"
CARD_TAIL = "\nFour reports from one city"  # the card's closing caveat stays last


def card_section(results: dict) -> str:
    """The model card's paragraph on the subject finder, with its held-out figures."""
    from training.reporting import TEMPLATES

    def acc(pair):
        return f"{pair[0] / pair[1]:.3f}" if pair[1] else "–"

    shipped = shipped_system(results)
    info = results["model"]
    head = info.get("head") if shipped == "encoder" else None
    return (TEMPLATES / "model_card_subjects.md").read_text(encoding="utf-8").format(
        head=(f", its candidates scored too by a span head on `{head['base_model']}` "
              "fine-tuned to read the indicator's clause (`values/subject_head/`, "
              "`fazhi.subject_head`; the base encoder's licence applies to it too)"
              if head else ""),
        examples=info["examples"], n_real=results["real_pooled"][shipped][1],
        real=acc(results["real_pooled"][shipped]),
        synthetic=acc(results["synthetic_pooled"][shipped]),
        b_real=acc(results["real_pooled"]["heuristic"]),
        b_synthetic=acc(results["synthetic_pooled"]["heuristic"]))


def card_from_report(card: Path, report: Path) -> None:
    """The card's subject section from the last evaluation's `reports/subjects.json`, for
    runs that train without evaluating (training.run writes the card afresh)."""
    if report.exists():
        results = json.loads(report.read_text(encoding="utf-8"))
        if "model" in results:
            update_card(card, card_section(results))


def update_card(path: Path, section: str) -> None:
    """Put the subject finder's section into the model card, in place of an earlier one
    (the card's other sections are written by training.run)."""
    from fazhi.io import atomic_write_text

    if not path.exists():
        return
    card = path.read_text(encoding="utf-8")
    if CARD_HEADING in card:  # the old section ends where the next section or the tail starts
        before, rest = card.split(CARD_HEADING, 1)
        ends = [i for i in (rest.find("\n## "), rest.find(CARD_TAIL)) if i >= 0]
        card = before.rstrip("\n") + "\n" + section + (rest[min(ends):] if ends else "")
    else:
        i = card.find(CARD_TAIL)
        card = (card.rstrip("\n") + "\n" + section if i < 0
                else card[:i].rstrip("\n") + "\n" + section + card[i:])
    atomic_write_text(path, card)


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
    ap.add_argument("--no-head", action="store_true",
                    help="the ranker alone: no encoder head fine-tuned or evaluated (a head "
                    "saved before stays in the model folder)")
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
                    args.max_iter or cfg.max_iter, not args.no_eval, command,
                    replace(cfg, encoder="") if args.no_head else cfg)
    if results is not None:
        print((Path(settings.paths.reports) / "subjects.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

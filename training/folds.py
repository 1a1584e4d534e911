"""Leave-one-report-out: each report of the corpus is one held-out unit, and its fold trains
every system on the other reports only (gazetteers included), then scores the whole held-out
report on its original text."""

from __future__ import annotations

import logging
import time

from fazhi.annotations.schema import DocAnnotation
from fazhi.annotations.validate import validate
from fazhi.data import GoldReport
from fazhi.evaluation.bootstrap import paired_bootstrap
from fazhi.evaluation.entities import errors, evaluate
from fazhi.evaluation.sections import add_counts, heading_errors, score_counts, summarise

log = logging.getLogger("fazhi.training")


# A name that more passages than this use is common knowledge of these reports (a national
# law, a national campaign), not a trace of one held-out report.
COMMON_IN_PASSAGES = 3
# The shipped recipe's tagger scored again with its rule input blank and no rule spans added.
RULES_BLANK = "rules_blank"


def fold_training(held: GoldReport, real: list[GoldReport], extra: list[GoldReport]
                  ) -> tuple[list[GoldReport], dict]:
    """The training examples of the fold that holds `held` out: the other real reports, and
    the written passages except those that name what only the held-out report names.

    A surface is telling when it is a name (an entity other than an INDICATOR: numbers say
    nothing about a unit) of the held-out report that no other real report contains, and at
    most COMMON_IN_PASSAGES passages tag. Taking every such surface (national laws such as
    民法典 included) left out 43-63 of the 63 passages per fold; this way 2-16 are left out.
    Returns the examples and their counts."""
    others = [e for e in real if e.doc_id != held.doc_id]
    seen = "\n".join(e.text for e in others)
    tagged: dict[str, int] = {}
    for p in extra:
        for surface in {p.text[s:e] for s, e, _ in p.entities}:
            tagged[surface] = tagged.get(surface, 0) + 1
    telling = {held.text[s:e] for s, e, lab in held.entities
               if e - s >= 2 and lab != "INDICATOR"}
    telling = {t for t in telling if t not in seen and tagged.get(t, 0) <= COMMON_IN_PASSAGES}
    kept = [p for p in extra if not telling & {p.text[s:e] for s, e, _ in p.entities}]
    return others + kept, {"real": len(others), "synthetic": len(kept),
                           "synthetic_left_out": len(extra) - len(kept)}


def entity_folds(examples: list[GoldReport], systems: dict, bootstrap: dict | None = None,
                 extra: list[GoldReport] = (), held_out: list[GoldReport] | None = None) -> dict:
    """Per-fold and pooled scores of every entity system, and for each other system the
    transformer's pooled difference with a paragraph-bootstrap interval (`bootstrap`:
    `paired_bootstrap`'s samples and seed). Each fold also keeps its error lists and what it
    trained on (`extra`: written passages, through `fold_training`). `held_out`: the reports
    to hold out (default: each in turn)."""
    results: dict = {}
    collected: dict = {}  # system → (texts, golds, preds) on the original texts
    for held in held_out or examples:
        train, counts = fold_training(held, examples, list(extra))
        log.info("held out %s: training on %s", held.doc_id, counts)
        for name, make in systems.items():
            t0 = time.perf_counter()
            predict, detail = make(train)
            _score(results, collected, held, counts, name, predict([held.text])[0],
                   time.perf_counter() - t0, detail)
            if tagger := rules_blank_tagger(name, detail):
                t0 = time.perf_counter()
                _score(results, collected, held, counts, RULES_BLANK,
                       tagger.predict([held.text], with_rules=False)[0], time.perf_counter() - t0)
    _pool(results, collected, bootstrap)
    return results


def _pool(results: dict, collected: dict, bootstrap: dict | None) -> None:
    """Pooled scores of every system, and each other system's difference with the
    transformer (paired paragraph bootstrap)."""
    for name, (texts, golds, preds) in collected.items():
        results[name]["pooled"] = evaluate(texts, golds, preds)
        if "transformer" in collected and name != "transformer":
            results[name]["pooled"]["versus_transformer"] = paired_bootstrap(
                texts, golds, collected["transformer"][2], preds, **(bootstrap or {}))


def entity_province_folds(real: list[GoldReport], passages: list[GoldReport],
                          province: dict[str, str], systems: dict, k: int = 5,
                          groups: list[int] | None = None, bootstrap: dict | None = None
                          ) -> dict:
    """Entity scores on written passages of units held out from training — other provinces
    and levels, what the four reports of one city cannot show: each fold holds out the
    passages of one group of provinces (`province_groups`) and trains every system on the
    four real reports and the other groups' passages. `groups`: the 1-based groups to run
    (default all). Same result shape as `entity_folds`, one fold per held-out passage."""
    results: dict = {}
    collected: dict = {}
    for number, group in enumerate(province_groups(passages, province, k), 1):
        if groups and number not in groups:
            continue
        held = [p for p in passages if province[p.doc_id] in group]
        train = real + [p for p in passages if province[p.doc_id] not in group]
        counts = {"real": len(real), "synthetic": len(train) - len(real),
                  "held_out_group": number, "held_out_provinces": group}
        log.info("held out provinces %s (%d passages): training on %d texts",
                 "、".join(group), len(held), len(train))
        for name, make in systems.items():
            t0 = time.perf_counter()
            predict, detail = make(train)
            preds = predict([h.text for h in held])
            seconds = (time.perf_counter() - t0) / len(held)
            runs = [(name, preds, seconds, detail)]
            if tagger := rules_blank_tagger(name, detail):
                runs.append((RULES_BLANK, tagger.predict([h.text for h in held],
                                                         with_rules=False), 0.0, None))
            for run_name, run_preds, secs, det in runs:
                for h, spans in zip(held, run_preds):
                    _score(results, collected, h, counts, run_name, spans, secs, det)
                results[run_name].setdefault("groups", {})["、".join(group)] = evaluate(
                    [h.norm.original for h in held],
                    [[(e.start, e.end, e.label) for e in h.gold.entities] for h in held],
                    [h.to_original(spans) for h, spans in zip(held, run_preds)])
    _pool(results, collected, bootstrap)
    return results


def rules_blank_tagger(name: str, detail):
    """The transformer's trained tagger when it has rules to switch off: scored again with
    them off (RULES_BLANK), it shows what the encoder learned itself. None otherwise."""
    tagger = getattr(detail, "tagger", None)
    return tagger if name == "transformer" and tagger is not None and \
        tagger.rules is not None else None


def _score(results: dict, collected: dict, held: GoldReport, counts: dict, name: str,
           spans: list, seconds: float, detail=None) -> None:
    """Record one system's predictions on one held-out report."""
    gold = [(e.start, e.end, e.label) for e in held.gold.entities]
    pred = held.to_original(spans)
    fold = evaluate([held.norm.original], [gold], [pred])
    fold["seconds"] = round(seconds, 1)
    fold["training_data"] = counts
    if detail is not None:
        fold["history"] = detail.history
    fold["errors"] = errors(held.norm.original, gold, pred)
    results.setdefault(name, {"folds": {}, "pooled": None})["folds"][held.doc_id] = fold
    for bucket, value in zip(collected.setdefault(name, ([], [], [])),
                             (held.norm.original, gold, pred)):
        bucket.append(value)
    log.info("%s, held out %s: strict micro F1 %.3f (%.0f s)", name, held.doc_id,
             fold["strict"]["micro"]["f1"], fold["seconds"])


def section_folds(examples: list[GoldReport], systems: dict, extra: list[GoldReport] = (),
                  held_out: list[GoldReport] | None = None) -> dict:
    """Per-fold and pooled section scores of every section system ({system: {"folds":
    {doc_id: metrics}, "pooled": metrics}}; metrics as in `summarise`, plus per fold the
    seconds it took, heading errors and the coverage problems `validate` finds in the
    prediction, always 0). `held_out`: the reports to hold out (default: each in turn)."""
    results = {name: {"folds": {}, "pooled": None} for name in systems}
    pooled: dict[str, dict | None] = {name: None for name in systems}
    for held in held_out or examples:
        train, trained_on = fold_training(held, examples, list(extra))
        for name, make in systems.items():
            t0 = time.perf_counter()
            pred = make(train).predict_normalized(held.norm)
            text = held.norm.original
            counts = score_counts(text, held.gold.sections, pred)
            problems = validate(DocAnnotation(held.doc_id, sections=pred), text)
            fold = summarise(counts)
            fold.update(seconds=round(time.perf_counter() - t0, 2), training_data=trained_on,
                        coverage_problems=len(problems),
                        errors=heading_errors(text, held.gold.sections, pred))
            results[name]["folds"][held.doc_id] = fold
            pooled[name] = counts if pooled[name] is None else add_counts(pooled[name], counts)
            log.info("%s, held out %s: part acc %.3f, topic macro-F1 %.3f, heading F1 %.3f",
                     name, held.doc_id, fold["part"]["accuracy"], fold["topic"]["macro_f1"],
                     fold["heading"]["f1"])
    for name in systems:
        results[name]["pooled"] = summarise(pooled[name])
    return results


def province_groups(passages: list[GoldReport], province: dict[str, str], k: int
                    ) -> list[list[str]]:
    """The passages' provinces in `k` groups of about equal numbers of passages (largest
    province first, each to the group with the fewest so far; ties by name): the held-out units
    of the synthetic split."""
    counts: dict[str, int] = {}
    for p in passages:
        counts[province[p.doc_id]] = counts.get(province[p.doc_id], 0) + 1
    groups: list[list[str]] = [[] for _ in range(k)]
    sizes = [0] * k
    for prov in sorted(counts, key=lambda q: (-counts[q], q)):
        i = sizes.index(min(sizes))
        groups[i].append(prov)
        sizes[i] += counts[prov]
    return groups


def section_province_folds(real: list[GoldReport], passages: list[GoldReport],
                           province: dict[str, str], systems: dict, k: int = 5) -> dict:
    """Section scores on written passages of units held out from training: each fold holds out
    the passages of one group of provinces (`province_groups`) and trains every system on the
    four real reports and the other passages. Same result shape as `section_folds`, with a
    fold per group (its id lists the provinces)."""
    results = {name: {"folds": {}, "pooled": None} for name in systems}
    pooled: dict[str, dict | None] = {name: None for name in systems}
    for group in province_groups(passages, province, k):
        held = [p for p in passages if province[p.doc_id] in group]
        train = real + [p for p in passages if province[p.doc_id] not in group]
        fold_id = "、".join(group)
        for name, make in systems.items():
            t0 = time.perf_counter()
            tagger = make(train)
            counts = None
            for ex in held:
                pred = tagger.predict_normalized(ex.norm)
                c = score_counts(ex.norm.original, ex.gold.sections, pred)
                counts = c if counts is None else add_counts(counts, c)
            fold = summarise(counts)
            fold.update(seconds=round(time.perf_counter() - t0, 2), passages=len(held),
                        training_data={"real": len(real), "synthetic": len(train) - len(real)},
                        errors={"missed": [], "false": []})
            results[name]["folds"][fold_id] = fold
            pooled[name] = counts if pooled[name] is None else add_counts(pooled[name], counts)
            log.info("%s, held out %s (%d passages): part acc %.3f, topic macro-F1 %.3f, "
                     "heading F1 %.3f", name, fold_id, len(held), fold["part"]["accuracy"],
                     fold["topic"]["macro_f1"], fold["heading"]["f1"])
    for name in systems:
        results[name]["pooled"] = summarise(pooled[name])
    return results

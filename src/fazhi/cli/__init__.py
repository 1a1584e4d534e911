"""The `fazhi` command line: the parser, and the commands of `annotations`, `corpus` and
`tagging`."""

from __future__ import annotations

import argparse
import sys

from fazhi.cli.annotations import (
    UnreadableInput,
    cmd_agree,
    cmd_consistency,
    cmd_export_docbin,
    cmd_export_doccano,
    cmd_import_doccano,
    cmd_import_markup,
    cmd_show,
    cmd_stats,
    cmd_subjects,
    cmd_synthetic,
    cmd_validate,
)
from fazhi.cli.corpus import cmd_normalize, cmd_unk
from fazhi.cli.tagging import cmd_eval, cmd_tag, positive_int
from fazhi.settings import project_paths


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fazhi", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    ann = sub.add_parser("annotations", help="gold annotations: check, inspect, convert")
    asub = ann.add_subparsers(dest="action", required=True)

    paths = project_paths()

    def add(name, func, help_):
        sp = asub.add_parser(name, help=help_)
        sp.add_argument("--gold", default=paths.gold)
        sp.add_argument("--corpus", default=paths.corpus)
        sp.set_defaults(func=func)
        return sp

    add("validate", cmd_validate, "check offsets, labels, span edges and section coverage")
    add("stats", cmd_stats, "entities per label per report, sections per part/topic")
    add("consistency", cmd_consistency, "the same words treated differently: places to review")
    add("show", cmd_show, "a report with inline markup").add_argument("doc")
    sp = add("import-markup", cmd_import_markup, "read a report's edited markup into the gold")
    sp.add_argument("doc")
    sp.add_argument("file")
    add("export-doccano", cmd_export_doccano, "write doccano JSONL").add_argument("out")
    add("import-doccano", cmd_import_doccano, "read doccano JSONL into the gold").add_argument("file")
    sp = add("export-docbin", cmd_export_docbin, "write a spaCy DocBin")
    sp.add_argument("out")
    sp.add_argument("--normalized", action="store_true", help="Docs over the normalised text")
    sp = add("subjects", cmd_subjects, "score the indicator-subject finder on read subjects")
    sp.add_argument("--subjects", default=paths.subjects)
    sp = asub.add_parser("synthetic", help="the written training passages: check (markup, "
                         "span rules, leakage guard), build corpus/synthetic, or convert one "
                         "to traditional script")
    sp.add_argument("action", choices=("check", "build", "traditional"))
    sp.add_argument("ids", nargs="*", help="passage ids (check: default all; traditional: one)")
    sp.set_defaults(func=cmd_synthetic)
    sp = asub.add_parser("agree", help="span F1 per label between two annotation passes")
    sp.add_argument("a")
    sp.add_argument("b")
    sp.add_argument("--range", action="append", help="DOC:START-END, the stretch both annotated")
    sp.set_defaults(func=cmd_agree)

    sp = sub.add_parser("eval", help="score an entity model against one annotated report")
    sp.add_argument("--model", help="a saved pipeline folder or an installed model package "
                    "(default: the installed zh_fazhi, else models/fazhi-zh of a checkout)")
    sp.add_argument("--text", required=True, help="the report (.txt, .html, .docx or .pdf)")
    sp.add_argument("--gold", required=True, help="its annotations, in the annotations JSONL format")
    sp.add_argument("--errors", action="store_true", help="list false positives and negatives")
    sp.set_defaults(func=cmd_eval)

    from fazhi.output import FORMATS
    from fazhi.tag import MAX_CHARS

    sp = sub.add_parser("tag", help="tag reports: sections and entities with their values")
    sp.add_argument("paths", nargs="+", metavar="PATH",
                    help="report files (.txt, .html/.htm, .docx, .pdf) or folders of them")
    sp.add_argument("--out", action="append", metavar="FILE",
                    help="output file (.jsonl, .csv, .html, .parquet folder, .duckdb), "
                         "written to a temporary file and renamed at the end (a DuckDB "
                         "database: one transaction); repeat for several formats (default: "
                         "JSONL on stdout)")
    sp.add_argument("--format", choices=FORMATS,
                    help="output format (default: from --out's suffix, else jsonl)")
    sp.add_argument("--model", help="a saved pipeline folder or an installed model package "
                    "(default: the installed zh_fazhi, else models/fazhi-zh of a checkout)")
    sp.add_argument("--pattern", help="which files in a folder are reports (default: every "
                    ".txt, .html, .htm, .docx and .pdf file)")
    sp.add_argument("--max-chars", type=positive_int, default=MAX_CHARS,
                    help="longest report accepted, in characters")
    sp.add_argument("--batch-size", type=positive_int, default=8, help="reports per batch")
    sp.add_argument("--threads", type=positive_int, metavar="N",
                    help="torch threads (default: the cores other processes leave free, "
                         "measured at the start and every 5 s; see README)")
    sp.add_argument("--resume", action="store_true",
                    help="keep the reports already in the --out files (same file and "
                         "sha256), tag the others and append them")
    sp.add_argument("--pkuseg-model", metavar="DIR",
                    help="segment words with this local spacy-pkuseg model instead of "
                         "characters")
    sp.add_argument("--fast", action="store_true",
                    help="entities from the rules the shipped tagger follows and subjects from "
                         "the ranker alone, no encoder: several times faster, the same entities "
                         "on every text measured (benchmarks/README.md)")
    sp.add_argument("--engine", choices=("local", "ray"), default="local",
                    help="local: this process (default); ray: Ray Data actors, writing "
                         "Parquet shards under the --out folder, resumable (needs "
                         "pip install 'fazhi[ray]')")
    sp.add_argument("--address", help="--engine ray: an existing Ray cluster to run on "
                    "(e.g. auto, ray://HOST:10001); default: start a local Ray instance")
    sp.add_argument("--workers", type=positive_int, default=2,
                    help="--engine ray: actors tagging at once, one CPU each (default 2)")
    sp.set_defaults(func=cmd_tag)

    corp = sub.add_parser("corpus", help="the report corpus")
    csub = corp.add_subparsers(dest="action", required=True)
    sp = csub.add_parser("unk", help="[UNK] rate of the encoder's tokenizer before/after normalisation")
    sp.add_argument("--corpus", default=paths.corpus)
    sp.add_argument("--tokenizer", default=None,
                    help="a tokenizer folder (default: the [entities] base model)")
    sp.set_defaults(func=cmd_unk)

    sp = sub.add_parser("normalize", help="print a report's normalised text; removals to stderr")
    sp.add_argument("file")
    sp.add_argument("--config", help="a project config with a [normalize] table")
    sp.set_defaults(func=cmd_normalize)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except UnreadableInput as err:  # the gold or the corpus index
        print(err, file=sys.stderr)
        return 1

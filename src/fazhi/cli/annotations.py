"""`fazhi annotations …`: check, inspect, convert and score the gold, and the written passages."""

from __future__ import annotations

import sys
from pathlib import Path

from fazhi.settings import project_paths


class UnreadableInput(Exception):
    pass


def _load(args):
    from fazhi.annotations.schema import read_jsonl
    from fazhi.corpus import load_texts

    try:
        return read_jsonl(args.gold), load_texts(args.corpus)
    except (OSError, ValueError) as err:
        raise UnreadableInput(str(err)) from None


def cmd_validate(args) -> int:
    from fazhi.annotations.validate import validate

    docs, texts = _load(args)
    problems = []
    for d in docs:
        if d.doc_id not in texts:
            problems.append(f"{d.doc_id}: not in {args.corpus}/index.csv")
            continue
        problems += validate(d, texts[d.doc_id])
    missing = set(texts) - {d.doc_id for d in docs}
    problems += [f"{m}: report has no gold annotation" for m in sorted(missing)]
    for p in problems:
        print(p)
    n_ent = sum(len(d.entities) for d in docs)
    n_sec = sum(len(d.sections) for d in docs)
    print(f"{len(docs)} reports, {n_ent} entities, {n_sec} sections: "
          f"{len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def cmd_stats(args) -> int:
    """The real reports and the written passages, apart."""
    from fazhi.annotations.schema import read_jsonl
    from fazhi.annotations.stats import corpus_summary, entity_table, section_table
    from fazhi.corpus import load_texts

    docs, texts = _load(args)
    groups = {"real": docs}
    paths = project_paths()
    if Path(paths.synthetic_gold).exists():
        groups["synthetic"] = read_jsonl(paths.synthetic_gold)
        texts = {**texts, **load_texts(paths.synthetic_corpus)}
    print("Real reports and written passages (training only, never scored)\n")
    print(corpus_summary(groups, texts))
    print("\nEntities per label per real report\n")
    print(entity_table(docs))
    for name, group in groups.items():
        print(f"\nSections per part and topic: {name}\n")
        print(section_table(group))
    return 0


def cmd_synthetic(args) -> int:
    from fazhi.annotations.synthetic import main

    return main([args.action, *args.ids])


def cmd_show(args) -> int:
    from fazhi.annotations.markup import render

    docs, texts = _load(args)
    doc = next((d for d in docs if d.doc_id.startswith(args.doc)), None)
    if doc is None:
        print(f"{args.gold}: no report {args.doc!r}", file=sys.stderr)
        return 1
    print(render(texts[doc.doc_id], doc))
    return 0


def _replace_docs(gold: str, new_docs) -> None:
    from fazhi.annotations.schema import read_jsonl, write_jsonl

    old = read_jsonl(gold) if Path(gold).exists() else []
    replaced = {d.doc_id for d in new_docs}
    merged = [d for d in old if d.doc_id not in replaced] + list(new_docs)
    write_jsonl(gold, sorted(merged, key=lambda d: d.doc_id))


def cmd_import_markup(args) -> int:
    from fazhi.annotations.markup import MarkupError, parse
    from fazhi.corpus import load_texts

    texts = load_texts(args.corpus)
    if args.doc not in texts:
        print(f"{args.doc}: not in {args.corpus}/index.csv", file=sys.stderr)
        return 1
    marked = Path(args.file).read_text(encoding="utf-8")
    try:
        text, ann = parse(marked, args.doc, original=texts[args.doc])
    except MarkupError as err:
        print(f"{args.file}: {err}", file=sys.stderr)
        return 1
    if len(text) != len(texts[args.doc]):
        print(f"{args.file}: covers {len(text)} of {len(texts[args.doc])} characters",
              file=sys.stderr)
        return 1
    _replace_docs(args.gold, [ann])
    print(f"{args.doc}: {len(ann.entities)} entities, {len(ann.sections)} sections → {args.gold}")
    return 0


def cmd_consistency(args) -> int:
    from fazhi.annotations.consistency import find_inconsistencies

    docs, texts = _load(args)
    findings = find_inconsistencies(docs, texts)
    for f in findings:
        print(f)
    print(f"{len(findings)} place(s) to review", file=sys.stderr)
    return 0


def cmd_export_doccano(args) -> int:
    from fazhi.annotations.doccano import write_doccano

    docs, texts = _load(args)
    write_doccano(args.out, docs, texts)
    print(f"{len(docs)} reports → {args.out}")
    return 0


def cmd_import_doccano(args) -> int:
    """doccano JSONL or a Label Studio JSON export into the gold: every record is checked
    (text against the corpus, spans with the validator); any problem is a line, and then
    nothing is written."""
    from fazhi.annotations.doccano import check_records, load_records
    from fazhi.corpus import load_texts

    try:
        records = load_records(args.file)
    except (OSError, ValueError) as err:
        print(f"{args.file}: {err}" if str(args.file) not in str(err) else err, file=sys.stderr)
        return 1
    if not isinstance(records, list):
        print(f"{args.file}: not doccano JSONL nor a Label Studio JSON array", file=sys.stderr)
        return 1
    docs, problems = check_records(records, load_texts(args.corpus))
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{args.file}: {len(problems)} problem(s); nothing written to {args.gold}",
              file=sys.stderr)
        return 1
    try:
        _replace_docs(args.gold, docs)
    except (OSError, ValueError) as err:  # the existing gold cannot be read or written
        print(f"{err}; nothing written to {args.gold}", file=sys.stderr)
        return 1
    print(f"{len(docs)} reports from {args.file} → {args.gold}")
    return 0


def cmd_export_docbin(args) -> int:
    from fazhi.annotations.docbin import export_docbin

    docs, texts = _load(args)
    n = export_docbin(args.out, docs, texts, normalized=args.normalized)
    print(f"{n} reports → {args.out}")
    return 0


def cmd_agree(args) -> int:
    from fazhi.annotations.schema import read_jsonl
    from fazhi.evaluation.agreement import span_agreement

    ranges = {}
    for r in args.range or []:
        doc, _, span = r.partition(":")
        lo, _, hi = span.partition("-")
        ranges[doc] = (int(lo), int(hi))
    result = span_agreement(read_jsonl(args.a), read_jsonl(args.b), ranges)
    print(f"{'label':<11} {'A':>5} {'B':>5} {'both':>5} {'F1':>6}")
    for label, r in result.items():
        print(f"{label:<11} {r['a']:>5} {r['b']:>5} {r['both']:>5} {r['f1']:>6.3f}")
    return 0


def cmd_subjects(args) -> int:
    from fazhi.annotations.schema import read_subjects
    from fazhi.corpus import load_texts
    from fazhi.evaluation.subjects import score_subjects

    result = score_subjects(read_subjects(args.subjects), load_texts(args.corpus))
    for m in result["misses"]:
        print(f"{m['doc_id'][:3]} {m['indicator']:<12} gold {m['gold']!s:<16} "
              f"predicted {m['predicted']}")
    print(f"indicator subjects, exact match: {result['hits']}/{result['total']} = "
          f"{result['accuracy']:.3f}")
    return 0

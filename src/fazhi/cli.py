"""The `fazhi` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _paths():
    """[paths] of the project config in a checkout, else their defaults."""
    from fazhi.settings import DEFAULT_CONFIG, Paths, load_settings

    return load_settings().paths if DEFAULT_CONFIG.exists() else Paths()


class _Unreadable(Exception):
    pass


def _load(args):
    from fazhi.annotations.schema import read_jsonl
    from fazhi.corpus import load_texts

    try:
        return read_jsonl(args.gold), load_texts(args.corpus)
    except (OSError, ValueError) as err:
        raise _Unreadable(str(err)) from None


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
    paths = _paths()
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


def cmd_unk(args) -> int:
    tokenizer = args.tokenizer
    if tokenizer is None:  # the [entities] base model, resolved as training resolves it
        try:
            from fazhi.settings import load_settings
            from training.base_model import resolve_base_model
            from training.entities import EntityTrainConfig

            settings = load_settings()
            base = EntityTrainConfig.from_dict(settings.table("entities")).base_model
            tokenizer = resolve_base_model(base, settings.paths.base_models,
                                           settings.paths.shared_models)
        except (ImportError, OSError, RuntimeError) as err:
            print(f"fazhi corpus unk: no tokenizer ({err}); pass --tokenizer DIR",
                  file=sys.stderr)
            return 1
    tokenizer = Path(tokenizer)
    if not (tokenizer / "tokenizer_config.json").exists() and \
            not (tokenizer / "tokenizer.json").exists():
        print(f"{tokenizer}: no tokenizer there; `fazhi corpus unk` needs the pretrained "
              "encoder of ../shared/models beside the checkout (or --tokenizer DIR)",
              file=sys.stderr)
        return 1
    from transformers import AutoTokenizer

    from fazhi.corpus import load_texts
    from fazhi.normalize import normalize

    tok = AutoTokenizer.from_pretrained(str(tokenizer), local_files_only=True)
    print(f"{'report':<22} {'tokens':>7} {'[UNK] before':>13} {'[UNK] after':>12}")
    tot = [0, 0, 0, 0]
    for doc_id, text in load_texts(args.corpus).items():
        row = []
        for t in (text, normalize(text).text):
            ids = tok(t, add_special_tokens=False)["input_ids"]
            row += [len(ids), ids.count(tok.unk_token_id)]
        tot = [a + b for a, b in zip(tot, row)]
        print(f"{doc_id:<22} {row[0]:>7} {row[1] / row[0]:>13.2%} {row[3] / row[2]:>12.2%}")
    print(f"{'all':<22} {tot[0]:>7} {tot[1] / tot[0]:>13.2%} {tot[3] / tot[2]:>12.2%}")
    return 0


def cmd_normalize(args) -> int:
    from fazhi.io import InputError, read_report
    from fazhi.normalize import NormalizerConfig, normalize

    config = NormalizerConfig.from_toml(args.config) if args.config else None
    try:
        text, encoding = read_report(args.file)
    except InputError as err:
        print(err, file=sys.stderr)
        return 1
    if encoding != "utf-8":
        print(f"{args.file}: decoded as {encoding}", file=sys.stderr)
    norm = normalize(text, config)
    sys.stdout.write(norm.text)
    for start, end, reason in norm.removed:
        print(f"{args.file} {start}-{end}: removed ({reason}): {text[start:end]!r}", file=sys.stderr)
    return 0


def cmd_eval(args) -> int:
    """Scores through `nlp.evaluate` (fazhi.evaluation.pipeline), so what is scored is what
    `fazhi tag` outputs; strict here is exact-span matching, partial counts overlaps."""
    from fazhi.annotations.schema import read_jsonl
    from fazhi.annotations.validate import validate
    from fazhi.evaluation.entities import errors, partial_scores
    from fazhi.evaluation.pipeline import evaluate_reports
    from fazhi.io import InputError, read_report
    from fazhi.labels import ENTITY_LABELS
    from fazhi.pipeline import load

    try:
        text, _ = read_report(args.text)
        golds = read_jsonl(args.gold)
    except (InputError, OSError, ValueError) as err:
        print(err, file=sys.stderr)
        return 1
    stem = Path(args.text).stem
    gold = golds[0] if len(golds) == 1 else next((g for g in golds if g.doc_id == stem), None)
    if gold is None:
        print(f"{args.gold}: no record for {stem} (one record, or doc_id = file name)",
              file=sys.stderr)
        return 1
    # The spans are checked before anything is scored: offsets, labels, overlaps and the
    # recorded text against the report (sections and span-edge rules do not matter here).
    problems = validate(gold, text, sections=False, guidelines=False)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{args.gold}: {len(problems)} problem(s) with {args.text}; nothing scored",
              file=sys.stderr)
        return 1
    try:
        nlp = load(args.model, exclude=["values", "sentences"])
    except (OSError, ValueError) as err:
        print(f"{args.model}: cannot load the pipeline ({err})", file=sys.stderr)
        return 1
    scores, (example,) = evaluate_reports(nlp, [text], [gold])
    gold_spans = [(e.start, e.end, e.label) for e in gold.entities]
    pred = [(e.start_char, e.end_char, e.label_) for e in example.predicted.ents]
    partial = partial_scores([gold_spans], [pred])
    per_type = scores.get("ents_per_type") or {}
    print(f"{'label':<11} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5}   (strict; partial F1)")
    for lab in (*ENTITY_LABELS, "micro"):
        s_ = {"p": scores["ents_p"], "r": scores["ents_r"], "f": scores["ents_f"]} \
            if lab == "micro" else per_type.get(lab, {"p": 0.0, "r": 0.0, "f": 0.0})
        support = sum(1 for g in gold_spans if lab in ("micro", g[2]))
        print(f"{lab:<11} {s_['p']:>6.3f} {s_['r']:>6.3f} {s_['f']:>6.3f} {support:>5}"
              f"   {partial[lab]['f1']:.3f}")
    if scores.get("sections_part_acc") is not None:
        print(f"sections: part accuracy {scores['sections_part_acc']:.3f}, topic macro-F1 "
              f"{scores['sections_topic_macro_f1']:.3f}, heading F1 "
              f"{scores['sections_heading_f1']:.3f}")
    if args.errors:
        for kind, rows in errors(text, gold_spans, pred).items():
            print(f"\n{kind.replace('_', ' ')} ({len(rows)})")
            for r in rows:
                print(f"  {r['label']:<10} {r['context']}")
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


def positive_int(text: str) -> int:
    """argparse type for counts and sizes: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def cmd_tag(args) -> int:
    """Tag reports, streaming each record to every output as its report finishes.

    Exit codes: 0 all tagged; 1 a report or the model failed; 2 an output cannot be
    written (checked before the model is loaded); 130 Ctrl-C (the outputs hold the reports
    finished so far, whole, and `--resume` continues)."""
    import shlex

    import fazhi.pipeline
    from fazhi.io import file_sha256
    from fazhi.output import OutputError, format_for, open_output
    from fazhi.tag import AutoThreads, find_reports, tag

    outs = args.out or [None]
    try:
        formats = [format_for(out, args.format) for out in outs]
    except OutputError as err:
        print(err, file=sys.stderr)
        return 2
    if args.resume and not args.out:
        print("--resume continues output files: name them with --out FILE", file=sys.stderr)
        return 2
    targets = [Path(out).absolute() for out in args.out or []]
    twice = next((out for out, t in zip(args.out or [], targets) if targets.count(t) > 1), None)
    if twice:
        print(f"{twice}: given twice as --out", file=sys.stderr)
        return 2

    # With --resume, the sha256 of each input tells a report edited since its record was
    # written (that record is dropped and the report tagged again).
    inputs = ({str(p): file_sha256(p) for p in find_reports(args.paths, args.pattern)}
              if args.resume else {})
    outputs = []
    try:
        try:
            jsonl = next((out for out, fmt in zip(outs, formats) if fmt == "jsonl"), None)
            for out, fmt in zip(outs, formats):
                outputs.append(open_output(out, fmt, args.resume, inputs,
                                           records_from=jsonl if fmt == "html" else None))
        except OutputError as err:
            print(err, file=sys.stderr)
            _discard(outputs)
            return 2
        for o in outputs:
            if o.note:
                print(o.note, file=sys.stderr)
        try:
            nlp = fazhi.pipeline.load(args.model, pkuseg_model=args.pkuseg_model)
        except (OSError, ValueError) as err:
            print(f"{args.model}: cannot load the pipeline ({err})", file=sys.stderr)
            _discard(outputs)
            return 1
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
            auto = None
        else:
            auto = AutoThreads()
            auto.start()

        def sink(rec: dict, text: str) -> None:
            for o in outputs:
                o.write(rec, text)

        def done(file: str, sha: str) -> bool:
            return all((file, sha) in o.done for o in outputs)

        result = tag(args.paths, nlp, max_chars=args.max_chars, pattern=args.pattern,
                     batch_size=args.batch_size, sink=sink,
                     done=done if args.resume else None, threads=auto)
    except KeyboardInterrupt:
        _discard(outputs)
        print("interrupted before any report was tagged; no output was changed",
              file=sys.stderr)
        return 130
    except BaseException:
        _discard(outputs)
        raise

    kept = max((o.kept for o in outputs), default=0)
    finished = []
    try:
        for o in outputs:
            if o.written or o.kept or o.dropped:
                o.commit(final=not result.interrupted)
                finished.append(o.name)
                if not result.interrupted and o.target is not None:
                    print(f"wrote {o.target} ({o.fmt})", file=sys.stderr)
            else:
                o.discard()
    except KeyboardInterrupt:  # a second Ctrl-C while the outputs are being finished
        _discard(outputs)
        print(f"interrupted while finishing the outputs: {', '.join(finished) or 'none'} "
              "finished, the others left as they were", file=sys.stderr)
        return 130
    except BaseException:
        _discard(outputs)
        raise
    if result.interrupted:
        argv = list(args.argv)
        names = ", ".join(o.name for o in outputs)
        already = f" ({kept} were there before)" if kept else ""
        if args.out:
            how = "resume with: " + shlex.join(
                ["fazhi", *argv, *([] if "--resume" in argv else ["--resume"])])
        else:
            how = "stdout cannot be resumed: write to --out FILE, then add --resume"
        print(f"interrupted: {result.written} report(s) written whole to {names}"
              f"{already}; {how}", file=sys.stderr)
        return 130
    threads = (f"{args.threads}" if args.threads else
               "-".join(map(str, sorted({min(auto.used), max(auto.used)}))) + " (auto)")
    print(f"{result.summary()}; torch threads: {threads}", file=sys.stderr)
    return 1 if result.errors or not (result.written or result.skipped) else 0


def _discard(outputs) -> None:
    for o in outputs:
        o.discard()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fazhi", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    ann = sub.add_parser("annotations", help="gold annotations: check, inspect, convert")
    asub = ann.add_subparsers(dest="action", required=True)

    paths = _paths()

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
    sp.add_argument("--model", default=paths.model)
    sp.add_argument("--text", required=True, help="the report (UTF-8 or GB18030)")
    sp.add_argument("--gold", required=True, help="its annotations, in the annotations JSONL format")
    sp.add_argument("--errors", action="store_true", help="list false positives and negatives")
    sp.set_defaults(func=cmd_eval)

    from fazhi.output import FORMATS
    from fazhi.tag import MAX_CHARS

    sp = sub.add_parser("tag", help="tag reports: sections and entities with their values")
    sp.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders of them")
    sp.add_argument("--out", action="append", metavar="FILE",
                    help="output file (.jsonl, .csv, .html), streamed to a temporary file "
                         "and renamed at the end; repeat for several formats (default: "
                         "JSONL on stdout)")
    sp.add_argument("--format", choices=FORMATS,
                    help="output format (default: from --out's suffix, else jsonl)")
    sp.add_argument("--model", default=paths.model, help="a saved fazhi pipeline")
    sp.add_argument("--pattern", default="*.txt", help="which files in a folder are reports")
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
    except _Unreadable as err:  # the gold or the corpus index
        print(err, file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())

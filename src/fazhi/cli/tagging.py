"""`fazhi tag` and `fazhi eval`: the pipeline over reports, and scored against a gold."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_eval(args) -> int:
    """Scores through `nlp.evaluate` (fazhi.evaluation.pipeline), so what is scored is what
    `fazhi tag` outputs; strict here is exact-span matching, partial counts overlaps."""
    from fazhi.annotations.schema import read_jsonl
    from fazhi.annotations.validate import validate
    from fazhi.evaluation.entities import errors, partial_scores
    from fazhi.evaluation.pipeline import evaluate_reports
    from fazhi.io import InputError, read_report
    from fazhi.labels import ENTITY_LABELS
    from fazhi.pipeline import ModelError, load, locate_model

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
        model = locate_model(args.model)
    except ModelError as err:  # no model: one line, how to get one
        print(err, file=sys.stderr)
        return 1
    try:
        nlp = load(model, exclude=["values", "sentences"])
    except (OSError, ValueError) as err:
        print(f"{model}: cannot load the pipeline ({err})", file=sys.stderr)
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

    if args.engine == "ray":
        return cmd_tag_ray(args)
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
            model = fazhi.pipeline.locate_model(args.model)
        except fazhi.pipeline.ModelError as err:  # no model: one line, how to get one
            print(err, file=sys.stderr)
            _discard(outputs)
            return 1
        try:
            nlp = fazhi.pipeline.load(model, pkuseg_model=args.pkuseg_model, fast=args.fast)
        except (OSError, ValueError) as err:
            print(f"{model}: cannot load the pipeline ({err})", file=sys.stderr)
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


def cmd_tag_ray(args) -> int:
    """`fazhi tag --engine ray --out DIR`: Parquet shards under DIR, resumable by nature
    (fazhi.engines.ray_engine). Exit codes as for the local engine."""
    from fazhi.engines.ray_engine import MissingRay, require_ray, run
    from fazhi.pipeline import ModelError
    from fazhi.tables import MissingExtra

    if not args.out or len(args.out) != 1:
        print("--engine ray writes Parquet shards to one folder: give exactly one --out DIR",
              file=sys.stderr)
        return 2
    out = Path(args.out[0])
    if out.exists() and not out.is_dir():
        print(f"{out}: is a file; --engine ray writes a folder of Parquet shards",
              file=sys.stderr)
        return 2
    try:
        require_ray()
        result = run(args.paths, out, address=args.address, workers=args.workers,
                     model=args.model, pattern=args.pattern, max_chars=args.max_chars,
                     batch_size=args.batch_size, pkuseg_model=args.pkuseg_model,
                     fast=args.fast)
    except (MissingRay, MissingExtra, ModelError) as err:
        print(err, file=sys.stderr)
        return 2 if not isinstance(err, ModelError) else 1
    except KeyboardInterrupt:
        print(f"interrupted: the shards under {out} are whole; run the same command again "
              "to continue", file=sys.stderr)
        return 130
    print(f"{result.summary()}; wrote {out} (Parquet shards)", file=sys.stderr)
    return 1 if result.errors or not (result.tagged or result.skipped) else 0


def _discard(outputs) -> None:
    for o in outputs:
        o.discard()

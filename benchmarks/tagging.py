"""Tagging throughput on the corpus, float vs dynamic int8 vs `--fast` (the rules the shipped
tagger follows, no encoder), with F1 against the gold.

    .venv/bin/python benchmarks/tagging.py [--model models/fazhi-zh] [--repeat 5] [--threads N]

Prints a table and writes benchmarks/results.json. A benchmark, not a test: the figures
depend on the machine, and on what else runs on it (take the best of several repeats).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# name → config overrides in spaCy's dotted form; "fast" is `fazhi tag --fast`'s
# (`fazhi.pipeline.assemble.FAST`), filled in main().
VARIANTS = {"float": {"components.ner.quantize": False}, "int8": {"components.ner.quantize": True},
            "fast": None}


def best_median(fn, repeat: int) -> tuple[float, float]:
    # Best is the figure to compare (noise from other processes only ever adds time);
    # the median shows how noisy the machine was.
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def encoder_batches(tagger, texts: list[str]) -> list[dict]:
    """The padded batches `EntityTagger.predict` feeds the encoder, built the same way, so
    that the raw forward pass is timed on exactly the windows the pipeline runs."""
    from fazhi.entity_tagger import encode, pad_batch, rule_feature_ids, windows

    tok = tagger.tokenizer
    encs = [encode(t, tok) for t in texts]
    feats = [rule_feature_ids(t, e, tagger.rules) if tagger.features is not None
             else [0] * len(e.input_ids) for t, e in zip(texts, encs)]
    jobs = sorted(((k, s, e) for k, enc in enumerate(encs)
                   for s, e in windows(len(enc.input_ids), tagger.window, tagger.stride)),
                  key=lambda j: j[2] - j[1])
    rows = [{"input_ids": [tok.cls_token_id, *encs[k].input_ids[s:e], tok.sep_token_id],
             "feature_ids": [0, *feats[k][s:e], 0]} for k, s, e in jobs]
    return [pad_batch(rows[b:b + tagger.batch_size], tok.pad_token_id)
            for b in range(0, len(rows), tagger.batch_size)]


def run_variant(model: str, config: dict, repeat: int, threads: int | None) -> dict:
    """One variant in its own process, so that its peak RSS is its own."""
    import spacy
    import torch

    from fazhi.corpus import load_texts
    from fazhi.entity_tagger import forward

    if threads:
        torch.set_num_threads(threads)
    texts = list(load_texts(ROOT / "corpus").values())
    n_chars = sum(map(len, texts))
    nlp = spacy.load(model, config=config)
    docs = list(nlp.pipe(texts))  # warm-up: first calls allocate and pick kernels

    best, median = best_median(lambda: list(nlp.pipe(texts)), repeat)
    out = {"end_to_end": {"best_s": best, "median_s": median, "chars_per_s": n_chars / best}}

    # Each component on its own, fed by the ones before it as in nlp.pipe. Rerunning one on
    # docs it has already annotated redoes the same work, so repeats time the same thing.
    components, current = {}, None
    for name, proc in [("make_doc", None), *nlp.pipeline]:
        def step(proc=proc, docs=current):
            if proc is None:
                return [nlp.make_doc(t) for t in texts]
            return list(proc.pipe(docs)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
        components[name] = best_median(step, repeat)[0]
        current = step()
    out["components_best_s"] = components

    out["spans"] = [sorted((e.start_char, e.end_char, e.label_) for e in d.ents) for d in docs]
    tagger = nlp.get_pipe("ner").tagger
    out["settings"] = {"window": tagger.window, "stride": tagger.stride,
                       "batch_size": tagger.batch_size, "torch_threads": torch.get_num_threads(),
                       "attention": tagger.model.config._attn_implementation
                       if tagger.model is not None else None}
    out["encoder"] = out["ner_other_than_encoder_s"] = None  # --fast: no encoder to time
    if tagger.model is not None:
        # The encoder alone: the same windows, already tokenised, no rules or decoding.
        batches = encoder_batches(tagger, [d._.normalized.text for d in docs])
        n_tokens = sum(int(b["attention_mask"].sum()) for b in batches)

        def encode_all():
            with torch.inference_mode():
                for b in batches:
                    forward(tagger.model, tagger.features, **b)

        encode_all()
        best, median = best_median(encode_all, repeat)
        out["encoder"] = {"best_s": best, "median_s": median, "chars_per_s": n_chars / best,
                          "tokens_per_s": n_tokens / best, "tokens": n_tokens,
                          "windows": sum(len(b["input_ids"]) for b in batches)}
        out["ner_other_than_encoder_s"] = components["ner"] - best
    # ru_maxrss is KiB on Linux: the peak of this process, model load included.
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(ROOT / "models/fazhi-zh"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    # Overrides of the ner component's config, to time other windows without a new model.
    ap.add_argument("--window", type=int)
    ap.add_argument("--stride", type=int)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results.json"))
    args = ap.parse_args()

    import torch

    from fazhi.annotations.schema import read_jsonl
    from fazhi.corpus import load_texts
    from fazhi.evaluation.spans import strict_scores
    from fazhi.pipeline.assemble import FAST

    # spawn, not fork: a fresh interpreter per variant keeps peak memory per variant.
    ctx = multiprocessing.get_context("spawn")
    overrides = {f"components.ner.{k}": v for k, v in (
        ("window", args.window), ("stride", args.stride), ("batch_size", args.batch_size))
        if v is not None}
    results = {}
    for name, config in VARIANTS.items():
        with ctx.Pool(1) as pool:
            results[name] = pool.apply(run_variant, (
                args.model, {**overrides, **(config or FAST)}, args.repeat, args.threads))

    texts = load_texts(ROOT / "corpus")
    gold = {d.doc_id: [(e.start, e.end, e.label) for e in d.entities]
            for d in read_jsonl(ROOT / "annotations/gold.jsonl")}
    ids = list(texts)
    for r in results.values():
        r["f1"] = {label: s["f1"] for label, s in strict_scores(
            [gold[i] for i in ids], r["spans"], [len(texts[i]) for i in ids]).items()}
    differing = {name: sum(len(set(a) ^ set(b)) for a, b in
                           zip(results["float"]["spans"], results[name]["spans"]))
                 for name in ("int8", "fast")}

    n_chars = sum(map(len, texts.values()))
    rows = [("end-to-end chars/s", lambda r: f"{r['end_to_end']['chars_per_s']:,.0f}"),
            ("  best / median s", lambda r: f"{r['end_to_end']['best_s']:.2f} / "
                                            f"{r['end_to_end']['median_s']:.2f}"),
            ("encoder chars/s", lambda r: f"{r['encoder']['chars_per_s']:,.0f}"),
            ("encoder tokens/s", lambda r: f"{r['encoder']['tokens_per_s']:,.0f}"),
            ("encoder best / median s", lambda r: f"{r['encoder']['best_s']:.2f} / "
                                                  f"{r['encoder']['median_s']:.2f}"),
            ("end-to-end / encoder", lambda r: f"{r['encoder']['best_s'] / r['end_to_end']['best_s']:.2f}×"),
            *((f"  {name} s", lambda r, n=name: f"{r['components_best_s'][n]:.3f}")
              for name in results["float"]["components_best_s"]),
            ("  ner minus encoder s", lambda r: f"{r['ner_other_than_encoder_s']:.3f}"),
            ("peak RSS MB", lambda r: f"{r['peak_rss_mb']:.0f}"),
            *((f"F1 {label}", lambda r, lab=label: f"{r['f1'][lab]:.4f}")
              for label in results["float"]["f1"]),
            ("spans", lambda r: str(sum(map(len, r["spans"]))))]
    s = results["float"]["settings"]
    print(f"corpus: {len(texts)} reports, {n_chars:,} chars; {s['torch_threads']} torch threads, "
          f"{os.cpu_count()} CPUs; window {s['window']} stride {s['stride']} "
          f"batch {s['batch_size']}; {s['attention']} attention; best of {args.repeat}")
    print(f"{'':26s}" + "".join(f"{name:>14s}" for name in results))
    for label, fmt in rows:
        print(f"{label:26s}" + "".join(f"{_cell(fmt, r):>14s}" for r in results.values()))
    print(f"spans differing from float: int8 {differing['int8']}, fast {differing['fast']}")
    print("F1 is on the four reports the shipped model was trained on: it shows what int8 "
          "changes, not held-out quality (benchmarks/heldout_windows.py for that).")

    for r in results.values():
        del r["spans"]
    machine = {"cpu_count": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)),
               "processor": _cpu_model(), "platform": platform.platform(),
               "python": platform.python_version(), "torch": torch.__version__,
               "torch_threads": s["torch_threads"]}
    Path(args.out).write_text(json.dumps(
        {"machine": machine, "corpus_chars": n_chars, "repeat": args.repeat,
         "variants": results, "differing_spans": differing,
         "f1_note": "training-data F1: the shipped model was trained on these four reports"},
        indent=1))
    print(f"→ {args.out}")


def _cell(fmt, result: dict) -> str:
    try:
        return fmt(result)
    except TypeError:  # a figure the variant does not have (the encoder of --fast)
        return "—"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()

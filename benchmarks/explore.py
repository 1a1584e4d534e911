"""What makes the entity tagger faster: the encoder forward pass over the corpus's windows
under each option, and the spans each option changes. Exploration behind the choices in
README.md; `tagging.py` is the benchmark.

    .venv/bin/python benchmarks/explore.py [--repeat 5] [--onnx]

--onnx also exports the encoder (with its rule-feature input) to ONNX Runtime, float and
int8; it needs `pip install onnxruntime onnx` (not project dependencies).
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import spacy
import torch

from fazhi.annotations.schema import read_jsonl
from fazhi.corpus import load_texts
from fazhi.entity_tagger import BIO_LABELS, forward, quantize_dynamic
from fazhi.evaluate import strict_scores

sys.path.insert(0, str(Path(__file__).parent))
from tagging import encoder_batches

ROOT = Path(__file__).resolve().parents[1]


def interleaved(variants: dict, repeat: int) -> dict[str, tuple[float, float]]:
    # Round-robin rather than one variant after another, so that a burst of load from
    # elsewhere hurts all variants alike instead of one.
    times = {k: [] for k in variants}
    for fn in variants.values():
        fn()
    for _ in range(repeat):
        for k, fn in variants.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: (min(v), statistics.median(v)) for k, v in times.items()}


def torch_encoder(model, features, batches):
    def run():
        with torch.inference_mode():
            return [forward(model, features, **b).logits.numpy() for b in batches]
    return run


class Encoder(torch.nn.Module):
    """input_ids, attention_mask, feature_ids → logits: the rule features are an input."""

    def __init__(self, model, features):
        super().__init__()
        self.model, self.features = model, features

    def forward(self, input_ids, attention_mask, feature_ids):
        return forward(self.model, self.features, input_ids, attention_mask, feature_ids).logits


def onnx_sessions(tagger, sample: dict, folder: Path, threads: int) -> dict:
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType
    from onnxruntime.quantization import quantize_dynamic as ort_quantize
    from onnxruntime.transformers import optimizer

    model = copy.deepcopy(tagger.model)
    # ORT's optimiser recognises the eager attention graph and fuses it into one op.
    model.config._attn_implementation = "eager"
    names = ["input_ids", "attention_mask", "feature_ids"]
    plain = folder / "encoder.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Encoder(model, tagger.features).eval(),
                          tuple(sample[k] for k in names), str(plain), input_names=names,
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={k: {0: "batch", 1: "seq"} for k in [*names, "logits"]})
    fused = folder / "encoder_fused.onnx"
    config = model.config
    optimizer.optimize_model(str(plain), model_type="bert", num_heads=config.num_attention_heads,
                             hidden_size=config.hidden_size, opt_level=1
                             ).save_model_to_file(str(fused))
    fused_int8 = folder / "encoder_fused_int8.onnx"
    ort_quantize(str(fused), str(fused_int8), weight_type=QuantType.QInt8,
                 extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    sessions = {}
    for name, path in [("ort float", plain), ("ort float fused", fused),
                       ("ort int8 fused", fused_int8)]:
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
        # Idle ORT threads otherwise spin for a while after each run and steal the cores
        # from whatever runs next in the process (torch here; the rest of the pipeline there).
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        sessions[name] = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    return sessions


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / "models/fazhi-zh"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--onnx", action="store_true")
    args = ap.parse_args()
    threads = torch.get_num_threads()

    texts = load_texts(ROOT / "corpus")
    ids = list(texts)
    gold = {d.doc_id: [(e.start, e.end, e.label) for e in d.entities]
            for d in read_jsonl(ROOT / "annotations/gold.jsonl")}
    nlp = spacy.load(args.model)
    tagger = nlp.get_pipe("ner").tagger
    docs = list(nlp.pipe(texts.values()))
    norms = [d._.normalized.text for d in docs]
    n_chars = sum(map(len, texts.values()))
    float_model = tagger.model
    int8_model = quantize_dynamic(copy.copy(tagger)).model

    def report(title, timings, tokens=None):
        print(f"\n{title}")
        for k, (best, median) in timings.items():
            extra = f"  {tokens[k] / best:8,.0f} tokens/s" if tokens else ""
            print(f"  {k:34s} best {best:6.3f} s  median {median:6.3f} s  "
                  f"{n_chars / best:8,.0f} chars/s{extra}")

    # 1. Window and stride: the encoder's work is proportional to the pieces it reads, and
    #    overlap makes it read each piece window/stride times. Batch size: cache effects.
    variants, tokens = {}, {}
    for window, stride, batch_size in [(254, 192, 16), (254, 192, 8), (254, 192, 32),
                                       (254, 224, 16), (254, 254, 16), (126, 96, 16),
                                       (126, 96, 32), (126, 112, 32)]:
        tagger.window, tagger.stride, tagger.batch_size = window, stride, batch_size
        batches = encoder_batches(tagger, norms)
        for prec, model in (("float", float_model), ("int8", int8_model)):
            key = f"{prec} w{window} s{stride} b{batch_size}"
            variants[key] = torch_encoder(model, tagger.features, batches)
            tokens[key] = sum(int(b["attention_mask"].sum()) for b in batches)
    report("encoder forward, torch: window/stride/batch", interleaved(variants, args.repeat),
           tokens)

    # 2. Attention kernel and threads, at the shipped windows.
    tagger.window, tagger.stride, tagger.batch_size = 254, 192, 16
    batches = encoder_batches(tagger, norms)
    eager = copy.deepcopy(float_model)
    eager.config._attn_implementation = "eager"
    timings = interleaved({"float sdpa": torch_encoder(float_model, tagger.features, batches),
                           "float eager": torch_encoder(eager, tagger.features, batches)},
                          args.repeat)
    torch.set_num_threads(1)
    one = interleaved({"float sdpa, 1 thread": torch_encoder(float_model, tagger.features,
                                                              batches),
                       "int8, 1 thread": torch_encoder(int8_model, tagger.features, batches)},
                      args.repeat)
    torch.set_num_threads(threads)
    report("encoder forward, torch: attention and threads", {**timings, **one})

    # 3. ONNX Runtime, same windows.
    if args.onnx:
        feeds = [{k: b[k].numpy() for k in ("input_ids", "attention_mask", "feature_ids")}
                 for b in batches]
        with tempfile.TemporaryDirectory() as folder:
            sessions = onnx_sessions(tagger, batches[0], Path(folder), threads)
        reference = torch_encoder(float_model, tagger.features, batches)()
        variants = {"torch float": torch_encoder(float_model, tagger.features, batches),
                    "torch int8": torch_encoder(int8_model, tagger.features, batches)}
        for name, s in sessions.items():
            variants[name] = lambda s=s: [s.run(None, f)[0] for f in feeds]
        for name, fn in variants.items():
            out = fn()
            diff = max(float(np.abs(o - r).max()) for o, r in zip(out, reference))
            print(f"  {name}: max |logit - torch float| {diff:.4f}")
        report("encoder forward: torch vs ONNX Runtime", interleaved(variants, args.repeat))
        ort_sessions = sessions
    else:
        ort_sessions = {}

    # 4. Spans and training-data F1 under each option, through the whole pipeline. The
    #    options that src/ does not offer (ORT, the former numpy Viterbi) are patched into
    #    fazhi.entity_tagger, whose predict() looks both up at call time.
    import fazhi.entity_tagger as et

    torch_forward, src_viterbi = et.forward, et.viterbi
    models = {"float": float_model, "int8": int8_model, **ort_sessions}

    def use(encoder: str, window: int, stride: int, batch_size: int = 16,
            fast_viterbi: bool = False) -> None:
        tagger.window, tagger.stride, tagger.batch_size = window, stride, batch_size
        et.viterbi = src_viterbi if fast_viterbi else viterbi_numpy
        model = models[encoder]
        if isinstance(model, torch.nn.Module):
            et.forward, tagger.model = torch_forward, model
        else:  # an ORT session stands in for the torch forward pass
            et.forward = lambda m, f, input_ids, attention_mask, feature_ids, s=model: \
                _Logits(torch.from_numpy(s.run(None, {
                    "input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy(),
                    "feature_ids": feature_ids.numpy()})[0]))

    lengths = [len(texts[i]) for i in ids]
    golds = [gold[i] for i in ids]
    reference = None
    options = [("float", 254, 192), ("int8", 254, 192), ("float", 254, 224),
               ("float", 126, 96), ("int8", 126, 96), ("float", 126, 112), ("int8", 126, 112)]
    options += [(name, w, s) for name in ort_sessions for w, s in [(254, 192), (126, 112)]]
    print("\nspans vs gold (training-data F1) and vs float 254/192")
    for encoder, window, stride in options:
        use(encoder, window, stride, fast_viterbi=True)
        spans = [sorted((e.start_char, e.end_char, e.label_) for e in d.ents)
                 for d in nlp.pipe(texts.values())]
        reference = reference or spans
        f1 = strict_scores(golds, spans, lengths)
        differ = sum(len(set(a) ^ set(b)) for a, b in zip(spans, reference))
        print(f"  {encoder:16s} w{window} s{stride}  micro F1 {f1['micro']['f1']:.4f}  "
              + "  ".join(f"{k} {v['f1']:.3f}" for k, v in f1.items() if k != "micro")
              + f"  differing spans {differ}")

    # 5. Decoding. Many repeats: garbage-collection pauses come every few calls, so the
    #    median shows them and the best does not.
    scores = np.random.default_rng(0).normal(size=(40_000, len(BIO_LABELS))) * 5
    assert src_viterbi(scores) == viterbi_numpy(scores)
    print("\nViterbi over 40,000 pieces")
    for name, fn in interleaved({"fazhi.entity_tagger.viterbi": lambda: src_viterbi(scores),
                                 "viterbi_numpy": lambda: viterbi_numpy(scores)},
                                4 * args.repeat).items():
        print(f"  {name:34s} best {fn[0]:6.3f} s  median {fn[1]:6.3f} s")

    # 6. End to end, nlp.pipe over the corpus, with the changes combined.
    combos = [("float", 254, 192, 16, False), ("int8", 254, 192, 16, False),
              ("float", 254, 192, 16, True), ("int8", 254, 192, 16, True),
              ("float", 126, 96, 32, True), ("float", 126, 112, 16, True),
              ("float", 126, 112, 32, True), ("float", 126, 112, 64, True),
              ("int8", 126, 112, 32, True)]
    combos += [(name, w, s, b, True) for name in ort_sessions if name != "ort float"
               for w, s, b in [(254, 192, 16), (126, 112, 32)]]

    def pipeline(combo):
        def run():
            use(*combo)
            list(nlp.pipe(texts.values()))
        return run

    report("end to end (encoder, window, stride, batch, src's list Viterbi vs viterbi_numpy)",
           interleaved({" ".join(map(str, c)): pipeline(c) for c in combos}, args.repeat))
    use("float", 254, 192)
    print(f"\n{threads} torch threads, {os.cpu_count()} CPUs, torch {torch.__version__}")


def viterbi_numpy(scores: np.ndarray) -> list[str]:
    """The numpy Viterbi fazhi.entity_tagger used before the list version it has now (same
    paths), kept here to time the two against each other: the IOB2 constraint as a -inf
    transition matrix, one 9×9 numpy step per piece."""
    ok = np.ones((len(BIO_LABELS), len(BIO_LABELS)), dtype=bool)
    for j, lab in enumerate(BIO_LABELS):
        if lab.startswith("I-"):
            ok[:, j] = [prev in (f"B-{lab[2:]}", lab) for prev in BIO_LABELS]
    logp = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    penalty = np.where(ok, 0.0, -np.inf)
    start_ok = np.array([not lab.startswith("I-") for lab in BIO_LABELS])
    best = np.where(start_ok, logp[0], -np.inf)
    back = np.zeros(scores.shape, dtype=int)
    for t in range(1, len(scores)):
        cand = best[:, None] + penalty
        back[t] = cand.argmax(axis=0)
        best = cand.max(axis=0) + logp[t]
    path = [int(best.argmax())]
    for t in range(len(scores) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return [BIO_LABELS[i] for i in reversed(path)]


class _Logits:
    def __init__(self, logits):
        self.logits = logits


if __name__ == "__main__":
    main()

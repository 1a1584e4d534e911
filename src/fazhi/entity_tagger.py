"""The transformer entity tagger: one IOB2 label per word piece, spans on characters.

A word piece can cover several characters: the LTP encoder's tokenizer groups digits and
Latin letters (`13992` → `139 ##92`), the e5 encoder's sentencepiece pieces are often whole
words (北京市, 司法). Labels live on word pieces and predictions come back as character spans
through the tokenizer's offset mapping. A piece takes the label of its first character,
unless an entity begins inside it: then the piece begins that entity (the entity gains the
piece's first characters instead of being lost; 4 of 1,146 gold entities with the e5
tokenizer, none with the LTP one).

Long reports are cut into overlapping windows; each word piece takes its logits from the
window in which it sits furthest from an edge, where the encoder saw most context.

With rule features, the rules-and-gazetteers tagger (fazhi.rules) reads the text first and
its IOB2 tag of each piece is embedded and added to the piece's word embedding: the encoder
learns from four reports when to trust a gazetteer match or a pattern and when not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fazhi.combine import combine
from fazhi.data import CharSpan, bio_spans, char_bio
from fazhi.labels import ENTITY_LABELS
from fazhi.settings import PipelineSettings
from fazhi.weights import is_compact, load_compact, save_compact

_INFERENCE = PipelineSettings()  # the defaults of a pipeline's ner component

BIO_LABELS = ("O", *(f"{p}-{lab}" for lab in ENTITY_LABELS for p in ("B", "I")))
LABEL2ID = {lab: i for i, lab in enumerate(BIO_LABELS)}


@dataclass
class Encoding:
    input_ids: list[int]
    offsets: list[tuple[int, int]]  # character span of each word piece


def encode(text: str, tokenizer) -> Encoding:
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return Encoding(enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]])


def piece_labels(offsets: list[tuple[int, int]], char_tags: list[str]) -> list[str]:
    """IOB2 label per word piece from IOB2 tags per character. An entity that begins inside
    a piece begins at the piece; one that ends inside a piece ends with it."""
    labels = []
    for a, b in offsets:
        first = char_tags[a]
        inner = None if first.startswith("B-") else next(
            (t for t in char_tags[a + 1:b] if t.startswith("B-")), None)
        labels.append(inner or first)
    return labels


def piece_label_ids(text: str, offsets: list[tuple[int, int]], spans: list[CharSpan]) -> list[int]:
    """Label ids per word piece for character spans on `text` (gold or rule tags)."""
    return [LABEL2ID[t] for t in piece_labels(offsets, char_bio(len(text), spans))]


def rule_feature_ids(text: str, enc: Encoding, rules) -> list[int]:
    """The rules tagger's IOB2 label of each word piece, as label ids."""
    return piece_label_ids(text, enc.offsets, rules.predict(text))


def pad_batch(rows: list[dict], pad_id: int) -> dict:
    """Tensors for rows of `input_ids` (with [CLS]/[SEP]), `feature_ids` and optional `labels`,
    padded to the longest row."""
    import torch

    width = max(len(r["input_ids"]) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    feats = torch.zeros((len(rows), width), dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    for i, r in enumerate(rows):
        n = len(r["input_ids"])
        ids[i, :n] = torch.tensor(r["input_ids"])
        feats[i, :n] = torch.tensor(r["feature_ids"])
        mask[i, :n] = 1
        if "labels" in r:
            labels[i, :n] = torch.tensor(r["labels"])
    batch = {"input_ids": ids, "attention_mask": mask, "feature_ids": feats}
    if "labels" in rows[0]:
        batch["labels"] = labels
    return batch


def new_feature_embedding(model):
    """Embedding of rule tags, sized like the word embeddings and zero at first, so that
    training starts from the pretrained encoder unchanged."""
    import torch

    dim = model.get_input_embeddings().embedding_dim
    emb = torch.nn.Embedding(len(BIO_LABELS), dim)
    torch.nn.init.zeros_(emb.weight)
    return emb


def forward(model, features, input_ids, attention_mask, feature_ids=None, labels=None):
    """The token classifier, with rule-feature embeddings added to the word embeddings."""
    if features is None:
        return model(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
    embeds = model.get_input_embeddings()(input_ids) + features(feature_ids)
    return model(inputs_embeds=embeds, attention_mask=attention_mask, labels=labels)


def windows(n: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Windows [start, end) of at most `size` pieces, each `stride` after the last,
    the final one flush with the end so that no piece is left out."""
    if n <= size:
        return [(0, n)]
    starts = list(range(0, n - size, stride)) + [n - size]
    return [(s, s + size) for s in sorted(set(starts))]


def merge_windows(parts: list[tuple[int, np.ndarray]], n: int) -> np.ndarray:
    """Per-piece scores for a whole text from overlapping windows' scores.

    Each piece takes the row of the window where its distance to the nearer window edge is
    largest.
    """
    n_labels = parts[0][1].shape[1]
    out = np.zeros((n, n_labels), dtype=parts[0][1].dtype)
    best = np.full(n, -1)
    for start, scores in parts:
        length = scores.shape[0]
        idx = np.arange(length)
        margin = np.minimum(idx, length - 1 - idx)
        pos = start + idx
        take = margin > best[pos]
        out[pos[take]] = scores[take]
        best[pos[take]] = margin[take]
    return out


# An I-X may follow only B-X or I-X; anything may precede O or a B-X.
_INSIDE = [(BIO_LABELS.index("B-" + lab[2:]), j) for j, lab in enumerate(BIO_LABELS)
           if lab.startswith("I-")]


def viterbi(scores: np.ndarray) -> list[str]:
    """The best IOB2-valid label sequence under per-piece scores (logits).

    Per-piece argmax can emit `B-REGULATION I-MEASURE I-REGULATION …` inside one name and
    break it into fragments; the best valid path keeps one label across a span.

    The constraint is spelled out rather than applied as a -inf transition matrix: every O or
    B-X comes from the best previous label, an I-X from the better of B-X and I-X (ties to
    B-X). On Python floats a step over nine labels is twice as fast as a numpy step
    (benchmarks/README.md); back-pointers go in one bytearray, because tens of thousands of
    kept lists set off full garbage collections over the pipeline's heap.
    """
    n = scores.shape[1]
    flat = (scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)).ravel().tolist()
    best = flat[:n]
    for _, i in _INSIDE:
        best[i] = -np.inf
    back = bytearray()
    for t in range(n, len(flat), n):
        row = flat[t:t + n]
        top = max(best)
        ptr = [best.index(top)] * n
        new = [top + x for x in row]
        for b, i in _INSIDE:
            if best[b] >= best[i]:
                ptr[i], new[i] = b, best[b] + row[i]
            else:
                ptr[i], new[i] = i, best[i] + row[i]
        back += bytes(ptr)
        best = new
    path = [best.index(max(best))]
    for t in range(len(flat) // n - 2, -1, -1):
        path.append(back[t * n + path[-1]])
    return [BIO_LABELS[i] for i in reversed(path)]


def decode(piece_tags: list[str], offsets: list[tuple[int, int]]) -> list[CharSpan]:
    """Character spans from per-piece IOB2 tags."""
    return [(offsets[s][0], offsets[e - 1][1], lab) for s, e, lab in bio_spans(piece_tags)]


def quantize_dynamic(tagger: EntityTagger) -> EntityTagger:
    """Int8 weights for the encoder's linear layers, quantised on load (dynamic quantisation:
    activations stay float). Measured in benchmarks/ at windows of 126: end to end about 24 %
    faster on 2 CPU cores, but held-out micro F1 drops by about one point (0.746 → 0.736),
    though only 0.2 points on the training reports; so it is opt-in (`quantize = true`)."""
    import warnings

    import torch

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao, which is not a dependency
        warnings.simplefilter("ignore")
        tagger.model = torch.ao.quantization.quantize_dynamic(
            tagger.model, {torch.nn.Linear}, dtype=torch.qint8)
    return tagger


class EntityTagger:
    """A fine-tuned token classifier with its tokenizer, predicting spans on normalised text.

    Saved and loaded the spaCy way: `to_disk(path)` writes the encoder, its tokenizer and,
    with rule features, the rules tagger and the feature embedding; `EntityTagger(window=…,
    stride=…, batch_size=…).from_disk(path)` reads them back. The prediction settings are not
    saved here: in a pipeline they are the `ner` component's config (config.cfg)."""

    def __init__(self, model=None, tokenizer=None, window: int = _INFERENCE.window,
                 stride: int = _INFERENCE.stride, batch_size: int = _INFERENCE.batch_size,
                 rules=None, features=None, policy: dict[str, str] | None = None):
        self.model = model.eval() if model is not None else None
        self.tokenizer = tokenizer
        # `rules` feed the rule-tag input (with `features`) and/or are combined with the
        # encoder's spans label by label (`policy`, fazhi.combine).
        self.rules, self.features, self.policy = rules, features, policy
        self.window, self.stride, self.batch_size = window, stride, batch_size
        # How to_disk stores the weights: compactly (fazhi.weights), or, for a tagger loaded
        # from a model.safetensors saved before compact weights, as float32, so that saving a
        # loaded pipeline again (training.package) never rounds its weights.
        self.compact = True

    @property
    def label2col(self) -> dict[str, int]:
        return {v: int(k) for k, v in self.model.config.id2label.items()}

    def to_disk(self, path: str | Path, exclude=()) -> None:
        """Write the tagger into a new folder put in place of `path` at the end: files of a
        tagger saved there before (another encoder's weights, a rule-tag embedding this one
        does not have) would otherwise be loaded with it."""
        from fazhi.io import new_folder

        with new_folder(path) as folder:
            if self.compact:
                save_compact(self.model, folder)
            else:
                self.model.save_pretrained(folder)
            self.tokenizer.save_pretrained(folder)
            if self.rules is not None:
                self.rules.to_disk(folder)
            if self.features is not None:
                from safetensors.torch import save_file

                save_file({k: v.contiguous() for k, v in self.features.state_dict().items()},
                          folder / "rule_features.safetensors")
            if self.policy:
                (folder / "combine.json").write_text(
                    json.dumps(self.policy, indent=1) + "\n", encoding="utf-8")

    def from_disk(self, path: str | Path, exclude=()) -> EntityTagger:
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        path = Path(path)
        import torch

        # Taggers saved before compact weights hold a float32 or float16 model.safetensors.
        self.compact = is_compact(path)
        self.model = load_compact(path) if self.compact else \
            AutoModelForTokenClassification.from_pretrained(path, dtype=torch.float32).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.rules = self.features = self.policy = None
        if (path / "rules.json").exists():
            from fazhi.rules import RuleTagger

            self.rules = RuleTagger().from_disk(path)
        if (path / "rule_features.safetensors").exists():
            from safetensors.torch import load_file

            self.features = new_feature_embedding(self.model)
            self.features.load_state_dict(load_file(path / "rule_features.safetensors"))
        if (path / "combine.json").exists():
            self.policy = json.loads((path / "combine.json").read_text(encoding="utf-8"))
        return self

    def predict(self, texts: list[str], with_rules: bool = True) -> list[list[CharSpan]]:
        """Entity spans for each text; windows of all texts are batched together.
        `with_rules=False`: the encoder alone, its rule-tag input (if any) blank and no
        combination with the rules' spans."""
        import torch

        encs = [encode(t, self.tokenizer) for t in texts]
        use_rules = with_rules and self.rules is not None
        rule_spans = [self.rules.predict(t) if use_rules else [] for t in texts]
        feats = [piece_label_ids(t, enc.offsets, spans)
                 if use_rules and self.features is not None else None
                 for t, enc, spans in zip(texts, encs, rule_spans)]
        jobs = [(k, s, e) for k, enc in enumerate(encs)
                for s, e in windows(len(enc.input_ids), self.window, self.stride)
                if len(enc.input_ids)]
        # Similar lengths in one batch waste less padding.
        jobs.sort(key=lambda j: j[2] - j[1])
        parts: dict[int, list[tuple[int, np.ndarray]]] = {k: [] for k in range(len(texts))}
        cls_id, sep_id, pad_id = (self.tokenizer.cls_token_id, self.tokenizer.sep_token_id,
                                  self.tokenizer.pad_token_id)
        with torch.inference_mode():
            for b in range(0, len(jobs), self.batch_size):
                batch = jobs[b:b + self.batch_size]
                tensors = pad_batch([
                    {"input_ids": [cls_id, *encs[k].input_ids[s:e], sep_id],
                     "feature_ids": [0, *(feats[k][s:e] if feats[k] else [0] * (e - s)), 0]}
                    for k, s, e in batch], pad_id)
                logits = forward(self.model, self.features, **tensors).logits
                logits = logits.float().numpy()
                for row, (k, s, e) in enumerate(batch):
                    parts[k].append((s, logits[row, 1:1 + e - s]))
        results = []
        for k, enc in enumerate(encs):
            if not parts[k]:
                results.append([])
                continue
            scores = merge_windows(parts[k], len(enc.input_ids))
            # The model's label order may differ from BIO_LABELS (a loaded config).
            order = [self.label2col[lab] for lab in BIO_LABELS]
            spans = decode(viterbi(scores[:, order]), enc.offsets)
            if use_rules and self.policy:
                spans = combine(spans, rule_spans[k], self.policy)
            results.append(spans)
        return results

"""The transformer entity tagger: one IOB2 label per word piece, spans on characters.

The encoder's tokenizer groups digits and Latin letters (`13992` → `139 ##92`), so a word
piece can cover several characters. Labels live on word pieces (a piece takes the label of
its first character) and predictions come back as character spans through the tokenizer's
offset mapping. No gold entity edge falls inside a word piece in the corpus (checked in
tests), so nothing is lost either way.

Long reports are cut into overlapping windows; each word piece takes its logits from the
window in which it sits furthest from an edge, where the encoder saw most context.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fazhi.data import Span, bio_spans
from fazhi.labels import ENTITY_LABELS

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
    """IOB2 label per word piece from IOB2 tags per character."""
    return [char_tags[a] for a, _ in offsets]


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


def decode(piece_tags: list[str], offsets: list[tuple[int, int]]) -> list[Span]:
    """Character spans from per-piece IOB2 tags."""
    return [(offsets[s][0], offsets[e - 1][1], lab) for s, e, lab in bio_spans(piece_tags)]


class EntityTagger:
    """A fine-tuned token classifier with its tokenizer, predicting spans on normalised text."""

    def __init__(self, model, tokenizer, window: int = 254, stride: int = 192,
                 batch_size: int = 16):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.window, self.stride, self.batch_size = window, stride, batch_size
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}

    @classmethod
    def from_pretrained(cls, path: str | Path, **kwargs) -> EntityTagger:
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        path = Path(path)
        settings = {}
        if (path / "fazhi_tagger.json").exists():
            settings = json.loads((path / "fazhi_tagger.json").read_text())
        settings.update(kwargs)
        model = AutoModelForTokenClassification.from_pretrained(path)
        return cls(model, AutoTokenizer.from_pretrained(path), **settings)

    def save_pretrained(self, path: str | Path) -> None:
        path = Path(path)
        self.model.save_pretrained(path, safe_serialization=True)
        self.tokenizer.save_pretrained(path)
        (path / "fazhi_tagger.json").write_text(json.dumps(
            {"window": self.window, "stride": self.stride, "batch_size": self.batch_size},
            indent=1))

    def predict(self, texts: list[str]) -> list[list[Span]]:
        """Entity spans for each text; windows of all texts are batched together."""
        import torch

        encs = [encode(t, self.tokenizer) for t in texts]
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
                width = max(e - s for _, s, e in batch) + 2
                ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
                mask = torch.zeros_like(ids)
                for row, (k, s, e) in enumerate(batch):
                    seq = [cls_id, *encs[k].input_ids[s:e], sep_id]
                    ids[row, :len(seq)] = torch.tensor(seq)
                    mask[row, :len(seq)] = 1
                logits = self.model(input_ids=ids, attention_mask=mask).logits.float().numpy()
                for row, (k, s, e) in enumerate(batch):
                    parts[k].append((s, logits[row, 1:1 + e - s]))
        results = []
        for k, enc in enumerate(encs):
            if not parts[k]:
                results.append([])
                continue
            scores = merge_windows(parts[k], len(enc.input_ids))
            tags = [self.id2label[i] for i in scores.argmax(axis=1)]
            results.append(decode(tags, enc.offsets))
        return results

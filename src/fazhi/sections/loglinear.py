"""The classifiers: softmax over sparse binary features, with tied votes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class LogLinear:
    """Softmax over sparse binary features. A feature `name` has a weight per class; a tied
    feature `=>LABEL|name` adds one weight, shared by all labels, to LABEL's score (a vote)."""

    classes: tuple[str, ...]
    vocab: dict[str, int]
    weights: np.ndarray  # (len(vocab), len(classes))
    bias: np.ndarray  # (len(classes),)
    tied: dict[str, int] = field(default_factory=dict)
    tied_weights: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def scores(self, feats: list[str]) -> np.ndarray:
        out = self.bias.copy()
        for f in set(feats):
            if f.startswith("=>"):
                label, _, name = f[2:].partition("|")
                if name in self.tied and label in self.classes:
                    out[self.classes.index(label)] += self.tied_weights[self.tied[name]]
            elif f in self.vocab:
                out += self.weights[self.vocab[f]]
        return out

    def best(self, feats: list[str], allowed: tuple[str, ...] | None = None) -> str:
        scores = self.scores(feats)
        if allowed is not None:
            scores = np.where([c in allowed for c in self.classes], scores, -np.inf)
        return self.classes[int(np.argmax(scores))]

    def to_json(self) -> dict:
        return {"classes": list(self.classes), "vocab": self.vocab,
                "weights": np.round(self.weights, 6).tolist(),
                "bias": np.round(self.bias, 6).tolist(), "tied": self.tied,
                "tied_weights": np.round(self.tied_weights, 6).tolist()}

    @classmethod
    def from_json(cls, obj: dict) -> LogLinear:
        classes = tuple(obj["classes"])
        return cls(classes, dict(obj["vocab"]),
                   np.asarray(obj["weights"], dtype=np.float64).reshape(len(obj["vocab"]),
                                                                        len(classes)),
                   np.asarray(obj["bias"], dtype=np.float64), dict(obj.get("tied", {})),
                   np.asarray(obj.get("tied_weights", []), dtype=np.float64))

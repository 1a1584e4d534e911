"""Putting the encoder's spans and the rules' spans together, label by label.

The encoder reads context; the rules know exact titles, gazetteer names and number patterns.
Each is better at some labels (reports/entities.md), so the tagger keeps a policy per label,
chosen on the development tails of its training data (`choose_policy`):

- ``model``: the encoder's spans of that label only;
- ``rules``: the rules' spans only;
- ``rules+model``: the rules' spans, then the encoder's where they overlap nothing kept;
- ``model+rules``: the encoder's spans, then the rules' where they overlap nothing kept.

Spans never overlap in the result: first-choice spans of every label are placed first
(longer before shorter), then the second-choice ones into the gaps.
"""

from __future__ import annotations

from itertools import product

from fazhi.data import CharSpan
from fazhi.labels import ENTITY_LABELS

POLICIES = ("model", "rules", "rules+model", "model+rules")


def combine(model: list[CharSpan], rules: list[CharSpan], policy: dict[str, str]
            ) -> list[CharSpan]:
    """One list of non-overlapping spans from the two sources under `policy` (label →
    one of POLICIES; a label not named keeps the encoder's spans)."""
    first, second = [], []
    for source, spans in (("model", model), ("rules", rules)):
        for span in spans:
            choice = policy.get(span[2], "model")
            if choice == source or choice == f"{source}+{_other(source)}":
                first.append(span)
            elif choice == f"{_other(source)}+{source}":
                second.append(span)
    taken = [False] * (max((e for _, e, _ in model + rules), default=0) + 1)
    kept = []
    for group in (first, second):
        for s, e, lab in sorted(group, key=lambda sp: (sp[0] - sp[1], sp[0])):
            if not any(taken[s:e]):
                taken[s:e] = [True] * (e - s)
                kept.append((s, e, lab))
    return sorted(kept)


def _other(source: str) -> str:
    return "rules" if source == "model" else "model"


def choose_policy(golds: list[list[CharSpan]], models: list[list[CharSpan]],
                  rules: list[CharSpan], labels=ENTITY_LABELS) -> tuple[dict[str, str], float]:
    """The policy with the best strict micro F1 over development texts (gold, encoder and
    rule spans per text), and that F1. Ties go to the earlier policy in POLICIES order,
    so the encoder alone wins unless the rules add something."""
    best, best_f1 = None, -1.0
    for choice in product(POLICIES, repeat=len(labels)):
        policy = dict(zip(labels, choice))
        f1 = micro_f1(golds, [combine(m, r, policy) for m, r in zip(models, rules)])
        if f1 > best_f1 + 1e-12:
            best, best_f1 = policy, f1
    return best, best_f1


def micro_f1(golds: list[list[CharSpan]], preds: list[list[CharSpan]]) -> float:
    """Strict micro F1 of exact spans over several texts (spans of one text never overlap,
    so this is seqeval's strict IOB2 figure)."""
    tp = sum(len(set(p) & set(g)) for g, p in zip(golds, preds))
    total = sum(len(set(p)) + len(set(g)) for g, p in zip(golds, preds))
    return 2 * tp / total if total else 0.0

"""Token boundaries at given character offsets.

The character segmenter makes every character a token, but pkuseg can put an entity edge
inside a word (`9件` in `319件`). Splitting the word keeps the entity; snapping the span to
whole words would change it.
"""

from __future__ import annotations

import bisect
from itertools import pairwise

from spacy.tokens import Doc


def split_at(doc: Doc, offsets) -> None:
    """Split tokens so that each character offset in `offsets` is a token boundary."""
    starts = [t.idx for t in doc]
    cuts: dict[int, set[int]] = {}
    for off in offsets:
        i = bisect.bisect_right(starts, off) - 1
        if i < 0:
            continue
        t = doc[i]
        if t.idx < off < t.idx + len(t.text):
            cuts.setdefault(i, set()).add(off - t.idx)
    if not cuts:
        return
    with doc.retokenize() as retok:
        for i, rel in cuts.items():
            t = doc[i]
            edges = [0, *sorted(rel), len(t.text)]
            orths = [t.text[a:b] for a, b in pairwise(edges)]
            # Without a parser heads carry no meaning; each piece heads itself.
            retok.split(t, orths, heads=[(t, k) for k in range(len(orths))])


def char_spans(doc: Doc, spans) -> list:
    """spaCy spans for character spans (start, end, label), splitting tokens where needed;
    spans that cover only whitespace are dropped."""
    text = doc.text  # built from the tokens on every access
    spans = [_strip(text, a, b) + (lab,) for a, b, lab in spans]
    spans = [s for s in spans if s[0] < s[1]]
    split_at(doc, [off for a, b, _ in spans for off in (a, b)])
    out = []
    for a, b, lab in spans:
        span = doc.char_span(a, b, label=lab)
        if span is None:  # pragma: no cover - split_at makes every edge a boundary
            raise ValueError(f"span ({a}, {b}) does not align with tokens")
        out.append(span)
    return out


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b

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
    from spacy.attrs import IDX

    starts = doc.to_array(IDX).tolist() if len(doc) else []  # not a Token object per token
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
    # doc.text is built from the tokens on every access; the normaliser keeps it.
    norm = doc._.normalized if Doc.has_extension("normalized") else None
    text = norm.original if norm is not None else doc.text
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


def words_and_spaces(words, text: str) -> tuple[list[str], list[bool]]:
    """spacy.util.get_words_and_spaces, the same result in linear time: spaCy's looks each
    word up in a copy of the rest of the text (`text[pos:].index(word)`), which made
    segmenting a 1M-character report take 36 s (0.6 s for 100k)."""
    from spacy.errors import Errors

    if "".join("".join(words).split()) != "".join(text.split()):
        raise ValueError(Errors.E194.format(text=text, words=words))
    text_words: list[str] = []
    text_spaces: list[bool] = []
    pos = 0
    for word in (w for w in words if not w.isspace()):
        try:
            start = text.index(word, pos)
        except ValueError:
            raise ValueError(Errors.E194.format(text=text, words=words)) from None
        if start > pos:
            text_words.append(text[pos:start])
            text_spaces.append(False)
            pos = start
        text_words.append(word)
        text_spaces.append(False)
        pos += len(word)
        if pos < len(text) and text[pos] == " ":
            text_spaces[-1] = True
            pos += 1
    if pos < len(text):
        text_words.append(text[pos:])
        text_spaces.append(False)
    return text_words, text_spaces


def linear_tokenizer(nlp) -> None:
    """Give the pipeline's Chinese tokenizer the linear word alignment (same tokens)."""
    from spacy.lang.zh import ChineseTokenizer

    if type(nlp.tokenizer) is ChineseTokenizer:
        nlp.tokenizer.__class__ = LinearChineseTokenizer


def _linear_tokenizer_class():
    from spacy.lang.zh import ChineseTokenizer, Segmenter

    class LinearChineseTokenizer(ChineseTokenizer):
        """spaCy's Chinese tokenizer with `words_and_spaces` for the char and pkuseg
        segmenters; it saves and loads as spaCy's own."""

        def __call__(self, text: str) -> Doc:
            if self.segmenter == Segmenter.char:
                words = list(text)
            elif self.segmenter == Segmenter.pkuseg and self.pkuseg_seg is not None:
                words = self.pkuseg_seg.cut(text)
            else:
                return super().__call__(text)
            words, spaces = words_and_spaces(words, text)
            return Doc(self.vocab, words=words, spaces=spaces)

    return LinearChineseTokenizer


LinearChineseTokenizer = _linear_tokenizer_class()

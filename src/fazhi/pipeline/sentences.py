"""Sentence boundaries for reports: after 。！？； and at line breaks.

spaCy's sentencizer only splits after punctuation tokens, but headings and list items in
these reports end at a line break without any; a heading must not open the sentence of the
paragraph below it.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from fazhi.text import SENTENCE_ENDS

ENDS = SENTENCE_ENDS
CLOSERS = frozenset("」』”’)）】")


def _line_break(s: str) -> bool:
    # LF, CRLF and a lone CR (old Mac line ends, which the normaliser reads as LF too).
    return "\n" in s or "\r" in s


@Language.component("fazhi_sentences")
def set_sentences(doc: Doc) -> Doc:
    # Setting token.is_sent_start one token at a time rescans the Doc on every call.
    starts = np.full(len(doc), -1, dtype="int32")
    pending = line_break = True  # the next text token opens a sentence; is it at a new line
    for tok in doc:
        if tok.is_space:
            # Line breaks and blanks stay with the sentence before them.
            if _line_break(tok.text):
                pending = line_break = True
            continue
        if pending and not line_break and tok.text[0] in CLOSERS:
            continue  # a closing quote after the stop ends its sentence
        if pending:
            starts[tok.i] = 1
        line_break = _line_break(tok.whitespace_)
        pending = tok.text[-1] in ENDS or line_break
    if len(doc):
        starts[0] = 1
    doc.from_array([SENT_START], starts.astype("uint64").reshape(-1, 1))
    return doc

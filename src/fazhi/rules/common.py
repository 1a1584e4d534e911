"""What every pattern of the rules tagger shares: quoted names, name characters, function
characters, numbers."""

from __future__ import annotations

import re

from fazhi.text import (
    CJK,
)

# Equal-length conflicts: a title is the most specific reading, a number the least.
LABEL_PRIORITY = ("REGULATION", "MEASURE", "ORG", "INDICATOR")


GAZETTEER, PATTERN = 0, 1  # a surface seen tagged in training beats a generic pattern


MIN_PRECISION = 0.5  # what fit() learns must be right at least this often on the training text


QUOTED = r"「[^「」\n]{1,25}」"


# A name's characters: CJK, ASCII letters and digits (综合窗口2.0改革), and whole quotations.
NAME_TOKEN = rf"(?:{QUOTED}|[{CJK}A-Za-z0-9.+\-])"


FUNCTION_CHARS = set("的和与及或等各对向在为由将了是有把被从到于并且也都就而之其该本此以")


ARABIC = r"\d+(?:\.\s?\d+)?"  # OCR sometimes puts a space after the decimal point: 28. 76亿元


CN_NUM = r"(?:数[十百千万]|[一二三四五六七八九十百千两][一二三四五六七八九十百千万两]*)"


NUMBER = rf"(?:{ARABIC}(?:余|多)?[万亿]?(?:余|多)?|{CN_NUM}(?:余|多)?)"


NUM_CHARS = "0-9.一二三四五六七八九十百千万亿两〇零"


def alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def enclosed_mask(text: str) -> list[bool]:
    """True for characters inside 「」 or 《》: a number or a body there belongs to a name."""
    mask = [False] * len(text)
    for m in re.finditer(r"「[^「」\n]*」|《[^《》\n]*》", text):
        for i in range(m.start() + 1, m.end() - 1):
            mask[i] = True
    return mask

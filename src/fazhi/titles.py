"""Structured values for REGULATION spans: the title, its document kind, and its period or edition.

`parse_title("《法治社会建设实施纲要(2020-2025年)》")` → title 法治社会建设实施纲要(2020-2025年),
kind 纲要, period 2020-2025年. The kind is read from the end of the title, so a title nested
inside another one (…印发〈…实施意见〉的通知) takes the outer document's kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fazhi.normalize import NormalizerConfig, normalize
from fazhi.text import DOCUMENT_KINDS

KINDS = DOCUMENT_KINDS
# Parenthesised editions written after a title: kept with their brackets, as written.
EDITIONS = ("试行", "暂行", "草案", "修订", "修订草案", "征求意见稿", "送审稿")

TARGET_AFTER_YEAR = ("远景", "目标")

_TRAILING_PAREN = re.compile(r"\(([^()]*)\)$")
_YEAR_RANGE = re.compile(r"\d{4}\s*[-—–~至]\s*\d{4}年?")
_YEAR_ONLY = re.compile(r"^\d{4}年?$")
_VERSION = re.compile(r"\d+(?:\.\d+)?版")
_YEAR = re.compile(r"(?<!\d)\d{4}年度?")
_FIVE_YEAR_PLAN = re.compile(r"十[一二三四五六七八九]五")

# Titles are short: the traditional-script detector needs more text, and t2s leaves simplified
# text as it is. The quotation marks stay as written: the value is for readers, not the encoder.
_TITLE_TEXT = NormalizerConfig(to_simplified="always", equivalents={})


@dataclass(frozen=True)
class TitleValue:
    title: str  # simplified, full-width folded, without the outer 《》
    kind: str | None  # the document kind suffix (条例, 实施细则 → 细则), None if there is none
    period: str | None  # 2020-2025年, (试行), 3.0版, 2022年, 十四五; None if absent


def _strip_brackets(title: str) -> str:
    title = title.strip()
    while title.startswith("《") and title.endswith("》"):
        title = title[1:-1].strip()
    return title


def _period(title: str, trailing: str | None) -> str | None:
    # An edition or period in brackets after the title describes this document, so it wins
    # over a year inside the name (…三年行动计划(2020-2022年)).
    if trailing is not None:
        if trailing in EDITIONS:
            return f"({trailing})"
        if _YEAR_RANGE.fullmatch(trailing) or _YEAR_ONLY.match(trailing):
            return trailing
    for pattern in (_VERSION, _YEAR_RANGE, _YEAR, _FIVE_YEAR_PLAN):
        for m in pattern.finditer(title):
            # a target year (…和2035年远景目标) is what the document aims at, not its period
            if not title.startswith(TARGET_AFTER_YEAR, m.end()):
                return m.group()
    return None


def _kind(title: str) -> str | None:
    # 行动计划 → 计划; a kind inside the name (工作规范 within a longer name) does not count
    return next((k for k in KINDS if title.endswith(k)), None)


def parse_title(text: str) -> TitleValue:
    """Title, kind and period of a REGULATION surface, with or without 《》."""
    title = _strip_brackets(normalize(text, _TITLE_TEXT).text)
    if not title:
        raise ValueError(f"empty title: {text!r}")
    body, trailing = title, None
    m = _TRAILING_PAREN.search(title)
    if m and m.start() > 0:
        body, trailing = title[:m.start()].rstrip(), m.group(1).strip()
    return TitleValue(title=title, kind=_kind(body), period=_period(title, trailing))

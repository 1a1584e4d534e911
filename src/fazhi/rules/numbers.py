"""INDICATOR patterns: a number with a unit or measure word and its bound words."""

from __future__ import annotations

import re

from fazhi.data import CharSpan
from fazhi.rules.common import CN_NUM, NUM_CHARS, NUMBER, alternation, enclosed_mask
from fazhi.rules.measures import BASE_HEADS
from fazhi.text import (
    PREFIX_BOUNDS,
    SUFFIX_BOUNDS,
    WITHIN,
)

BASE_UNITS = (
    "项", "件", "个", "名", "位", "次", "家", "户", "人", "人次", "件次", "家次", "场", "场次",
    "轮", "轮次", "条", "起", "篇", "份", "本", "册", "卷", "张", "套", "枚", "元", "万元", "亿元",
    "美元", "%", "个百分点", "天", "小时", "分钟", "个工作日", "公里", "平方公里", "公顷", "吨",
)


TIME_UNITS = ("天", "小时", "分钟", "个工作日", "工作日", "个月", "年")  # these take 内: 15个工作日内


DATE_UNITS = ("月", "日", "号")  # a number before these is a date, never a count


# A count followed by these is a time frame or the report's own structure: 三个月以来, 两部分.
NOT_AFTER_COUNT = re.compile(r"月|部分|分内容")


FRACTION = re.compile(r"[一二三四五六七八九十百]+分之[一二三四五六七八九十]+")


TIMES = re.compile(r"\d+[*×]\d+小时")


def indicators(text: str, units, extras: bool = True) -> list[CharSpan]:
    """Numbers with a unit and the bound words touching them; dates, ordinals, numbers in
    names (12345热线, 「6+4」, 5.0版) and counts that are part of a name (三项制度) are not.
    `extras` adds fractions (近三分之一) and 7*24小时, which need no unit list."""
    rx = re.compile(rf"(?<![{NUM_CHARS}第])({NUMBER})({alternation(units)})")
    enclosed = enclosed_mask(text)
    heads = re.compile(rf"(?:{alternation(BASE_HEADS)})")
    spans = []
    for m in rx.finditer(text):
        number, unit = m.group(1), m.group(2)
        start, end = m.start(), m.end()
        if enclosed[start] or number == "一":  # 一 alone is the article: 一项, 一批, 一次性
            continue
        if unit in DATE_UNITS or (unit == "年" and not re.fullmatch(CN_NUM, number)):
            continue
        if heads.match(text, end) or NOT_AFTER_COUNT.match(text, end):
            continue
        for bound in SUFFIX_BOUNDS:
            if text.startswith(bound, end):
                end += len(bound)
                break
        else:
            if unit in TIME_UNITS and text.startswith(WITHIN, end):
                end += 1
        spans.append((_with_prefix(text, start), end, "INDICATOR"))
    if extras:
        for rx2 in (FRACTION, TIMES):
            spans.extend((_with_prefix(text, m.start()), m.end(), "INDICATOR")
                         for m in rx2.finditer(text) if not enclosed[m.start()])
    return spans


def _with_prefix(text: str, start: int) -> int:
    for bound in PREFIX_BOUNDS:
        if text.startswith(bound, start - len(bound)):
            return start - len(bound)
    return start


def learn_unit(surface: str) -> str | None:
    """The unit of a gold INDICATOR surface: what is left after bound words and the number."""
    s = surface
    for bound in PREFIX_BOUNDS:
        s = s.removeprefix(bound)
    for bound in (*SUFFIX_BOUNDS, "内"):
        s = s.removesuffix(bound)
    m = re.match(NUMBER, s)
    unit = s[m.end():] if m else ""
    if not unit or len(unit) > 6 or re.search(r"[\d一二三四五六七八九十]", unit):
        return None
    return unit

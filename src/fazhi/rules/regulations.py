"""REGULATION patterns: titles in 《》 and titles after a governing verb."""

from __future__ import annotations

import re

from fazhi.data import CharSpan
from fazhi.rules.common import FUNCTION_CHARS, NAME_TOKEN, NUMBER, alternation
from fazhi.text import (
    CJK,
    UNBRACKETED_TITLE_KINDS,
    is_cjk,
)

REGULATION_VERBS = ("落实", "贯彻", "实施", "修订", "新修订", "出台", "印发", "制发", "制定",
                    "起草", "编写", "编制", "公开", "按照", "依据", "根据", "围绕", "推进")


MAKING_VERBS = ("起草", "出台", "印发", "制发", "制定", "编写", "编制", "修订")


LAW_SUFFIXES = UNBRACKETED_TITLE_KINDS


# 执法, 立法, 普法 …: words ending in 法 that are not the title of a law,
NOT_LAW_BEFORE_FA = set("执立普依司守学用方做说作违合宪办")


# and 法 opening a word: 法治, 法规, 宪法日.
NOT_LAW_AFTER_FA = set("治规律典制院官学日")


# An unbracketed title ends before punctuation or one of these: 数字经济促进条例等重要立法.
TITLE_FOLLOWERS = ("等", "的", "和", "及", "与", "要求", "精神", "后", "中", "专题")


EDITION = re.compile(r"\((?:试行|草案|修订|征求意见稿|\d{4}(?:-\d{4})?年?版?)\)")


SCOPE = re.compile(r"^(?:各|市区两级|市级|区级|年度|\d{4}年版)")


# A count in front of a name is not part of it: 印发900余册优化营商环境3.0版汇编.
LEADING_COUNT = re.compile(rf"^{NUMBER}[{CJK}](?<![年月日号])")


MAX_TITLE = 100


def bracketed_titles(text: str) -> list[CharSpan]:
    """Titles inside 《》, brackets left out; a title nested with 《》 stays in the outer one."""
    spans, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c == "《":
            if depth == 0:
                start = i + 1
            depth += 1
        elif c == "》" and depth:
            depth -= 1
            if depth == 0 and 0 < i - start <= MAX_TITLE and "\n" not in text[start:i]:
                spans.append((start, i, "REGULATION"))
        elif c == "\n":
            depth = 0  # an unclosed 《 must not swallow the next paragraph
    return spans


def law_word_ok(text: str, end: int) -> bool:
    """False for a span ending in 法 that is not a law's name (执法, 习近平法|治思想)."""
    if text[end - 1] != "法":
        return True
    return text[end - 2] not in NOT_LAW_BEFORE_FA and (
        end == len(text) or text[end] not in NOT_LAW_AFTER_FA)


def _title_ends(text: str, end: int) -> bool:
    return (end == len(text) or not (is_cjk(text[end]) or text[end].isalnum())
            or text.startswith(TITLE_FOLLOWERS, end))


def verb_runs(text: str, verbs, max_len: int, nearest: bool):
    """(start, run) for every name-like run after a governing verb.

    With `nearest`, the verb nearest the name governs it (推进…决策一是落实重大行政决策制度);
    titles keep their verbs (加强…建设的实施意见). 等 ends the name, and scope words in
    front of it are not part of it (市级证明事项告知承诺制).
    """
    verb_rx = alternation(verbs)
    rx = re.compile(rf"((?:{verb_rx})+)了?((?:{NAME_TOKEN}){{1,{max_len}}})")
    for m in rx.finditer(text):
        run, start = m.group(2), m.start(2)
        inner = list(re.finditer(rf"(?:{verb_rx})+了?", run)) if nearest else []
        if inner:
            run, start = run[inner[-1].end():], start + inner[-1].end()
        elif not nearest and (making := re.match(rf"(?:{alternation(MAKING_VERBS)})",
                                                  m.group(1))) and making.end() < len(m.group(1)):
            # 起草推进…指导意见: after a verb that makes a document, the next verb is its title's
            start = m.start(1) + making.end()
            run = text[start:m.end(2)]
        yield from _name_run(run, start)


def _name_run(run: str, start: int):
    run = run.split("等")[0]
    for rx in (LEADING_COUNT, SCOPE):
        if (m := rx.match(run)) and m.end() < len(run):
            run, start = run[m.end():], start + m.end()
    if run and run[0] not in FUNCTION_CHARS and run[0] != "出":
        yield start, run


def verb_led_titles(text: str, min_len: int = 5) -> list[CharSpan]:
    """Unbracketed titles after a verb: 落实新修订行政处罚法, 出台…实施意见(试行).

    A title ends where the clause or the noun phrase does, so 市场准入负面清单和新增产业禁限
    目录制度 is no 目录; a following edition note in brackets belongs to it, and further
    titles listed after it with 、 are titles too.
    """
    ends = re.compile(rf"(?:{alternation(LAW_SUFFIXES)})")
    spans = []
    for start, run in verb_runs(text, REGULATION_VERBS, 60, nearest=False):
        while True:
            cut = [start + m.end() for m in ends.finditer(run)]
            end = next((e for e in reversed(cut) if e - start >= min_len
                        and _title_ends(text, e) and law_word_ok(text, e)), None)
            if end is None:
                break
            if m := EDITION.match(text, end):
                end = m.end()
            spans.append((start, end, "REGULATION"))
            if not text.startswith("、", end):
                break
            nxt = re.match(rf"(?:{NAME_TOKEN})+", text[end + 1:end + 61])
            listed = list(_name_run(nxt.group(), end + 1)) if nxt else []
            if not listed:
                break
            start, run = listed[0]
    return spans

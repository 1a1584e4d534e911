"""MEASURE patterns: a governing verb, a name and its head noun; quoted names."""

from __future__ import annotations

import re

from fazhi.data import CharSpan
from fazhi.rules.common import QUOTED, alternation
from fazhi.rules.orgs import LEVELS, ORG_SUFFIXES
from fazhi.rules.regulations import verb_runs
from fazhi.text import (
    CJK,
)

BASE_HEADS = ("改革", "制度", "机制", "体系", "模式", "平台", "清单", "工程", "行动", "活动", "系统",
              "制", "应用", "品牌", "热线", "专窗", "网络")


MEASURE_VERBS = ("深化", "推进", "落实", "建立", "健全", "完善", "推行", "构建", "实施", "开展", "推广",
                 "实行", "打造", "迭代", "上线", "建成", "依托", "创建", "试行", "探索", "运用")


# Governed nouns that are not a name: 健全工作机制, 完善规章制度.
GENERIC_BEFORE_HEAD = ("", "工作", "规章", "完善", "管理", "相关", "各项", "长效", "内部")


MAX_NAME = 24


MIN_LEARNED_HEAD = 3  # a head noun learned from training must end this many measures


PARTY = rf"[{LEVELS}][{CJK}]{{0,8}}?(?:{alternation(ORG_SUFFIXES)})"


PARTIES = re.compile(rf"(?:{PARTY}[与和及、])+{PARTY}")


def verb_led_measures(text: str, heads, min_len: int = 4) -> list[CharSpan]:
    """A name after a governing verb, up to the last head noun: 深化行政审批制度改革.

    `A和B` gives two spans when A has a head of its own (市场准入负面清单和新增产业禁限
    目录制度), one when they share it (轻微违法免罚和初次违法慎罚制度). Bodies that are
    only the parties of a mechanism stay outside it: 区水务局与区城管执法局|协同执法机制.
    """
    head_rx = alternation(heads)
    ends = re.compile(rf"(?:{head_rx})$")
    generic = re.compile(rf"(?:{alternation(GENERIC_BEFORE_HEAD[1:])})?(?:{head_rx})")
    spans = []
    for start, run in verb_runs(text, MEASURE_VERBS, MAX_NAME, nearest=True):
        if parties := PARTIES.match(run):
            run, start = run[parties.end():], start + parties.end()
        while run and not ends.search(run):
            run = run[:-1]
        if len(run) < min_len or generic.fullmatch(run) or "关于" in run:
            continue
        if run.count("「") != run.count("」"):  # a name does not end inside a quotation
            continue
        pieces, offset = [], 0
        for m in re.finditer("[和与及]", run):
            left = run[offset:m.start()]
            if len(left) >= min_len and ends.search(left):
                pieces.append((offset, m.start()))
                offset = m.end()
        pieces.append((offset, len(run)))
        spans.extend((start + a, start + b, "MEASURE") for a, b in pieces if b - a >= min_len)
    return spans


def quoted_measures(text: str, heads) -> list[CharSpan]:
    """Quoted names with their own head noun: 「证照分离」改革, 「法治物业」的朝阳模式.

    A name followed by a bare 的模式 is only the quotation (采取「一街乡一对策」的模式).
    """
    rx = re.compile(rf"((?:{QUOTED})+)(的?[{CJK}]{{0,8}}?)(?:{alternation(heads)})")
    spans = []
    for m in rx.finditer(text):
        if m.group(2) == "的":
            spans.append((m.start(1), m.end(1), "MEASURE"))
        elif "等" not in m.group(2):  # 「云推送」等服务平台: a list, not a name
            spans.append((m.start(), m.end(), "MEASURE"))
    return spans


# Verbs that put a quoted working method or pledge into practice: 推行「扫码入企」, 实行「接诉即办、
# 限时反馈」, 运用「寨老调解」 (GUIDELINES.md: a quoted name of a service pledge or working
# method is a measure whatever the verb; quoted principles and problems are not, and follow
# other verbs: 坚持, 防止).
PRACTICE_VERBS = ("推行", "实行", "推广", "开展", "深化", "巩固", "打造", "运用", "推出", "上线",
                  "开通", "迭代", "探索", "试点", "实施", "落实", "建立", "构建", "做到", "实现",
                  "创新", "升级", "擦亮", "叫响")


def practised_quotes(text: str) -> list[CharSpan]:
    """A quotation straight after a verb of practice: 全面推行「扫码入企」."""
    rx = re.compile(rf"(?:{alternation(PRACTICE_VERBS)})了?((?:{QUOTED})+)")
    return [(m.start(1), m.end(1), "MEASURE") for m in rx.finditer(text)]


def bare_quotes(text: str, endings) -> list[CharSpan]:
    """Quoted names without a head noun whose last character marks a service pledge or a
    campaign in these reports (「一次办」, 「最多跑一次」); fit() learns which characters."""
    return [(m.start(), m.end(), "MEASURE") for m in re.finditer(QUOTED, text)
            if m.group()[-2] in endings]

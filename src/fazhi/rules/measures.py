"""MEASURE patterns: a governing verb, a name and its head noun; quoted names."""

from __future__ import annotations

import re

from fazhi.data import CharSpan
from fazhi.rules.common import FUNCTION_CHARS, QUOTED, alternation, enclosed_mask
from fazhi.rules.orgs import LEVELS, ORG_SUFFIXES, PlaceIndex
from fazhi.rules.regulations import verb_runs
from fazhi.text import (
    CJK,
)

BASE_HEADS = ("改革", "制度", "机制", "体系", "模式", "平台", "清单", "工程", "行动", "活动", "系统",
              "制", "应用", "品牌", "热线", "专窗", "网络")


MEASURE_VERBS = ("深化", "推进", "落实", "建立", "健全", "完善", "推行", "构建", "实施", "开展", "推广",
                 "实行", "打造", "迭代", "上线", "建成", "依托", "创建", "试行", "探索", "运用",
                 # verbs that issue, publish or use a list, platform or system
                 "出台", "公布", "编制", "制定", "修订", "发布", "纳入", "通过", "结合", "按照",
                 "根据", "升级", "设立", "开通", "用好", "推出")


# Governed nouns that are not a name: 健全工作机制, 完善规章制度.
GENERIC_BEFORE_HEAD = ("", "工作", "规章", "完善", "管理", "相关", "各项", "长效", "内部")


MAX_NAME = 24


BODY_ENDS = tuple("所局站厅院队")


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
        # a head inside a body's name is none: 推进市场监管|所标准化建设
        if text[start + len(run):start + len(run) + 1] in BODY_ENDS:
            continue
        # 建立齐抓共管的工作机制: a generic head after 的 is described, not named
        if len(run) < min_len or generic.fullmatch(run.split("的")[-1]) or "关于" in run:
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
    head_rx = alternation(heads)
    rx = re.compile(rf"((?:{QUOTED})+)(的?[{CJK}]{{0,8}}?)(?:{head_rx})")
    head = re.compile(head_rx)
    spans = []
    for m in rx.finditer(text):
        if m.group(2) == "的":
            spans.append((m.start(1), m.end(1), "MEASURE"))
        elif "等" not in m.group(2):  # 「云推送」等服务平台: a list, not a name
            end = m.end()
            while h := head.match(text, end):  # heads written together: 「儒风法韵」普法品牌
                end = h.end()
            spans.append((m.start(), end, "MEASURE"))
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


# The field a practised quotation works in, written before it, belongs to its name: 推行企业开办
# 「一窗通」, 开展政务服务「好差评」 (GUIDELINES.md: a measure's name keeps its domain words).
FIELD = re.compile(rf"([{CJK}]{{2,8}}?)((?:{QUOTED})+)")
NOT_A_FIELD = FUNCTION_CHARS | set("第年")


def fielded_quotes(text: str, heads) -> list[CharSpan]:
    """A quotation after a verb of practice and the words naming its field: 全面推行涉企行政检查
    「扫码入企」; a head noun right after it is taken in (推行项目审批「帮代办」服务)."""
    head = re.compile(rf"(?:{alternation(heads)})")
    spans = []
    for start, run in verb_runs(text, PRACTICE_VERBS, MAX_NAME, nearest=True):
        m = FIELD.match(run)
        # the items a pledge covers (政务服务事项「跨省通办」) and a count of years are no field
        if not m or set(m.group(1)) & NOT_A_FIELD or m.group(1).endswith("事项"):
            continue
        end = start + m.end()
        if h := head.match(text, end):
            end = h.end()
        spans.append((start, end, "MEASURE"))
    return spans


def bare_quotes(text: str, endings) -> list[CharSpan]:
    """Quoted names without a head noun whose last character marks a service pledge or a
    campaign in these reports (「一次办」, 「最多跑一次」); fit() learns which characters."""
    return [(m.start(), m.end(), "MEASURE") for m in re.finditer(QUOTED, text)
            if m.group()[-2] in endings]


def known_measures(text: str, heads, index: PlaceIndex) -> list[tuple[int, int, str, str]]:
    """The nationwide measures of `fazhi.measures` (`index`, a `PlaceIndex` of the names) wherever
    they stand, bare or as a whole quotation, with a head noun written right after them: 推行
    容缺受理, 深化「证照分离」改革. Not inside a longer quotation. (start, end, label, name): the
    rules tagger checks each name against its training text."""
    head = re.compile(rf"(?:{alternation(heads)})")
    quoted = enclosed_mask(text)
    spans, i = [], 0
    while i < len(text) - 1:
        start = i
        if text[i] == "「" and (end := index.match(text, i + 1)) > i + 1 \
                and text.startswith("」", end):
            name, end = text[i + 1:end], end + 1
        elif quoted[i] or (end := index.match(text, i)) == i:
            i += 1
            continue
        else:
            name = text[i:end]
        if h := head.match(text, end):
            end = h.end()
        spans.append((start, end, "MEASURE", name))
        i = end
    return spans


# China's public service hotlines all have five-digit 12xxx numbers (12345 government services,
# 12315 consumers, 12366 tax, 12328 transport, 12348 legal aid); the line and its platform are
# measures (GUIDELINES.md: hotlines are measures at every mention).
HOTLINE = re.compile(rf"(?:全国)?(?<![0-9])12\d{{3}}(?![0-9])[{CJK}]{{0,12}}?(?:热线|平台|电话|专线|渠道)")


def hotlines(text: str) -> list[CharSpan]:
    """A 12xxx service hotline with its name: 12345政务服务便民热线, 全国12315平台."""
    return [(m.start(), m.end(), "MEASURE") for m in HOTLINE.finditer(text)]


# A quoted name is often followed by the short noun phrase it names, up to the clause's end:
# 「一窗」分类综合受理, 「不见面」服务, 「政策云推送」小程序 (the guide: the name and its head noun).
TAIL = re.compile(rf"[{CJK}A-Za-z]{{1,8}}?(?=[,;。、:\n和及与等]|$)")
TAIL_GENERIC = ("工作",)


def quote_tails(text: str, spans: list[CharSpan], heads) -> list[CharSpan]:
    """Each MEASURE span ending in a quotation, extended over the noun phrase after it when
    that phrase runs to the end of its clause: 推行「一窗」分类综合受理, → 「一窗」分类综合受理."""
    out = []
    headed = {s for s, e, label in spans if label == "MEASURE" and text[e - 1] != "」"}
    for s, e, label in spans:
        if label != "MEASURE" or text[e - 1] != "」" or s in headed:
            continue
        m = TAIL.match(text, e)
        if not m or set(m.group()) & FUNCTION_CHARS:
            continue
        end = m.end()
        for g in TAIL_GENERIC:
            if text.endswith(g, e, end):
                end -= len(g)
        if end > e and text.endswith(tuple(heads), e, end):
            out.append((s, end, "MEASURE"))
    return out

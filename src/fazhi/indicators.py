"""Structured values for INDICATOR spans: the number, its unit, its bound word, and what it counts.

`parse_indicator("1.9萬餘件")` → value 19000, unit 件, bound 余. The surfaces are the ones the
gold annotates (annotations/GUIDELINES.md, INDICATOR): a number with its unit or measure
word and any bound or approximation word touching it.

`indicator_subject(text, start, end)` finds the counted noun phrase, which the guidelines
keep outside the span (精简行政许可事项`140项` → 行政许可事项). It is a heuristic over
characters, not a parser; its limits are listed on the function.

annotations/indicator_subjects.jsonl holds subjects decided by reading, for measuring it.
Conventions there: the subject is the noun phrase the number counts or measures in its own
clause (up to the nearest comma), without scope words (全市, 全区, 共) and without 的-clauses
(实施过检查的违法行为 → 违法行为); a coordination counted as one (区委常委会会议、区政府常务会议
9次) is taken whole, 等 left out; an event counted by 次 is the subject (学法8次, 出庭应诉132次);
a rate or amount is measured by its name (合法性审核率达100%, 实际利用外资46.2亿美元). The
subject is null when the clause names no counted noun: an elided one (审结7195件), a share or
change (同比增长87.5%), people counted behind an activity (报名参加执法资格考试共453人次).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fazhi.normalize import NormalizerConfig, normalize
from fazhi.text import (
    APPROX_BOUNDS,
    CJK,
    CN_DIGIT_VALUE,
    CN_NUMERAL,
    CN_SMALL_UNIT,
    PREFIX_BOUNDS,
    SUFFIX_BOUNDS,
    WITHIN,
    chinese_number,
)

# A parsed span may end in 内 (15个工作日内) as well as the other suffix bounds.
SUFFIX_BOUNDS = (*SUFFIX_BOUNDS, WITHIN)

# 千 before 克/米/瓦 is the metric prefix of the unit (5千克), not a multiplier.
_ARABIC = r"(?P<arabic>\d+(?:\.\d+)?)(?P<mid>余|多)?(?P<mult>[万亿]|千(?![克米瓦]))?"
_PATTERN = re.compile(
    rf"^(?P<pre>{'|'.join(PREFIX_BOUNDS)})?"
    r"(?:(?P<times>\d+[*×xX]\d+)"
    rf"|(?P<fraction>[{CN_NUMERAL}\d]+)分之(?P<numerator>[{CN_NUMERAL}\d]+)"
    rf"|{_ARABIC}"
    r"|(?P<several>数[十百千万])"
    rf"|(?P<chinese>[{CN_NUMERAL}]+))"
    r"(?P<after>余|多)?(?P<mult2>[万亿])?"
    rf"(?P<unit>.*?)(?P<post>{'|'.join(SUFFIX_BOUNDS)})?$"
)
# A span that crosses a page break keeps the converter's page number (`43⏎4、名`, see the
# guidelines); the number it glues in is not part of the value.
_PAGE_MARKER = re.compile(r"\n\d{1,3}、")

# Spans are too short for the normaliser's traditional-script detector to be reliable, and
# t2s leaves simplified text alone, so short surfaces are always converted.
_SHORT_TEXT = NormalizerConfig(to_simplified="always")


@dataclass(frozen=True)
class IndicatorValue:
    value: float | None  # None for vague quantities (数十个)
    unit: str  # "" for a bare number or a fraction; a measure word 个 is dropped before a noun
    bound: str | None  # the bound or approximation word as written (余, 以上, 最快, …)
    approx: bool  # the figure is rounded or estimated (余 多 近 约 左右 数十)
    fraction: bool  # value is a share (三分之一 → 0.333…), not a count


def _number(s: str) -> float:
    return float(s) if s[0].isdigit() else float(chinese_number(s))


def parse_indicator(span_text: str) -> IndicatorValue:
    """Value, unit and bound of an INDICATOR surface (traditional or full-width input is fine).

    Raises ValueError when the surface does not start with a number after any bound word.
    """
    text = normalize(_PAGE_MARKER.sub("", span_text), _SHORT_TEXT).text
    text = re.sub(r"\s+", "", text)  # OCR puts spaces inside numbers: 28. 76亿元
    m = _PATTERN.match(text)
    if not m:
        raise ValueError(f"not an indicator surface: {span_text!r}")
    g = m.groupdict()
    bound_words = [w for w in (g["pre"], g["mid"], g["after"], g["post"]) if w]
    fraction = False
    if g["times"]:
        # 7*24小时 reads as "around the clock"; the product keeps the value comparable
        a, b = re.split(r"[*×xX]", g["times"])
        value: float | None = float(a) * float(b)
    elif g["fraction"]:
        value, fraction = _number(g["numerator"]) / _number(g["fraction"]), True
    elif g["arabic"]:
        value = float(g["arabic"])
    elif g["several"]:
        value = None  # 数十 says "some tens", no figure
    else:
        value = float(chinese_number(g["chinese"]))
    for mult in (g.get("mult"), g["mult2"]):
        if mult and value is not None:
            value *= {"万": 10_000, "亿": 100_000_000, "千": 1000}[mult]
    unit = g["unit"]
    if unit.startswith("个") and len(unit) > 1:
        unit = unit[1:]  # 40个工作日, 19.72个百分点: the unit is the noun after the measure word
    return IndicatorValue(
        value=value,
        unit=unit,
        bound=bound_words[0] if bound_words else None,
        approx=bool(g["several"]) or any(w in APPROX_BOUNDS for w in bound_words),
        fraction=fraction,
    )


# --- the counted noun -----------------------------------------------------------------------

# Words that link a counted noun to its number without being part of either:
# 合法性审核率[达]100%, 违法行为[共]4788项, 办理时限[压缩至]19%, 议题、文件[等]362件.
LINKS = ("压缩至", "提高至", "下降至", "增至", "降至", "达到", "共计", "累计", "均为", "分别为",
         "达", "为", "至", "共", "约", "等")
# Verbs that govern counts in these reports, and adverbs that come before them. A noun phrase
# never reaches across one, on either side. The list holds what these reports use, not a
# general verb lexicon, so nouns that contain verbs (行政许可事项, 合法性审核率) stay whole.
VERBS = (
    "办理", "受理", "审结", "办结", "审理", "审查", "审议", "提请", "精简", "开展", "召开", "举办",
    "抽查", "完成", "制定", "推出", "接受", "接收", "联合", "提出", "聘请", "出具", "印刷",
    "移送", "包括", "实现", "征集", "发布", "组织", "纳入", "涉及", "新收", "制作", "印发", "核拨",
    "实施", "新建", "建成", "参加", "保留", "废止", "增长", "下降", "上升", "提高", "减少", "增加",
    "进行", "推广", "对接", "排名", "占",  # not 编制: it is as often the noun (行政编制43名)
)
ADVERBS = ("积极", "集中", "全面", "统一", "依法", "已经", "正在", "同比", "累计", "共计")
# Function words and scope words that end a phrase on its left (全区[43个]…, 对[8件]…).
# Single characters that also end nouns (为 in 行为, 可 in 许可) are left out here.
LEFT_STOPS = VERBS + ADVERBS + (
    "的", "和", "与", "及", "对", "向", "在", "了", "从", "其中", "全市", "全区", "各级", "各类",
    "全年",
)
# A noun phrase after the number ends before these (3个区[和]4个项目, 2733户市场主体[纳入]).
RIGHT_STOPS = VERBS + ADVERBS + LINKS + (
    "的", "和", "与", "及", "在", "被", "是", "已", "可", "将", "均", "以上", "以下", "左右",
)
MAX_SUBJECT = 20
_NOUN_CHAR = re.compile(rf"[{CJK}A-Za-z0-9.「」『』《》〈〉]")


def _starts_with_any(text: str, i: int, words) -> bool:
    return any(text.startswith(w, i) for w in words)


def _ends_with_any(text: str, i: int, words) -> bool:
    return any(text.endswith(w, 0, i) for w in words)


def _right_subject(text: str, end: int) -> tuple[int, int] | None:
    if text[end:end + 1] in CN_DIGIT_VALUE or text[end:end + 1] in CN_SMALL_UNIT:
        return None  # an enumerator or another number (100%二是…), not a noun
    j = end
    while (j < len(text) and j - end < MAX_SUBJECT and _NOUN_CHAR.match(text[j])
           and not text[j].isdigit() and not _starts_with_any(text, j, RIGHT_STOPS)):
        j += 1
    return (end, j) if j > end else None


def _left_subject(text: str, start: int) -> tuple[int, int] | None:
    # one link at most: 违法行为共 loses 共, and 为 then belongs to the noun
    i = start - next((len(w) for w in LINKS if text.endswith(w, 0, start)), 0)
    j = i
    while (j > 0 and i - j < MAX_SUBJECT and _NOUN_CHAR.match(text[j - 1])
           and not _ends_with_any(text, j, LEFT_STOPS)):
        if text[j - 1] == "年" and text[j - 5:j - 1].isdigit():
            break  # a year before the phrase dates it (2020年复议纠错率)
        if text[j - 1].isdigit():
            # digits belong to a name only after Latin letters (PM2.5); otherwise they are
            # a neighbouring count
            k = j - 1
            while k > 0 and (text[k - 1].isdigit() or text[k - 1] == "."):
                k -= 1
            if not (k > 0 and text[k - 1].isascii() and text[k - 1].isalpha()):
                break
            j = k
            continue
        j -= 1
    if j == i or text[j - 1:j].isdigit():
        return None  # nothing, or the unit of a neighbouring count (原法43条增至102条)
    return j, i


def indicator_subject(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Span of the noun phrase the indicator text[start:end] counts or measures, or None.

    The number counts what follows it when a noun follows (`[90%以上]事项实现…`,
    `[8项]法规草案`); otherwise what precedes it, across a linking verb such as 达/为/共
    (`办理行政复议案件[319件]` → 行政复议案件, `合法性审核率达[100%]` → 合法性审核率). The
    phrase stops at punctuation, digits, and the verbs and function words in LEFT_STOPS /
    RIGHT_STOPS.

    Works on normalised text (GoldReport.text); offsets are into `text`.

    Limits: the stop lists are short and specific to these reports, so a verb they miss is
    swallowed into the phrase (街乡票据交割 after `43个`), and a listed verb inside a noun
    cuts it (完成率 → 率, 党政联合文件 → 党政); coordinated subjects
    (A、B 9次) lose all but the last conjunct; an elided noun (审结7195件) gives None, as it
    should, but so does a noun beyond a comma; a noun after the number that is really the
    start of a new clause is taken as the subject.
    """
    right = _right_subject(text, end)
    if right:
        return right
    return _left_subject(text, start)

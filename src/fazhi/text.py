"""Knowledge of written Chinese that several stages share, defined once: the CJK range,
numerals, the bound words of a quantity, document kinds and sentence ends."""

from __future__ import annotations

# --- characters -----------------------------------------------------------------------------

CJK = "\u4e00-\u9fff"  # the unified ideographs, for regular-expression classes


def is_cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


# Where a sentence ends; a clause also ends at a colon (a heading run into its list).
SENTENCE_ENDS = frozenset("。！？；!?;")
CLAUSE_ENDS = SENTENCE_ENDS | frozenset("：:")
# What a counted noun never reaches across to its number (fazhi.subjects).
CLAUSE_BREAKS = CLAUSE_ENDS | frozenset("，,\n\r\t")

# --- numerals -------------------------------------------------------------------------------

CN_DIGITS = "零一二三四五六七八九十"  # the numerals of enumerators: 一、 (十二) 三是
CN_DIGIT_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                  "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNIT = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL = "零〇一二两三四五六七八九十百千万亿"


def chinese_number(s: str) -> int:
    """Value of a Chinese numeral: 十六 → 16, 一百二十 → 120, 两万 → 20000, 二〇二二 → 2022."""
    if not s or any(c not in CN_NUMERAL for c in s):
        raise ValueError(f"not a Chinese numeral: {s!r}")
    if not any(c in CN_SMALL_UNIT or c in CN_BIG_UNIT for c in s):
        # digit by digit, as years and codes are written
        return int("".join(str(CN_DIGIT_VALUE[c]) for c in s))
    total, section, digit = 0, 0, None
    for c in s:
        if c in CN_DIGIT_VALUE:
            digit = CN_DIGIT_VALUE[c]
        elif c in CN_SMALL_UNIT:
            # a bare 十 at the start means one ten (十六); elsewhere a missing digit is one too
            section += (1 if digit is None else digit) * CN_SMALL_UNIT[c]
            digit = None
        else:  # 万 or 亿 closes a section
            section += digit or 0
            total = (total + section) * CN_BIG_UNIT[c] if c == "亿" else \
                total + section * CN_BIG_UNIT[c]
            section, digit = 0, None
    return total + section + (digit or 0)


def enumerator_number(s: str) -> int | None:
    """Value of an enumerator's numeral (一 … 九十九: 三 → 3, 十二 → 12), or None for anything
    else (a run of digits such as 二三 is no enumerator)."""
    if not s or any(c not in CN_DIGITS for c in s) or (len(s) > 1 and "十" not in s):
        return None
    return chinese_number(s)


# --- quantities -----------------------------------------------------------------------------

# Bound words the guidelines keep inside an INDICATOR span. The approximating ones make the
# value a round figure; the others (以上, 以下, 内, 最快) make it a limit, still exact.
PREFIX_BOUNDS = ("最快", "近", "约")
SUFFIX_BOUNDS = ("以上", "以下", "左右")
WITHIN = "内"  # after a span of time only: 15个工作日内
APPROX_BOUNDS = frozenset({"余", "多", "近", "约", "左右"})

# --- documents ------------------------------------------------------------------------------

# Document kinds, matched at the end of a title, longest first so that 办法 is not read as 法
# and 实施细则 not as 则. 法 alone is a law only when nothing longer matches.
DOCUMENT_KINDS = tuple(sorted((
    "法", "法典", "条例", "规定", "办法", "意见", "方案", "纲要", "计划", "要点", "规划", "通知",
    "决定", "细则", "清单", "目录", "指南", "手册", "标准", "报告", "预案", "规范", "规则", "准则",
    "指引", "措施", "举措", "读本", "汇编", "选编", "问答", "简报", "白皮书", "流程图", "提示函",
    "考核指标", "建议", "答复",
), key=len, reverse=True))
# The kinds specific enough to end a title written without 《》 (落实新修订行政处罚法): 通知,
# 报告, 措施 … end ordinary phrases too often.
UNBRACKETED_TITLE_KINDS = ("条例", "规定", "办法", "细则", "意见", "方案", "规划", "计划", "纲要",
                           "目录", "预案", "汇编", "手册", "指引", "读本", "法")
assert set(UNBRACKETED_TITLE_KINDS) <= set(DOCUMENT_KINDS)

"""REGULATION patterns: titles in 《》, titles after a governing verb, the national laws and
central documents every report may cite (`fazhi.laws`), and bare back-references (对照纲要)."""

from __future__ import annotations

import re
from functools import lru_cache

from fazhi.data import CharSpan
from fazhi.laws import known_titles
from fazhi.rules.common import FUNCTION_CHARS, NAME_TOKEN, NUMBER, alternation
from fazhi.rules.orgs import PlaceIndex
from fazhi.text import (
    CJK,
    UNBRACKETED_TITLE_KINDS,
    is_cjk,
)

REGULATION_VERBS = ("落实", "贯彻", "实施", "修订", "新修订", "出台", "印发", "制发", "制定",
                    "起草", "编写", "编制", "公开", "发布", "公布", "按照", "依据", "根据", "围绕",
                    "推进", "推动", "执行", "完善", "对照", "结合", "紧扣", "宣讲", "学习", "宣传")


MAKING_VERBS = ("起草", "出台", "印发", "制发", "制定", "编写", "编制", "修订")


LAW_SUFFIXES = UNBRACKETED_TITLE_KINDS


# 执法, 立法, 普法 …: words ending in 法 that are not the title of a law,
NOT_LAW_BEFORE_FA = set("执立普依司守学用方做说作违合宪办")


# and 法 opening a word: 法治, 法规, 宪法日.
NOT_LAW_AFTER_FA = set("治规律典制院官学日")


# An unbracketed title ends before punctuation or one of these: 数字经济促进条例等重要立法,
# 浙江省公共数据条例在全国率先…, 石家庄市安全生产条例修订.
TITLE_FOLLOWERS = ("等", "的", "和", "及", "与", "要求", "精神", "后", "中", "专题", "在", "修订",
                   "修正", "修改", "施行", "实施", "出台", "颁布", "起草", "审议", "调研", "评估")


# Kinds that end a title wherever they stand, unless a law's implementing rules follow
# (土地管理法实施条例): 修订后的条例|对此作出规定 is no title ending in 规定.
CLOSING_KINDS = ("条例", "纲要")


EDITION = re.compile(r"\((?:试行|草案|修订|征求意见稿|\d{4}(?:-\d{4})?年?版?)\)")


SCOPE = re.compile(r"^(?:各|市区两级|市级|区级|年度|\d{4}年版)")


# A count in front of a name is not part of it: 印发900余册优化营商环境3.0版汇编.
LEADING_COUNT = re.compile(rf"^{NUMBER}[{CJK}](?<![年月日号])")


# Nor is what is said of the title before it: 贯彻4月1日起施行的|生产安全事故应急条例,
# 认真贯彻新印发的|法治政府建设实施纲要, 对照修订后的|政府信息公开条例, 公布调整后的|权责清单.
ATTRIBUTE = re.compile(r"^(?:[^的,。;、]{0,10}?(?:施行|实施|修订|修改|修正|印发|出台|颁布|公布|发布|调整|更新))?"
                       r"后?的")


# Verbs that end a title's noun phrase besides the governing ones: 石家庄市司法局启动….
CLAUSE_VERBS = ("启动", "完成", "开展", "配合", "牵头", "做好", "组织", "召开", "审议", "通过",
                "批准", "参与", "协助")


# The last character of a unit's name that makes its own regulations and plans.
UNIT_LEVELS = "省市区县州盟旗"


# Asking for opinions is no title: 起草环节广泛征求…意见, 公开征求社会意见.
NOT_IN_TITLE = ("征求", "徵求", "听取")


# Two titles joined by one of these are two titles (安全生产法和危险化学品安全管理条例).
CONJUNCTIONS = ("和", "及", "与", "、")


# A title that stands alone as a back-reference to the one the report follows: 对照纲要,
# 条例施行后, 修订后的条例 (GUIDELINES.md: back-references are titles).
BACK_REFERENCES = ("纲要", "条例")


# What may stand right before a bare back-reference besides a function character: a verb
# that governs a document. Verbs that also occur inside titles (实施, 管理) are left out:
# 土地管理法实施条例 is one title, not a 条例.
REFERENCE_VERBS = ("对照", "结合", "围绕", "落实", "贯彻", "执行", "学习", "宣传", "宣讲",
                   "按照", "依据", "根据", "遵守", "遵循", "紧扣", "对标")


# Where the law's full name begins: 中华人民共和国行政处罚法.
STATE_PREFIX = "中华人民共和国"


# Words after a law's title that begin with a character NOT_LAW_AFTER_FA blocks: 宪法学习.
LAW_THEN_WORD = ("学习", "规定")


# A law's own implementing rules are part of its title: 土地管理法实施条例.
IMPLEMENTING = re.compile(r"实施(?:条例|细则|办法)")


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
    # 办法 is a kind of document of its own (工作办法), not a law ending in 法
    if text[end - 1] != "法" or text.endswith("办法", 0, end):
        return True
    return text[end - 2] not in NOT_LAW_BEFORE_FA and (
        end == len(text) or text[end] not in NOT_LAW_AFTER_FA)


def _title_ends(text: str, end: int) -> bool:
    """Whether a title may end here: not inside a word, nor inside a quotation (「以案释法」)."""
    return (end == len(text) or not (is_cjk(text[end]) or text[end].isalnum() or text[end] == "」")
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
    # 等 ends a name, and so does an inline heading (打造一流营商环境|一是加大简政放权力度)
    run = re.split(r"等|[一二三四五六七八九十]是", run)[0]
    for rx in (ATTRIBUTE, LEADING_COUNT, SCOPE):
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
            valid = [e for e in cut if _title_ends(text, e) and law_word_ok(text, e)]
            # the first title of a list ends at the conjunction (旅游法和海南经济特区旅游条例);
            # a short one is kept there, a list's parts being titles of their own
            end = next((e for e in valid[:-1] if e - start >= 3
                        and text.startswith(CONJUNCTIONS, e)), None)
            if end is None:
                end = next((e for e in reversed(valid) if e - start >= min_len), None)
            if end is None:
                break
            closing = next((start + m.end() for m in ends.finditer(run)
                            if m.group() in CLOSING_KINDS and start + m.end() < end
                            and not text.startswith("实施", start + m.end())), None)
            if closing is not None:
                if closing - start < min_len:
                    break
                end = closing
            if m := EDITION.match(text, end):
                end = m.end()
            if not any(w in text[start:end] for w in NOT_IN_TITLE):
                spans.append((start, end, "REGULATION"))
            if not text.startswith(CONJUNCTIONS, end):
                break
            nxt = re.match(rf"(?:{NAME_TOKEN})+", text[end + 1:end + 61])
            listed = list(_name_run(nxt.group(), end + 1)) if nxt else []
            if not listed:
                break
            start, run = listed[0]
    return spans


def known_law_titles(text: str, places=None) -> list[CharSpan]:
    """The national laws and central documents of `fazhi.laws` wherever they stand, longest
    first: 开展民法典宣讲, 依据传染病防治法、突发事件应对法和价格法. Not inside a quotation
    (「我与宪法」 is a campaign) nor as part of a word (宪法日, 法治). The 中华人民共和国 prefix and
    a law's implementing rules are taken in; so is a place name right before a title that is
    not a law (吉林省优化营商环境条例: the province's own regulation). `places`: a
    `PlaceIndex`."""
    index = _known_index()
    quoted = [False] * len(text)
    for m in re.finditer(r"「[^「」\n]*」", text):
        quoted[m.start():m.end()] = [True] * (m.end() - m.start())
    spans, i = [], 0
    while i < len(text) - 1:
        end = index.match(text, i)
        if end == i or quoted[i]:
            i += 1
            continue
        start, title = i, text[i:end]
        if m := IMPLEMENTING.match(text, end):
            end = m.end()
        elif (title.endswith("法") and end < len(text) and text[end] in NOT_LAW_AFTER_FA
              and not text.startswith(LAW_THEN_WORD, end)):
            i += 1
            continue
        if text.endswith(STATE_PREFIX, 0, start):
            start -= len(STATE_PREFIX)
        elif places is not None and not title.endswith("法"):
            start = _place_before(text, start, places)
        if m := EDITION.match(text, end):
            end = m.end()
        spans.append((start, end, "REGULATION"))
        i = end
    return spans


def place_led_titles(text: str, places, min_name: int = 4, max_len: int = 40) -> list[CharSpan]:
    """A place's own regulations, plans and lists, named without 《》 and without a governing
    verb the other patterns know: 严格执行浙江省行政规范性文件管理办法, 启动石家庄市安全生产条例
    修订. The title runs from a chain of place names to the first title kind that ends the
    noun phrase, with no verb in between (石家庄市司法局启动… is no title); never a 法, which
    only the national legislature makes. A bare level opening a noun phrase stands for the
    reporting unit (按照区权责清单动态管理办法). `places`: a `PlaceIndex`."""
    kinds = re.compile(alternation(k for k in LAW_SUFFIXES if k != "法"))
    verbs = re.compile(alternation(REGULATION_VERBS + CLAUSE_VERBS))
    name = re.compile(rf"(?:{NAME_TOKEN}){{{min_name},{max_len}}}")
    spans, i = [], 0
    while i < len(text):
        end = places.chain(text, i)
        if end == i and _self_reference(text, i, verbs):
            end = i + 1
        if end == i:
            i += 1
            continue
        # a named unit (浙江省, 鼓楼区), not 国家 or 中央, whose documents the known titles cover
        if text[end - 1] in UNIT_LEVELS and (run := name.match(text, end)):
            for m in kinds.finditer(text, end, run.end()):
                if m.end() - end < min_name or not _title_ends(text, m.end()):
                    continue
                inner = text[end:m.end()]
                # the unit's own documents named by a bare level are plain noun phrases
                plain = end - i > 1 or not set(inner) & set("的和与及")
                if plain and not verbs.search(inner) and not any(w in inner for w in NOT_IN_TITLE):
                    close = EDITION.match(text, m.end())
                    spans.append((i, close.end() if close else m.end(), "REGULATION"))
                break
        i = end
    return spans


def _self_reference(text: str, i: int, verbs) -> bool:
    """A bare level standing for the reporting unit itself at the start of a noun phrase:
    制定|区…实施方案, 按照|区权责清单动态管理办法 (a district report calls itself 区)."""
    if text[i] not in UNIT_LEVELS or i + 1 >= len(text) or not is_cjk(text[i + 1]):
        return False
    if any(w in text[max(0, i - 12):i] for w in NOT_IN_TITLE):  # 征求…区和市直部门意见
        return False
    before = text[i - 1] if i else "\n"
    if before in ",;。、:\n" or before in FUNCTION_CHARS:
        return True
    verb = verbs.match(text, max(0, i - 2))
    return verb is not None and verb.end() == i


def back_references(text: str) -> list[CharSpan]:
    """Bare 纲要 / 条例 standing for the title the report follows: after a function character,
    a governing verb or a clause boundary, not as the end of a longer name."""
    spans = []
    for m in re.finditer(alternation(BACK_REFERENCES), text):
        start, end = m.span()
        before = text[start - 1] if start else "\n"
        if before in "《「" or text.startswith(("草", "》"), end):
            continue
        if (not (is_cjk(before) or before.isalnum()) or before in FUNCTION_CHARS or before == "新"
                or text.endswith(REFERENCE_VERBS, 0, start)):
            spans.append((start, end, "REGULATION"))
    return spans


def _place_before(text: str, start: int, places) -> int:
    """The start of a chain of place names that ends at `start`, or `start`."""
    return next((s for s in range(max(0, start - 16), start)
                 if places.chain(text, s, limit=start) == start), start)


@lru_cache(maxsize=1)
def _known_index() -> PlaceIndex:
    return PlaceIndex(known_titles())

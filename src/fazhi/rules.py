"""Rules-and-gazetteers entity tagger: a baseline, and the source of the transformer's rule
features.

Every candidate comes either from a gazetteer that `fit` builds from the training reports
alone or from a general pattern (titles in 《》, numbers with units, place-anchored
organisation names, governing verb + name + head noun), so a held-out report is tagged
with nothing but what fit() saw plus knowledge of how these reports are written.
Candidates may overlap; `resolve` keeps the longest, as the guidelines let the outer
span win (an ORG inside a REGULATION title, an INDICATOR inside a name).

The text is the normalised one (src/fazhi/normalize.py): quotation marks are 「」,
ASCII is half-width and the script is simplified.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from fazhi.data import Example, Span
from fazhi.text import (
    CJK,
    PREFIX_BOUNDS,
    SUFFIX_BOUNDS,
    UNBRACKETED_TITLE_KINDS,
    WITHIN,
    is_cjk,
)

# Equal-length conflicts: a title is the most specific reading, a number the least.
LABEL_PRIORITY = ("REGULATION", "MEASURE", "ORG", "INDICATOR")
GAZETTEER, PATTERN = 0, 1  # a surface seen tagged in training beats a generic pattern
MIN_PRECISION = 0.5  # what fit() learns must be right at least this often on the training text

QUOTED = r"「[^「」\n]{1,25}」"
# A name's characters: CJK, ASCII letters and digits (综合窗口2.0改革), and whole quotations.
NAME_TOKEN = rf"(?:{QUOTED}|[{CJK}A-Za-z0-9.+\-])"
FUNCTION_CHARS = set("的和与及或等各对向在为由将了是有把被从到于并且也都就而之其该本此以")

# --- INDICATOR ------------------------------------------------------------------------------

BASE_UNITS = (
    "项", "件", "个", "名", "位", "次", "家", "户", "人", "人次", "件次", "家次", "场", "场次",
    "轮", "轮次", "条", "起", "篇", "份", "本", "册", "卷", "张", "套", "枚", "元", "万元", "亿元",
    "美元", "%", "个百分点", "天", "小时", "分钟", "个工作日", "公里", "平方公里", "公顷", "吨",
)
TIME_UNITS = ("天", "小时", "分钟", "个工作日", "工作日", "个月", "年")  # these take 内: 15个工作日内
DATE_UNITS = ("月", "日", "号")  # a number before these is a date, never a count
# A count followed by these is a time frame or the report's own structure: 三个月以来, 两部分.
NOT_AFTER_COUNT = re.compile(r"月|部分|分内容")
ARABIC = r"\d+(?:\.\s?\d+)?"  # OCR sometimes puts a space after the decimal point: 28. 76亿元
CN_NUM = r"(?:数[十百千万]|[一二三四五六七八九十百千两][一二三四五六七八九十百千万两]*)"
NUMBER = rf"(?:{ARABIC}(?:余|多)?[万亿]?(?:余|多)?|{CN_NUM}(?:余|多)?)"
NUM_CHARS = "0-9.一二三四五六七八九十百千万亿两〇零"
FRACTION = re.compile(r"[一二三四五六七八九十百]+分之[一二三四五六七八九十]+")
TIMES = re.compile(r"\d+[*×]\d+小时")

# --- ORG ------------------------------------------------------------------------------------

ORG_SUFFIXES = (
    "人大常委会", "人民检察院", "人民法院", "委员会", "办公室", "常委会", "检察院", "法院", "政府",
    "政协", "人大", "中心", "协会", "公司", "联盟", "局", "委", "办", "院", "厅", "部",
)
# Suffixes that make an organisation straight after the place or level (区委, 市政府).
BARE_ORG_SUFFIXES = ("人大常委会", "人民法院", "人民检察院", "检察院", "法院", "政府", "政协",
                     "人大", "委")
# A one-character suffix followed by these is the first half of a word: 办法, 部门, 局面.
SUFFIX_NOT_BEFORE = {"办": "法理事件结实好", "部": "门分署", "局": "面势限", "委": "员托屈",
                     "院": "落校"}
NOT_ORG_ENDINGS = ("法治政府", "数字政府", "服务型政府", "干部", "常委")
NOT_IN_ORG_WORDS = ("配合", "开展", "推进", "落实", "建立", "组织", "召开", "主持", "印发",
                    "制定", "提交", "提请", "妥善", "全部", "进驻", "实现")
BASE_PLACES = ("北京市", "中央", "全国", "国家")
LEVELS = "市区县"
# 社区, 全市, 各区, 城市…: a level character that closes a word does not start a name,
NOT_BEFORE_LEVEL = set("社城全各本辖园景市区县都该我小街片新郊地省")
# nor one that opens a word: 区域, 区级, 区长.
NOT_AFTER_LEVEL = set("域级长内外属")
# Characters no place name has: a level or an organisation suffix means 区委区政府 is no place.
NOT_IN_PLACE = FUNCTION_CHARS | set(LEVELS) | set("委府局办院厅部会")
MAX_ORG_BODY = 8
# An organisation followed by these names a meeting, a post or a document: tag nothing.
MEETING_OR_POST = re.compile(
    r"(?:常务会议|常务会|常委会会议|会议|全体会|公会|书记|主要负责同志|负责同志|主要领导|领导|"
    r"法律顾问|代表|委员(?!会)|常委(?!会)|主任|主席|长(?!期|效)|门(?!户)|令第|第[^,。\n]{1,5}次)"
)
STREET = re.compile(rf"(?<=[、与和及如,。\n])[{CJK}]{{3}}街道")

# --- MEASURE --------------------------------------------------------------------------------

BASE_HEADS = ("改革", "制度", "机制", "体系", "模式", "平台", "清单", "工程", "行动", "活动", "系统",
              "制")
MEASURE_VERBS = ("深化", "推进", "落实", "建立", "健全", "完善", "推行", "构建", "实施", "开展")
# Governed nouns that are not a name: 健全工作机制, 完善规章制度.
GENERIC_BEFORE_HEAD = ("", "工作", "规章", "完善", "管理", "相关", "各项", "长效", "内部")
MAX_NAME = 24
MIN_LEARNED_HEAD = 3  # a head noun learned from training must end this many measures

# --- REGULATION -----------------------------------------------------------------------------

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


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _enclosed_mask(text: str) -> list[bool]:
    """True for characters inside 「」 or 《》: a number or a body there belongs to a name."""
    mask = [False] * len(text)
    for m in re.finditer(r"「[^「」\n]*」|《[^《》\n]*》", text):
        for i in range(m.start() + 1, m.end() - 1):
            mask[i] = True
    return mask


# --- REGULATION patterns --------------------------------------------------------------------

def bracketed_titles(text: str) -> list[Span]:
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


def _verb_runs(text: str, verbs, max_len: int, nearest: bool):
    """(start, run) for every name-like run after a governing verb.

    With `nearest`, the verb nearest the name governs it (推进…决策一是落实重大行政决策制度);
    titles keep their verbs (加强…建设的实施意见). 等 ends the name, and scope words in
    front of it are not part of it (市级证明事项告知承诺制).
    """
    verb_rx = _alternation(verbs)
    rx = re.compile(rf"((?:{verb_rx})+)了?((?:{NAME_TOKEN}){{1,{max_len}}})")
    for m in rx.finditer(text):
        run, start = m.group(2), m.start(2)
        inner = list(re.finditer(rf"(?:{verb_rx})+了?", run)) if nearest else []
        if inner:
            run, start = run[inner[-1].end():], start + inner[-1].end()
        elif not nearest and (making := re.match(rf"(?:{_alternation(MAKING_VERBS)})",
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


def verb_led_titles(text: str, min_len: int = 5) -> list[Span]:
    """Unbracketed titles after a verb: 落实新修订行政处罚法, 出台…实施意见(试行).

    A title ends where the clause or the noun phrase does, so 市场准入负面清单和新增产业禁限
    目录制度 is no 目录; a following edition note in brackets belongs to it, and further
    titles listed after it with 、 are titles too.
    """
    ends = re.compile(rf"(?:{_alternation(LAW_SUFFIXES)})")
    spans = []
    for start, run in _verb_runs(text, REGULATION_VERBS, 60, nearest=False):
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


# --- MEASURE patterns -----------------------------------------------------------------------

_PARTY = rf"[{LEVELS}][{CJK}]{{0,8}}?(?:{_alternation(ORG_SUFFIXES)})"
PARTIES = re.compile(rf"(?:{_PARTY}[与和及、])+{_PARTY}")


def verb_led_measures(text: str, heads, min_len: int = 4) -> list[Span]:
    """A name after a governing verb, up to the last head noun: 深化行政审批制度改革.

    `A和B` gives two spans when A has a head of its own (市场准入负面清单和新增产业禁限
    目录制度), one when they share it (轻微违法免罚和初次违法慎罚制度). Bodies that are
    only the parties of a mechanism stay outside it: 区水务局与区城管执法局|协同执法机制.
    """
    head_rx = _alternation(heads)
    ends = re.compile(rf"(?:{head_rx})$")
    generic = re.compile(rf"(?:{_alternation(GENERIC_BEFORE_HEAD[1:])})?(?:{head_rx})")
    spans = []
    for start, run in _verb_runs(text, MEASURE_VERBS, MAX_NAME, nearest=True):
        if parties := PARTIES.match(run):
            run, start = run[parties.end():], start + parties.end()
        while run and not ends.search(run):
            run = run[:-1]
        if len(run) < min_len or generic.fullmatch(run) or "关于" in run:
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


def quoted_measures(text: str, heads) -> list[Span]:
    """Quoted names with their own head noun: 「证照分离」改革, 「法治物业」的朝阳模式.

    A name followed by a bare 的模式 is only the quotation (采取「一街乡一对策」的模式).
    """
    rx = re.compile(rf"((?:{QUOTED})+)(的?[{CJK}]{{0,8}}?)(?:{_alternation(heads)})")
    spans = []
    for m in rx.finditer(text):
        if m.group(2) == "的":
            spans.append((m.start(1), m.end(1), "MEASURE"))
        elif "等" not in m.group(2):  # 「云推送」等服务平台: a list, not a name
            spans.append((m.start(), m.end(), "MEASURE"))
    return spans


def bare_quotes(text: str, endings) -> list[Span]:
    """Quoted names without a head noun whose last character marks a service pledge or a
    campaign in these reports (「一次办」, 「最多跑一次」); fit() learns which characters."""
    return [(m.start(), m.end(), "MEASURE") for m in re.finditer(QUOTED, text)
            if m.group()[-2] in endings]


# --- INDICATOR patterns ---------------------------------------------------------------------

def indicators(text: str, units, extras: bool = True) -> list[Span]:
    """Numbers with a unit and the bound words touching them; dates, ordinals, numbers in
    names (12345热线, 「6+4」, 5.0版) and counts that are part of a name (三项制度) are not.
    `extras` adds fractions (近三分之一) and 7*24小时, which need no unit list."""
    rx = re.compile(rf"(?<![{NUM_CHARS}第])({NUMBER})({_alternation(units)})")
    enclosed = _enclosed_mask(text)
    heads = re.compile(rf"(?:{_alternation(BASE_HEADS)})")
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


# --- ORG patterns ---------------------------------------------------------------------------

def text_places(text: str) -> set[str]:
    """Place names a report keeps repeating at clause starts (朝阳区, 北京市): two characters
    and a level after punctuation, at least three times."""
    found = Counter(m.group() for m in re.finditer(
        rf"(?<![{CJK}])[{CJK}]{{2}}[{LEVELS}](?=[{CJK}])", text))
    return {p for p, n in found.items() if n >= 3 and p[1] not in NOT_BEFORE_LEVEL
            and not set(p[:2]) & NOT_IN_PLACE
            # a place name is mostly written with its level (朝阳区); a verb is not (实现区级)
            and text.count(p) >= 0.5 * text.count(p[:2])}


def org_names(text: str, places) -> tuple[list[Span], list[tuple[int, int]]]:
    """Place- or level-anchored organisation names (区司法局, 朝阳区市场监管局, 市委).

    Returns the names and the stretches they block: a name followed by a meeting or a post
    word (区政府常务会议, 区委书记) is an event or a person, so no ORG may lie inside it.
    """
    anchors = re.compile(rf"(?:{_alternation(places)})|[{LEVELS}]")
    suffix_rx = re.compile(rf"(?:{_alternation(ORG_SUFFIXES)})")
    spans, blocked = [], []
    enclosed = _enclosed_mask(text)
    for m in anchors.finditer(text):
        a, body = m.start(), m.end()
        if len(m.group()) == 1 and not level_starts_name(text, a):
            continue
        best = None
        while body <= min(len(text), m.end() + MAX_ORG_BODY):
            for s in suffix_rx.finditer(text, body, body + 5):
                if s.start() == body and (body > m.end() or s.group() in BARE_ORG_SUFFIXES) \
                        and org_name_ok(text, a, s.end(), m.end()):
                    best = max(best or 0, s.end())
            if body >= len(text) or not _org_body_char(text, body, m.end()):
                break
            body += 1
        if best is None:
            continue
        if enclosed[a]:
            continue  # 「北京市朝阳区政府门户网站」 names a web site
        if post := MEETING_OR_POST.match(text, best):
            blocked.append((a, post.end()))
        else:
            spans.append((a, best, "ORG"))
    for m in STREET.finditer(text):
        if not set(m.group()) & FUNCTION_CHARS and org_name_ok(text, m.start(), m.end(), 0):
            spans.append((m.start(), m.end(), "ORG"))
    return spans, blocked


def _org_body_char(text: str, i: int, body_start: int) -> bool:
    # A level inside a name opens it (朝阳区|市场监管局) or follows 治 (依法治区委员会);
    # anywhere else it starts the next name: 区委|区政府, 区政府严格按照|市政府.
    c = text[i]
    return is_cjk(c) and c not in FUNCTION_CHARS and (
        c not in LEVELS or i == body_start or text[i - 1] == "治")


def level_starts_name(text: str, a: int) -> bool:
    return not ((a and text[a - 1] in NOT_BEFORE_LEVEL)
                or (a + 1 < len(text) and text[a + 1] in NOT_AFTER_LEVEL))


def org_name_ok(text: str, start: int, end: int, body_start: int) -> bool:
    """A candidate organisation name that reads as one: no verb inside, no word cut in two."""
    name = text[start:end]
    if name.endswith(NOT_ORG_ENDINGS) or any(w in name[body_start - start:]
                                              for w in NOT_IN_ORG_WORDS):
        return False
    after = text[end] if end < len(text) else ""
    return not (after and after in SUFFIX_NOT_BEFORE.get(name[-1], ""))


def org_allowed(text: str, start: int, end: int) -> bool:
    """Context test for any ORG candidate, learned or patterned: not 各区政府, not 区委书记."""
    if text[start] in LEVELS and not level_starts_name(text, start):
        return False
    return not MEETING_OR_POST.match(text, end)


# --- resolution -----------------------------------------------------------------------------

def resolve(candidates: list[tuple[int, int, str, int]]) -> list[Span]:
    """Non-overlapping spans: longer first, then learned before generic, then label priority."""
    order = sorted(set(candidates), key=lambda c: (
        -(c[1] - c[0]), c[3], LABEL_PRIORITY.index(c[2]), c[0]))
    taken: list[tuple[int, int]] = []  # sorted, disjoint
    kept = []
    for s, e, label, _ in order:
        i = bisect.bisect_right(taken, (s, float("inf")))
        if i and taken[i - 1][1] > s:
            continue
        if i < len(taken) and taken[i][0] < e:
            continue
        taken.insert(i, (s, e))
        kept.append((s, e, label))
    return sorted(kept)


# --- the tagger -----------------------------------------------------------------------------

class RuleTagger:
    def __init__(self, min_precision: float = MIN_PRECISION):
        self.min_precision = min_precision
        self.gazetteer: dict[str, str] = {}  # surface -> label
        self.units: list[str] = list(BASE_UNITS)
        self.places: list[str] = list(BASE_PLACES)
        self.heads: list[str] = list(BASE_HEADS)
        self.quote_endings: list[str] = []
        self._index: dict[str, list[str]] | None = None

    # learning

    def fit(self, examples: list[Example]) -> RuleTagger:
        """Gazetteers, units, place names and head nouns from these examples only.

        A learned unit or head noun is kept when the pattern using it alone is right often
        enough on the training text, and a gazetteer surface when it is tagged often enough
        where it occurs: 决定 or 信用监管 taken everywhere would cost more than they bring.
        """
        tagged: dict[str, Counter] = defaultdict(Counter)
        units, places, heads, endings = Counter(), Counter(), Counter(), Counter()
        for ex in examples:
            for s, e, label in ex.entities:
                surface = ex.text[s:e]
                tagged[surface][label] += 1
                if label == "INDICATOR" and (unit := learn_unit(surface)):
                    units[unit] += 1
                place = re.match(rf"[{CJK}]{{2,3}}?[{LEVELS}]", surface)
                if label == "ORG" and place and place.end() < len(surface) \
                        and not set(place.group()[:-1]) & NOT_IN_PLACE:
                    places[place.group()] += 1
                if label == "MEASURE" and all(is_cjk(c) for c in surface[-2:]):
                    heads[surface[-2:]] += 1
                if label == "MEASURE" and re.fullmatch(QUOTED, surface):
                    endings[surface[-2]] += 1
        self.units = sorted(set(BASE_UNITS) | {
            u for u in units if u in BASE_UNITS or self._precise(
                examples, "INDICATOR", lambda t, u=u: indicators(t, [u], extras=False))})
        self.heads = sorted(set(BASE_HEADS) | {
            h for h, n in heads.items() if n >= MIN_LEARNED_HEAD and self._precise(
                examples, "MEASURE",
                lambda t, h=h: verb_led_measures(t, [h]) + quoted_measures(t, [h]))})
        self.quote_endings = sorted(
            c for c, n in endings.items() if n >= MIN_LEARNED_HEAD - 1 and self._precise(
                examples, "MEASURE", lambda t, c=c: bare_quotes(t, [c])))
        self.places = sorted(set(BASE_PLACES) | set(places))
        self.gazetteer = {}
        for surface, labels in tagged.items():
            label, hits = labels.most_common(1)[0]
            if len(surface) < 2 or label == "INDICATOR":  # numbers are found by the pattern
                continue
            occurrences = sum(_free_occurrences(ex, surface, label) for ex in examples)
            if occurrences and hits / occurrences >= self.min_precision:
                self.gazetteer[surface] = label
        self._index = None
        return self

    def _precise(self, examples: list[Example], label: str, pattern) -> bool:
        """Whether `pattern` is right often enough on the training text, not counting what
        it finds inside a longer gold span (resolve() would drop that anyway)."""
        found = right = 0
        for ex in examples:
            gold = {s for s in ex.entities if s[2] == label}
            spans = {s for s in pattern(ex.text) if s in gold or not any(
                a <= s[0] and s[1] <= b for a, b, _ in ex.entities)}
            found += len(spans)
            right += len(spans & gold)
        return found > 0 and right / found >= self.min_precision

    # tagging

    def predict(self, text: str) -> list[Span]:
        """Non-overlapping (start, end, label) spans on normalised text, sorted."""
        cands = [(s, e, lab, GAZETTEER) for s, e, lab in self._gazetteer_matches(text)]
        numbers = indicators(text, self.units)
        # An unbracketed title holds no count: 制定了12项防疫工作制度及2个应急方案 is none.
        pattern = [t for t in verb_led_titles(text)
                   if not any(t[0] <= s and e <= t[1] for s, e, _ in numbers)]
        pattern += bracketed_titles(text) + numbers + bare_quotes(text, self.quote_endings)
        pattern += verb_led_measures(text, self.heads) + quoted_measures(text, self.heads)
        orgs, blocked = org_names(text, set(self.places) | text_places(text))
        pattern += orgs
        cands += [(s, e, lab, PATTERN) for s, e, lab in pattern]
        cands = [c for c in cands if c[2] != "ORG" or not any(
            a <= c[0] and c[1] <= b for a, b in blocked)]
        return resolve(cands)

    def _gazetteer_matches(self, text: str) -> list[Span]:
        if self._index is None:
            self._index = defaultdict(list)
            for surface in sorted(self.gazetteer, key=len, reverse=True):
                self._index[surface[:2]].append(surface)
        enclosed = _enclosed_mask(text)
        spans = []
        for i in range(len(text) - 1):
            for surface in self._index.get(text[i:i + 2], ()):
                if text.startswith(surface, i):
                    label, end = self.gazetteer[surface], i + len(surface)
                    if _context_ok(text, i, end, label, enclosed):
                        spans.append((i, end, label))
                        break  # longest match at this position
        return spans

    # persistence

    def to_disk(self, path) -> None:
        path = _json_path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"min_precision": self.min_precision, "gazetteer": self.gazetteer,
                "units": self.units, "places": self.places, "heads": self.heads,
                "quote_endings": self.quote_endings}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True),
                        encoding="utf-8")

    def from_disk(self, path) -> RuleTagger:
        data = json.loads(_json_path(path).read_text(encoding="utf-8"))
        self.min_precision = data["min_precision"]
        self.gazetteer = data["gazetteer"]
        self.units, self.places, self.heads = data["units"], data["places"], data["heads"]
        self.quote_endings = data["quote_endings"]
        self._index = None
        return self


def _context_ok(text: str, start: int, end: int, label: str, enclosed: list[bool]) -> bool:
    """Whether a gazetteer surface found here means what it meant in training."""
    if label == "ORG":
        return org_allowed(text, start, end)
    if label == "REGULATION":
        # 「我与宪法」 is a campaign, 宪法日 a day: a title inside a quotation or a word is not.
        bracketed = start and text[start - 1] == "《"
        if (enclosed[start] and not bracketed) or not law_word_ok(text, end):
            return False
        # A short back-reference (条例) also ends longer titles: it needs 《 or a verb before it.
        return end - start > 3 or bracketed or text.endswith(REGULATION_VERBS, 0, start)
    return True


def _free_occurrences(ex: Example, surface: str, label: str) -> int:
    """Occurrences predict() could tag: not inside a longer gold span, context allowed."""
    enclosed = _enclosed_mask(ex.text)
    count, i = 0, ex.text.find(surface)
    while i >= 0:
        end = i + len(surface)
        inside = any(s <= i and end <= e and (s, e) != (i, end) for s, e, _ in ex.entities)
        if not inside and _context_ok(ex.text, i, end, label, enclosed):
            count += 1
        i = ex.text.find(surface, end)
    return count


def _json_path(path) -> Path:
    """A .json file, or a directory that holds rules.json (as in a model directory)."""
    path = Path(path)
    return path if path.suffix == ".json" else path / "rules.json"


# --- evaluation -----------------------------------------------------------------------------

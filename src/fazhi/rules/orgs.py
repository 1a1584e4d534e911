"""ORG patterns: place-anchored organisation names and the bodies that stand alone."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache

from fazhi.data import CharSpan
from fazhi.rules.common import FUNCTION_CHARS, alternation, enclosed_mask
from fazhi.text import (
    CJK,
    is_cjk,
)

ORG_SUFFIXES = (
    "人大常委会", "人民检察院", "人民法院", "委员会", "办公室", "常委会", "检察院", "法院", "政府",
    "政协", "人大", "中心", "协会", "公司", "联盟", "局", "委", "办", "院", "厅", "部",
    # bodies of other levels and units (chosen on the written passages; 所, 站 and 处 cost
    # more than they bring: 市场监管所 as a class, 门户网站, 处理)
    "管委会", "行署", "行政公署", "总队", "支队", "党组", "党委",
)


# Suffixes that make an organisation straight after the place or level (区委, 市政府).
BARE_ORG_SUFFIXES = ("人大常委会", "人民法院", "人民检察院", "检察院", "法院", "政府", "政协",
                     "人大", "委", "管委会", "管理委员会", "党工委")


# A one-character suffix followed by these is the first half of a word: 办法, 部门, 局面,
# 集中办理, and 国办发〔2019〕 a document number.
SUFFIX_NOT_BEFORE = {"办": "法理事件结实好发", "部": "门分署", "局": "面势限", "委": "员托屈",
                     "院": "落校"}


NOT_ORG_ENDINGS = ("法治政府", "数字政府", "服务型政府", "干部", "常委")


NOT_IN_ORG_WORDS = ("配合", "开展", "推进", "落实", "建立", "组织", "召开", "主持", "印发",
                    "制定", "提交", "提请", "妥善", "全部", "进驻", "实现")


# The characters that close a body's name: after them 和 joins two bodies.
ORG_SUFFIX_CHARS = set("委局办院厅部府会")


# A body's own unit named right after it (派出所, 市场监管所, 稽查局, 诉调对接中心): a run of
# name characters, no function character, ending in one of these.
SUB_UNIT = re.compile(rf"[{CJK}]{{2,10}}?(?:派出所|监管所|司法所|税务所|资源所|管理所|分局|稽查局|"
                      rf"支队|大队|中队|中心|委员会)")


# Words that make such a run a clause instead: 区法院设立诉调对接中心.
SUB_UNIT_NOT = ("设立", "成立", "组建", "建立", "探索", "推行", "开设", "联合", "实行", "牵头",
                "会同", "依托", "指导", "委托", "开展", "推进", "落实", "组织", "配合", "建成",
                "打造", "依法", "全面")


BASE_PLACES = ("北京市", "中央", "全国", "国家")


LEVELS = "省市区县州盟旗乡镇"


# 社区, 全市, 各区, 城市…: a level character that closes a word does not start a name,
NOT_BEFORE_LEVEL = set("社城全各本辖园景市区县都该我小街片新郊地省乡联红国党")


# nor one that opens a word: 区域, 区级, 区长.
NOT_AFTER_LEVEL = set("域级长内外属镇村街份会际亲贤土帜下")


# Characters no place name has: a level or an organisation suffix means 区委区政府 is no place.
NOT_IN_PLACE = FUNCTION_CHARS | set(LEVELS) | set("委府局办院厅部会")


MAX_ORG_BODY = 8


# An organisation followed by these names a meeting, a post or a document: tag nothing. (Its
# 领导 are its leaders, but 在市委领导下 is the body itself.)
MEETING_OR_POST = re.compile(
    r"(?:常务会议|常务会|常委会会议|会议|全体会|全会|公会|书记|主要负责同志|负责同志|主要负责人|负责人|"
    r"分管|主要领导|领导(?!下)|常年法律顾问|法律顾问|代表|委员(?!会)|常委(?!会)|主任|主席|长(?!期|效)|"
    r"门(?!户)|令第|第[^,。\n]{1,5}次|会(?=[、,。专研]))"
)


STREET = re.compile(rf"(?<=[、与和及如,。\n])[{CJK}]{{3}}街道")


# Development zones are named after their city or county (苏州工业园区, 西安高新区, 凯里经济开发区)
# and their bodies after the zone (苏州工业园区管委会).
ZONE = re.compile(r"(?:高新技术产业开发区|经济技术开发区|经济开发区|工业园区|高新区|开发区|新区)")


# A zone's report names its own bodies after the zone's short name as other units do after
# their level (区司法局): 园区行政审批局, 高新区党工委, 新区法律顾问室.
ZONE_LEVEL = re.compile(r"(?:高新区|经开区|开发区|园区|新区)")


def short_places(names) -> frozenset[str]:
    """Place names without their level (苏州市 → 苏州), of three or more characters in full."""
    return frozenset(n[:-1] for n in names if len(n) >= 3 and n[-1] in "市县区")


def zone_names(text: str, shorts: frozenset[str]) -> set[str]:
    """The development zones `text` names after a known place (`short_places`)."""
    found = set()
    for m in ZONE.finditer(text):
        for k in (4, 3, 2):
            if m.start() >= k and text[m.start() - k:m.start()] in shorts:
                found.add(text[m.start() - k:m.end()])
                break
    return found


def text_places(text: str) -> set[str]:
    """Place names a report keeps repeating at clause starts (朝阳区, 北京市): two characters
    and a level after punctuation, at least three times."""
    found = Counter(m.group() for m in re.finditer(
        rf"(?<![{CJK}])[{CJK}]{{2}}[{LEVELS}](?=[{CJK}])", text))
    return {p for p, n in found.items() if n >= 3 and p[1] not in NOT_BEFORE_LEVEL
            and not set(p[:2]) & NOT_IN_PLACE
            # a place name is mostly written with its level (朝阳区); a verb is not (实现区级)
            and text.count(p) >= 0.5 * text.count(p[:2])}


class PlaceIndex:
    """Names looked up by their first two characters, longest first: tens of thousands of
    names (the national divisions) are too many for one regular-expression alternation. Also
    the index of the other known names the rules find wherever they stand (the laws of
    `fazhi.laws`, the bodies of `fazhi.bodies`)."""

    def __init__(self, names):
        self.by_start: dict[str, list[str]] = defaultdict(list)
        for name in sorted(set(names), key=lambda n: (-len(n), n)):
            if len(name) >= 2:
                self.by_start[name[:2]].append(name)

    def plus(self, names) -> PlaceIndex:
        """A copy that also knows `names` (a report's own places); the big index is shared."""
        new = PlaceIndex(())
        new.by_start = dict(self.by_start)
        for name in names:
            if len(name) >= 2 and name not in new.by_start.get(name[:2], ()):
                new.by_start[name[:2]] = sorted([*new.by_start.get(name[:2], ()), name],
                                                key=lambda n: (-len(n), n))
        return new

    def match(self, text: str, i: int) -> int:
        """The end of the longest place name at `i`, or `i` when none starts there."""
        for name in self.by_start.get(text[i:i + 2], ()):
            if text.startswith(name, i):
                return i + len(name)
        return i

    def chain(self, text: str, i: int, limit: int | None = None) -> int:
        """The end of the consecutive place names from `i` (浙江省杭州市桐庐县), none of them
        starting at or after `limit`; `i` when none starts there."""
        limit = len(text) if limit is None else limit
        end = self.match(text, i)
        while end > i and end < limit and (nxt := self.match(text, end)) > end:
            end = nxt
        return end

    def names_in(self, text: str):
        """(start, end) of the place names in `text`, left to right, not overlapping."""
        i = 0
        while i < len(text):
            end = self.match(text, i)
            if end > i:
                yield i, end
            i = max(end, i + 1)

    def anchors(self, text: str):
        """(start, end) of place names, of bare level characters and of a zone standing for its
        own level (园区审计局, 高新区党工委), left to right and not overlapping; consecutive
        places make one anchor (浙江省杭州市桐庐县)."""
        i = 0
        while i < len(text):
            end = self.chain(text, i)
            if end > i:
                yield i, end
                i = end
            elif (zone := ZONE_LEVEL.match(text, i)) and (not i or not is_cjk(text[i - 1])
                                                          or text[i - 1] in FUNCTION_CHARS):
                yield i, zone.end()
                i = zone.end()
            else:
                if text[i] in LEVELS:
                    yield i, i + 1
                i += 1


def org_names(text: str, places: PlaceIndex) -> tuple[list[CharSpan], list[tuple[int, int]]]:
    """Place- or level-anchored organisation names (区司法局, 朝阳区市场监管局, 市委).

    Returns the names and the stretches they block: a name followed by a meeting or a post
    word (区政府常务会议, 区委书记) is an event or a person, so no ORG may lie inside it.
    """
    suffix_rx = re.compile(rf"(?:{alternation(ORG_SUFFIXES)})")
    spans, blocked = [], []
    enclosed = enclosed_mask(text)
    for a, anchor_end in places.anchors(text):
        body = anchor_end
        if anchor_end - a == 1 and not level_starts_name(text, a):
            continue
        best = None
        while body <= min(len(text), anchor_end + MAX_ORG_BODY):
            for s in suffix_rx.finditer(text, body, body + 5):
                if s.start() == body and (body > anchor_end or s.group() in BARE_ORG_SUFFIXES) \
                        and org_name_ok(text, a, s.end(), anchor_end):
                    best = max(best or 0, s.end())
            if body >= len(text) or not _org_body_char(text, body, anchor_end):
                break
            body += 1
        if best is None:
            continue
        if enclosed[a]:
            continue  # 「北京市朝阳区政府门户网站」 names a web site
        if post := MEETING_OR_POST.match(text, best):
            blocked.append((a, post.end()))
        else:
            spans.append((a, _sub_unit_end(text, best), "ORG"))
    for m in STREET.finditer(text):
        if not set(m.group()) & FUNCTION_CHARS and org_name_ok(text, m.start(), m.end(), 0):
            spans.append((m.start(), m.end(), "ORG"))
    return spans, blocked


def _org_body_char(text: str, i: int, body_start: int) -> bool:
    # A level inside a name opens it (朝阳区|市场监管局) or follows 治 (依法治区委员会);
    # anywhere else it starts the next name: 区委|区政府, 区政府严格按照|市政府.
    c = text[i]
    if c == "和":  # 自然资源和规划局, 发展和改革委员会; but 区教委和卫健委 are two bodies
        return i > body_start and text[i - 1] not in ORG_SUFFIX_CHARS
    return is_cjk(c) and c not in FUNCTION_CHARS and (
        c not in LEVELS or i == body_start or text[i - 1] == "治")


def _sub_unit_end(text: str, end: int) -> int:
    """The end of a body's own unit written straight after it, as one name (GUIDELINES.md:
    the full name as written): 历城区市场监管局|王舍人市场监管所, 金水区人民法院|诉调对接中心;
    else `end`."""
    m = SUB_UNIT.match(text, end)
    if m is None or any(w in m.group() for w in SUB_UNIT_NOT):
        return end
    if text.startswith(("组", "站", "主任"), m.end()):
        return end  # 理论学习中心|组: the unit's name goes on
    return m.end()


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
    """Context test for any ORG candidate, learned or patterned: not 各区政府, not 区委书记,
    not the 中办 of 集中办理."""
    if text[start] in LEVELS and not level_starts_name(text, start):
        return False
    after = text[end] if end < len(text) else ""
    if after and after in SUFFIX_NOT_BEFORE.get(text[end - 1], ""):
        return False
    return not MEETING_OR_POST.match(text, end)


def central_bodies(text: str) -> list[CharSpan]:
    """The central bodies of `fazhi.bodies` wherever they stand, longest first (国务院办公厅,
    not 国务院), in a context an organisation may have (not 国务院常务会议)."""
    spans, i = [], 0
    index = _central_index()
    while i < len(text) - 1:
        end = index.match(text, i)
        if end > i and org_allowed(text, i, end):
            spans.append((i, end, "ORG"))
            i = end
        else:
            i += 1
    return spans


def vertical_bodies(central: list[CharSpan], orgs: list[CharSpan]) -> list[CharSpan]:
    """A central body's local branch, named after it (国家税务总局|宁波市税务局, 国家税务总局|
    宁波市鄞州区税务局第一税务所): one name, as the branches of the vertically managed services
    (tax, customs, financial supervision) write it."""
    starts = {s: e for s, e, _ in orgs}
    return [(s, starts[e], "ORG") for s, e, _ in central if e in starts]


@lru_cache(maxsize=1)
def _central_index() -> PlaceIndex:
    from fazhi.bodies import CENTRAL_BODIES

    return PlaceIndex(CENTRAL_BODIES)

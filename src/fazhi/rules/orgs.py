"""ORG patterns: place-anchored organisation names and the bodies that stand alone."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

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
                     "人大", "委")


# A one-character suffix followed by these is the first half of a word: 办法, 部门, 局面.
SUFFIX_NOT_BEFORE = {"办": "法理事件结实好", "部": "门分署", "局": "面势限", "委": "员托屈",
                     "院": "落校"}


NOT_ORG_ENDINGS = ("法治政府", "数字政府", "服务型政府", "干部", "常委")


NOT_IN_ORG_WORDS = ("配合", "开展", "推进", "落实", "建立", "组织", "召开", "主持", "印发",
                    "制定", "提交", "提请", "妥善", "全部", "进驻", "实现")


BASE_PLACES = ("北京市", "中央", "全国", "国家")


LEVELS = "省市区县州盟旗乡镇"


# 社区, 全市, 各区, 城市…: a level character that closes a word does not start a name,
NOT_BEFORE_LEVEL = set("社城全各本辖园景市区县都该我小街片新郊地省乡联红国党")


# nor one that opens a word: 区域, 区级, 区长.
NOT_AFTER_LEVEL = set("域级长内外属镇村街份会际亲贤土帜下")


# Characters no place name has: a level or an organisation suffix means 区委区政府 is no place.
NOT_IN_PLACE = FUNCTION_CHARS | set(LEVELS) | set("委府局办院厅部会")


MAX_ORG_BODY = 8


# An organisation followed by these names a meeting, a post or a document: tag nothing.
MEETING_OR_POST = re.compile(
    r"(?:常务会议|常务会|常委会会议|会议|全体会|公会|书记|主要负责同志|负责同志|主要领导|领导|"
    r"法律顾问|代表|委员(?!会)|常委(?!会)|主任|主席|长(?!期|效)|门(?!户)|令第|第[^,。\n]{1,5}次)"
)


STREET = re.compile(rf"(?<=[、与和及如,。\n])[{CJK}]{{3}}街道")


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
    """Place names looked up by their first two characters, longest first: tens of thousands
    of names (the national divisions) are too many for one regular-expression alternation."""

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

    def names_in(self, text: str):
        """(start, end) of the place names in `text`, left to right, not overlapping."""
        i = 0
        while i < len(text):
            end = self.match(text, i)
            if end > i:
                yield i, end
            i = max(end, i + 1)

    def anchors(self, text: str):
        """(start, end) of place names and of bare level characters, left to right and not
        overlapping; consecutive places make one anchor (浙江省杭州市桐庐县)."""
        i = 0
        while i < len(text):
            end = self.match(text, i)
            if end > i:
                while (nxt := self.match(text, end)) > end:
                    end = nxt
                yield i, end
                i = end
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

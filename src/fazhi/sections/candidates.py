"""Where a section can start: enumerators, line starts, lexicon headings, a title's end; tables
of contents; where a heading ends."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fazhi.sections.keywords import lexicon_part
from fazhi.text import enumerator_number

CN_ENUM = "一二三四五六七八九十"


ENUMERATORS = {
    "CN_COMMA": rf"(?<![{CN_ENUM}])[{CN_ENUM}]{{1,3}}、",
    "CN_PAREN": rf"\([{CN_ENUM}]{{1,3}}\)",
    # `4.2021年工作安排`: a number before a year is still an enumerator
    "AR_DOT": r"(?<![\d.])\d{1,2}\.(?:(?!\d)|(?=\d{4}年))",
    "AR_COMMA": r"(?<![\d.])\d{1,2}、",
    "AR_PAREN": r"\(\d{1,2}\)",
    "CIRCLED": r"[①-⑳]",
    "CN_SHI": rf"(?<![{CN_ENUM}])[{CN_ENUM}]{{1,3}}是",
    # `第一,…` lead sentences and `第二部分 …` part headings
    "CN_DI": rf"第[{CN_ENUM}]{{1,3}}(?:[,、]|部分)",
    "DASH": r"-{2,}|—{1,2}",
}


_ENUM_RX = re.compile("|".join(f"(?P<{k}>{p})" for k, p in ENUMERATORS.items()))


_TOC_ENTRY = re.compile(r"(?:\.{4,}|·{4,}|…{2,})\s*\d{1,4}\s*$")


_TITLE_END = re.compile(r"(?:报告|白皮书)")


HEADING_STOP = re.compile(r"[。;；!?！？\n]")


# Lines a government web site puts above (and around) a report it publishes: its name, the
# breadcrumb, the accessibility and script switches, the source/date/hits line, the font-size
# switch. They are OTHER by definition, whatever a fold has seen, like a table of contents.
# On normalised text (simplified, width-folded).
CHROME_PATTERNS = (
    r"(?:门户网站|政府网|政务网|网站)(?:欢迎您!?)?$", r"欢迎您",
    r"^(?:无障碍|简体|繁体|简|繁|English|长者模式|关怀版|登录|注册|[|/\s])+$",
    r"首页\s*(?:>|›|»|/)", r"^(?:您(?:当前)?的?|当前)(?:所在)?位置[:：]",
    (r"(?:^|\s)(?:发布时间|发布日期|信息来源|来源|浏览次数|点击数|点击量|访问量|阅读量|"
     r"责任编辑)\s*[:：]"),
    r"字号\s*[:：]?\s*[大中小]", r"^【?(?:打印|关闭|分享|收藏)",
    r"^今天是",
)
_CHROME = re.compile("|".join(CHROME_PATTERNS))
# A date alone on a line is the site's before the report's title, the report's own dateline
# (TITLE) after it.
_DATE_LINE = re.compile(r"^\d{4}(?:-\d{1,2}-\d{1,2}|年\d{1,2}月\d{1,2}日)\s*"
                        r"(?:星期[一二三四五六日天])?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?$")


def chrome_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of the web-site chrome lines before the report's first numbered heading;
    a bare date line counts only before the first line with 报告/白皮书 (the title)."""
    out, titled = [], False
    for a, b in line_spans(text):
        line = text[a:b].strip()
        if not line:
            continue
        if _ENUM_RX.match(line) or lexicon_part(line):
            break
        if _CHROME.search(line) or (not titled and _DATE_LINE.match(line)):
            out.append((a + len(text[a:b]) - len(text[a:b].lstrip()), b))
        elif _TITLE_END.search(line):
            titled = True
    return out


@dataclass
class Candidate:
    pos: int  # first character, normalised offsets
    kind: str  # an ENUMERATORS key, "LINE", "LEXICON" or "TITLE_END"
    marker_end: int  # end of the enumerator (= pos when there is none)
    value: int | None = None  # the enumerator's number
    forced: bool = False  # a boundary by definition (report start, lexicon heading, after a TOC)
    context: dict = field(default_factory=dict)  # facts the features were made from


def line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def toc_blocks(text: str) -> list[tuple[int, int]]:
    """Runs of at least three contents entries (dot leaders, a page number), one wrapped line
    allowed between entries; (start of the first entry's line, end of the last one's)."""
    blocks, run, gap = [], [], 0
    for a, b in line_spans(text):
        if _TOC_ENTRY.search(text[a:b]):
            run.append((a, b))
            gap = 0
        elif run and gap == 0 and text[a:b].strip():
            gap = 1
        else:
            if len(run) >= 3:
                blocks.append((run[0][0], min(run[-1][1] + 1, len(text))))
            run, gap = [], 0
    if len(run) >= 3:
        blocks.append((run[0][0], min(run[-1][1] + 1, len(text))))
    return blocks


def _value(kind: str, marker: str) -> int | None:
    digits = re.sub(r"[^0-9一二三四五六七八九十]", "", marker.replace("是", "").replace("部分", ""))
    if not digits:
        return None
    if digits.isdigit():
        return int(digits)
    return enumerator_number(digits)


def find_candidates(text: str) -> list[Candidate]:
    """Every place a section could start, in text order, at most one per position."""
    blocks = toc_blocks(text)

    def in_toc(pos: int) -> bool:
        return any(a <= pos < b for a, b in blocks)

    found: dict[int, Candidate] = {}
    for m in _ENUM_RX.finditer(text):
        if in_toc(m.start()):
            continue
        kind = m.lastgroup
        value = ord(m.group()) - ord("①") + 1 if kind == "CIRCLED" else _value(kind, m.group())
        found.setdefault(m.start(), Candidate(m.start(), kind, m.end(), value))
    for a, b in line_spans(text):
        if in_toc(a):
            continue
        line = text[a:b]
        stripped = len(line) - len(line.lstrip())
        if lexicon_part(line):
            found[a + stripped] = Candidate(a + stripped, "LEXICON", b, forced=True)
        elif line.strip() and a + stripped not in found:
            found.setdefault(a + stripped, Candidate(a + stripped, "LINE", a + stripped))
    for a, end in blocks:
        # A table of contents is one OTHER section: headed by 目录 when the line before says
        # so, headless otherwise; whatever follows it starts afresh.
        prev = text[:a].rstrip().rsplit("\n", 1)[-1]
        if not lexicon_part(prev):
            found[a] = Candidate(a, "TOC", a, forced=True)
        nxt = [c for c in found.values() if c.pos >= end]
        if nxt:
            min(nxt, key=lambda c: c.pos).forced = True
    chrome = chrome_lines(text)
    for a, b in chrome:
        found[a] = Candidate(a, "CHROME", a, forced=True)
    for a, b in chrome:  # the line after chrome starts afresh (a title, a preamble)
        nxt = [c for c in found.values() if c.pos > b]
        if nxt:
            min(nxt, key=lambda c: c.pos).forced = True
    first_line = line_spans(text)[0] if text else (0, 0)
    m = _TITLE_END.search(text, first_line[0], min(first_line[1], 60))
    if m and m.end() < first_line[1] and m.end() not in found:
        found[m.end()] = Candidate(m.end(), "TITLE_END", m.end())
    cands = sorted(found.values(), key=lambda c: c.pos)
    if cands:  # the report's first visible character opens its first section
        cands[0].forced = True
    return cands


def heading_end(text: str, start: int, marker_end: int, run_on_chars: int) -> int:
    """Provisional end of a heading opening at `start`: the first 。/；/line end. A heading line
    is whole; a lead sentence longer than `run_on_chars` that runs on into its paragraph ends
    at its first comma, and so does a one-sentence item (the sentence ends its line) longer than
    twice that, which is a paragraph rather than a heading."""
    m = HEADING_STOP.search(text, marker_end)
    end = m.start() if m else len(text)
    if end < len(text) and text[end] != "\n":
        one_sentence = text[end + 1:end + 2] in ("\n", "")
        if end - start > (2 * run_on_chars if one_sentence else run_on_chars):
            comma = text.find(",", marker_end, end)
            if comma > marker_end:
                end = comma
    while end > start and text[end - 1].isspace():
        end -= 1
    return end

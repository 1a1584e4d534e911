"""The section tagger: split a report into sections and give each a part and a topic.

How it works, and why so (four gold reports to learn from, each fold three):

- **Normalised text in, original offsets out.** Everything is decided on the normaliser's
  simplified, width-folded text, so traditional reports and full-width enumerators look like
  the rest; sections are mapped back to the original, and the lines the normaliser dropped as
  web-site boilerplate become OTHER sections of their own. The result covers every original
  character exactly once, as the gold does.
- **Candidates by pattern, decisions learned.** The enumerators the reports use (`一、`,
  `(一)`, `1.`, `1、`, `(1)`, `①`, `一是`, `——`) are candidates where a heading can stand: at a
  line start, after a sentence end or a colon, right after a character the normaliser dropped
  as an OCR slip (`98.65%o二是…`, the o most likely a 。), or inside a heading just accepted
  (001 runs `二、…举措(一)…职能一是…` together on one line; the guidelines end such a heading
  where the next begins). Enumerators in running text (`第二、全球第七`, `统一、工作标准`,
  `手册(一)》`) are not asked about: no gold heading stands there, and three reports hold too
  few such look-alikes to learn them from. Every line start is a candidate too, and so is the
  end of a title run into the text. A log-linear classifier trained on the gold decides per
  candidate, left to right with what it has decided so far: no boundary, a section with a
  heading, or a headless section (a preamble after a title, a caption, the text after a
  caption). It reads the enumerator kind, what precedes and follows it, whether its number
  continues its level, quotes, the line's shape, and whether prose follows headless lines.
- **Front and back matter by definition.** Tables of contents (lines with dot leaders and
  page numbers) are no candidates and form one OTHER section, and the unnumbered headings the
  specification names (目录, 前言, 结束语, …) open sections whose part it fixes. Only one report
  has any of these, so a held-out fold could never learn them; they are layout facts.
- **Heading end by the guidelines' rule:** the first 。/；/line end or the next heading; a lead
  sentence longer than `run_on_chars` that runs on into its paragraph ends at its first comma
  (`二是继续加大对街乡的联合培训力度,…`), a one-sentence item only past twice that.
- **Part and topic learned over the structure.** Enumerator kinds get levels in order of
  first use (a stack), which gives each section a parent. Two more log-linear classifiers
  label the sections top-down. Besides label-specific features (a top-level heading's
  characters, a headless section's shape and first characters, the start of the body) they
  read *votes*: the parent's label, the previous section's, and the label the specification's
  keyword lists give the heading or the body, each with one weight shared by all labels. The
  gold thus learns how far to trust inheritance and keywords, and a vote carries over to
  labels a fold has few examples of (DIGITAL, SOCIETY). A sub-section's own words do not
  feed its part (a fold's sub-sections are mostly one report's ACHIEVEMENTS), except that a
  heading that is a part's name (`3.未来展望`) opens that part at any level. Parts without a
  topic get NONE.

The classifiers are small (sparse binary features, softmax), so a whole leave-one-report-out
evaluation trains in seconds; the training code is `training/sections.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fazhi.annotations.schema import DocAnnotation, Section
from fazhi.labels import PARTS, PARTS_WITH_TOPIC, TOPICS
from fazhi.normalize import Normalized, Normalizer, NormalizerConfig
from fazhi.text import SENTENCE_ENDS, enumerator_number, is_cjk

BOUNDARY_LABELS = ("O", "H", "S")  # no boundary, section with heading, headless section

_CN = "一二三四五六七八九十"
ENUMERATORS = {
    "CN_COMMA": rf"(?<![{_CN}])[{_CN}]{{1,3}}、",
    "CN_PAREN": rf"\([{_CN}]{{1,3}}\)",
    "AR_DOT": r"(?<![\d.])\d{1,2}\.(?!\d)",
    "AR_COMMA": r"(?<![\d.])\d{1,2}、",
    "AR_PAREN": r"\(\d{1,2}\)",
    "CIRCLED": r"[①-⑳]",
    "CN_SHI": rf"(?<![{_CN}])[{_CN}]{{1,3}}是",
    "DASH": r"-{2,}|—{1,2}",
}
_ENUM_RX = re.compile("|".join(f"(?P<{k}>{p})" for k, p in ENUMERATORS.items()))

# Unnumbered headings whose part the specification defines (front and back matter).
LEXICON_PARTS = {
    "目录": "OTHER", "目次": "OTHER", "前言": "PREAMBLE", "序言": "PREAMBLE", "引言": "PREAMBLE",
    "结束语": "OTHER", "结语": "OTHER", "后记": "OTHER", "附件": "OTHER", "附录": "OTHER",
}
# The specification's words for each part and its examples for each topic. The learned
# classifiers read their votes as features whose weight is shared by all labels ("=>LABEL|…"),
# so the gold decides how far to trust them, also for labels a fold has few examples of; the
# keyword-rules baseline (training/sections.py) applies them as they are.
PART_KEYWORDS = {
    "PROBLEMS": ("问题", "不足", "短板"),
    "LEADERSHIP": ("第一责任人",),
    "PLANS": ("安排", "展望", "计划", "下一步"),
    "ACHIEVEMENTS": ("主要举措", "成效", "专题报告"),
}
TOPIC_KEYWORDS = {
    "FUNCTIONS": ("职能", "放管服", "营商环境", "政务服务", "机构改革", "简政放权"),
    "RULES": ("立法", "规章", "规范性文件", "制度体系"),
    "DECISIONS": ("决策", "合法性审查", "合法性审核", "法律顾问"),
    "ENFORCEMENT": ("执法",),
    "EMERGENCY": ("突发事件", "疫情", "应急"),
    "DISPUTES": ("矛盾", "纠纷", "复议", "应诉", "调解", "信访"),
    "OVERSIGHT": ("监督", "审计", "政务公开", "督察", "制约"),
    "DIGITAL": ("数字", "科技", "信息化", "智慧"),
    "LEADERSHIP_ORG": ("党的领导", "统筹", "考核", "学法", "述法"),
    "SOCIETY": ("法治社会", "普法", "公共法律服务", "法律援助"),
}
# A part's name as the specification gives it: a heading that is nothing but such a name opens
# that part wherever it stands (a thematic report's `3.未来展望` starts PLANS one level down).
PART_NAMES = ("主要举措和成效", "存在问题和不足", "工作安排", "主要安排", "未来展望")
_TOC_ENTRY = re.compile(r"(?:\.{4,}|·{4,}|…{2,})\s*\d{1,4}\s*$")
_TITLE_END = re.compile(r"(?:报告|白皮书)")
_HEADING_STOP = re.compile(r"[。;；!?！？\n]")
_SENT_END = SENTENCE_ENDS
_OPENERS, _CLOSERS = "《「『“(", "》」』”)"


@dataclass
class Candidate:
    pos: int  # first character, normalised offsets
    kind: str  # an ENUMERATORS key, "LINE", "LEXICON" or "TITLE_END"
    marker_end: int  # end of the enumerator (= pos when there is none)
    value: int | None = None  # the enumerator's number
    forced: bool = False  # a boundary by definition (report start, lexicon heading, after a TOC)
    context: dict = field(default_factory=dict)  # facts the features were made from


@dataclass
class Node:
    """One predicted section on the normalised text."""

    start: int
    kind: str
    marker_end: int
    heading: tuple[int, int] | None
    parent: int | None
    front: bool  # before the first heading of the report
    value: int | None = None
    forced_part: str | None = None
    end: int = 0
    part: str = "NONE"
    topic: str = "NONE"


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def toc_blocks(text: str) -> list[tuple[int, int]]:
    """Runs of at least three contents entries (dot leaders, a page number), one wrapped line
    allowed between entries; (start of the first entry's line, end of the last one's)."""
    blocks, run, gap = [], [], 0
    for a, b in _lines(text):
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


def lexicon_part(line: str) -> str | None:
    return LEXICON_PARTS.get(re.sub(r"[\s:：]", "", line))


def keyword_label(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    """The label whose keyword occurs first in `text` (the longest keyword on a tie)."""
    hits = [(text.find(k), -len(k), label) for label, kws in table.items() for k in kws
            if k in text]
    return min(hits)[2] if hits else None


def keyword_majority(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    """The label whose keywords occur most often in `text` (the earliest on a tie)."""
    counts = {label: sum(text.count(k) for k in kws) for label, kws in table.items()}
    best = max(counts.values(), default=0)
    if not best:
        return None
    tied = [label for label, n in counts.items() if n == best]
    return keyword_label(text, {label: table[label] for label in tied})


def names_part(heading: str) -> bool:
    """The heading is a part's name, give or take a year, 法治政府建设, 的 and 与 for 和."""
    core = re.sub(r"\d{4}年|法治政府建设|的|\s", "", heading).replace("与", "和")
    return core in PART_NAMES


def _value(kind: str, marker: str) -> int | None:
    digits = re.sub(r"[^0-9一二三四五六七八九十]", "", marker.replace("是", ""))
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
    for a, b in _lines(text):
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
    first_line = _lines(text)[0] if text else (0, 0)
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
    m = _HEADING_STOP.search(text, marker_end)
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


# --- features --------------------------------------------------------------------------------

def _char_class(c: str) -> str:
    if c == "\n":
        return "NL"
    if c in _SENT_END:
        return "SENT"
    if c in ":：":
        return "COLON"
    if c in ",，、":
        return "COMMA"
    if c in _OPENERS:
        return "OPEN"
    if c in _CLOSERS:
        return "CLOSE"
    if c.isdigit() or c in "%.":
        return "NUM"
    if c in _CN:
        return "CNNUM"
    if c.isspace():
        return "SPACE"
    if is_cjk(c):
        return "CJK"
    return "OTHER"


def _bucket(n: int, edges=(2, 5, 10, 20, 40, 80)) -> str:
    return next((f"<={e}" for e in edges if n <= e), f">{edges[-1]}")


def _ngrams(text: str, prefix: str, n_max: int = 2) -> list[str]:
    chars = re.sub(r"\d+(?:\.\d+)?", "0", re.sub(r"[^\w]|_", "", text))
    feats = {f"{prefix}{chars[i:i + n]}" for n in range(1, n_max + 1)
             for i in range(len(chars) - n + 1)}
    return sorted(feats)


def _unbalanced_quote(text: str, line_start: int, pos: int) -> bool:
    seg = text[line_start:pos]
    return any(seg.count(o) > seg.count(c) for o, c in zip("《「『“", "》」』”"))


@dataclass
class _State:
    nodes: list[Node] = field(default_factory=list)
    stack: list[tuple[str, int]] = field(default_factory=list)  # (kind, node index)
    open_heading: tuple[int, int] | None = None  # (node index, provisional end)


def boundary_features(text: str, cand: Candidate, state: _State,
                      breaks: frozenset[int] = frozenset()) -> list[str]:
    """Features of one candidate given the decisions so far; `cand.context` gets the facts
    they were made from. `glued`: the candidate lies inside the provisional extent of the
    heading accepted last (a heading run into it); `breaks`: positions right after a character
    the normaliser dropped as an OCR slip (`98.65%o二是…`, the o most likely a 。)."""
    k, p = cand.kind, cand.pos
    line_start = text.rfind("\n", 0, p) + 1
    line_end = text.find("\n", p)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end]
    before = text[line_start:p]
    glued = bool(state.open_heading) and state.open_heading[1] > p > \
        state.nodes[state.open_heading[0]].marker_end
    if p == 0:
        left = "START"
    elif before.strip() == "":
        left = "NL"
    elif glued:
        left = "GLUED"
    elif p in breaks:
        left = "BREAK"
    else:
        left = _char_class(text[p - 1])
    unit_start = left in ("START", "NL", "SENT", "COLON", "BREAK") or glued
    follow = _char_class(text[cand.marker_end]) if cand.marker_end < len(text) else "END"
    stop = _HEADING_STOP.search(text, cand.marker_end)
    to_stop = _bucket((stop.start() if stop else len(text)) - p)
    front = not any(n.heading for n in state.nodes)
    f = [f"kind={k}", f"left={left}", f"kind={k}|left={left}", f"follow={follow}",
         f"kind={k}|follow={follow}", f"to_stop={to_stop}", f"kind={k}|to_stop={to_stop}",
         f"front={front}|kind={k}"]
    if not unit_start:
        f.append(f"lchar={text[p - 1]}")
    if _unbalanced_quote(text, line_start, p):
        f.append("in_quote")
    # numbering: does the number continue its level, or restart a new level at 1?
    if cand.value is not None:
        in_stack = [i for i, (kk, _) in enumerate(state.stack) if kk == k]
        if in_stack:
            last = state.nodes[state.stack[in_stack[-1]][1]].value
            seq = "next" if last is not None and cand.value == last + 1 else "jump"
        else:
            seq = "new_first" if cand.value == 1 else "new_other"
        f += [f"seq={seq}", f"kind={k}|seq={seq}"]
    elif k == "DASH":
        f.append(f"dash_level={'known' if any(kk == k for kk, _ in state.stack) else 'new'}")
    if k in ("LINE", "TITLE_END"):
        # Prose after plain lines opens a section when those lines are headless (a title, a
        # caption); inside a headed section it is just the next paragraph.
        prose = bool(re.search(r"[。;；,，]", text[p:line_end]))
        headless = bool(state.nodes) and state.nodes[-1].heading is None
        f += [f"front={front}|prose={prose}", f"in_headless={headless}|prose={prose}"]
    cand.context = {"left": left, "unit_start": unit_start, "front": front, "glued": glued,
                    "in_quote": "in_quote" in f}
    if left in ("START", "NL"):  # line shape
        stripped = line.strip()
        punct = bool(re.search(r"[。;；,，]", stripped))
        f += [f"line_len={_bucket(len(stripped))}", f"line_punct={punct}",
              f"line_end_sent={stripped[-1:] in _SENT_END}",
              f"kind={k}|short_plain={len(stripped) <= 40 and not punct}",
              f"front={front}|short_plain={len(stripped) <= 40 and not punct}"]
        prev_line = text[text.rfind("\n", 0, max(line_start - 1, 0)) + 1:max(line_start - 1, 0)]
        prev_plain = bool(prev_line.strip()) and not re.search(r"[。;；,，]", prev_line)
        f.append(f"kind={k}|prev_line_plain={prev_plain}")
        cand.context["prev_line_plain"] = prev_plain
        if k == "LINE":
            f.append(f"has_year={bool(re.search(r'[0-9]{4}', stripped))}")
            f += _ngrams(stripped[-4:], "line_tail:")
    return f


def allowed_boundaries(cand: Candidate) -> tuple[str, ...]:
    """An enumerator opens a section with a heading or nothing; a bare line or a title's end
    opens a headless section or nothing (unnumbered headings are the lexicon's)."""
    return ("O", "S") if cand.kind in ("LINE", "TITLE_END") else ("O", "H")


def segment(text: str, decide: Callable[[Candidate, list[str]], str],
            run_on_chars: int = 60, breaks: frozenset[int] = frozenset()) -> list[Node]:
    """Nodes (sections on the normalised text) from left-to-right candidate decisions.

    `decide(candidate, features)` returns a BOUNDARY_LABELS value; forced candidates become
    boundaries without asking (with a heading when they carry an enumerator or a lexicon word).
    An enumerator inside running text is no heading and is not asked about: every heading the
    guidelines know starts a line, follows a sentence end or a colon, or is run into a heading
    (`第二、全球第七`, `统一、工作标准`, `手册(一)》` are the look-alikes this rules out).
    """
    state = _State()
    for cand in find_candidates(text):
        feats = boundary_features(text, cand, state, breaks)
        if not (cand.forced or cand.context["unit_start"] or cand.kind == "TITLE_END"):
            continue
        if cand.forced:
            label = "H" if cand.kind not in ("LINE", "TITLE_END", "TOC") else "S"
        else:
            label = decide(cand, feats)
        if label == "O":
            continue
        if state.open_heading and state.open_heading[1] > cand.pos:
            idx, _ = state.open_heading  # a heading run into this one ends here
            hs, _ = state.nodes[idx].heading
            end = cand.pos
            while end > hs and text[end - 1].isspace():
                end -= 1
            state.nodes[idx].heading = (hs, end)
            state.open_heading = None
        front = not any(n.heading for n in state.nodes)
        if label == "S":
            parent = state.stack[-1][1] if state.stack else None
            state.nodes.append(Node(cand.pos, cand.kind, cand.pos, None, parent, front))
            state.open_heading = None
            continue
        end = heading_end(text, cand.pos, cand.marker_end, run_on_chars)
        if cand.kind == "LEXICON":
            state.stack = []
            end = max(cand.pos + 1, end)
        kinds = [k for k, _ in state.stack]
        if cand.kind in kinds:
            state.stack = state.stack[:kinds.index(cand.kind)]
        parent = state.stack[-1][1] if state.stack else None
        node = Node(cand.pos, cand.kind, cand.marker_end, (cand.pos, max(end, cand.pos + 1)),
                    parent, front, cand.value)
        if cand.kind == "LEXICON":
            node.forced_part = lexicon_part(text[cand.pos:cand.marker_end])
        state.nodes.append(node)
        if cand.kind != "LEXICON":  # front and back matter stand beside the numbered parts
            state.stack.append((cand.kind, len(state.nodes) - 1))
        state.open_heading = (len(state.nodes) - 1, end)
    for i, node in enumerate(state.nodes):
        node.end = state.nodes[i + 1].start if i + 1 < len(state.nodes) else len(text)
        if node.kind == "TOC":
            node.forced_part = "OTHER"
    return state.nodes


def _subtree_end(nodes: list[Node], i: int) -> int:
    end = nodes[i].end
    for j in range(i + 1, len(nodes)):
        anc, inside = nodes[j].parent, False
        while anc is not None:
            if anc == i:
                inside = True
                break
            anc = nodes[anc].parent
        if not inside:
            break
        end = nodes[j].end
    return end


def heading_text(text: str, node: Node) -> str:
    return text[node.marker_end:node.heading[1]] if node.heading else ""


def part_features(text: str, nodes: list[Node], i: int) -> list[str]:
    """A sub-section reads only its parent's and predecessor's parts and a keyword vote: its own
    words say little about the part (a fold's sub-sections are mostly one report's ACHIEVEMENTS,
    and class-specific words would learn that); top-level headings, headings that name a part
    and headless sections also read their characters."""
    node = nodes[i]
    parent = nodes[node.parent] if node.parent is not None else None
    prev = nodes[i - 1] if i else None
    scope = "headless" if node.heading is None else "top" if parent is None or names_part(
        heading_text(text, node)) else "sub"
    f = [f"scope={scope}"]
    if parent and scope != "top":
        f.append(f"=>{parent.part}|inherit_{scope}")
    if prev and scope != "top":  # a top-level heading opens a new part or goes on with one
        f.append(f"=>{prev.part}|previous_{scope}")
    if node.heading:
        h = heading_text(text, node)
        if scope == "top":
            f += [f"kind={node.kind}"] + _ngrams(h, "h:")
        voted = keyword_label(h, PART_KEYWORDS)
        if voted:
            f.append(f"=>{voted}|keyword_{scope}")
    else:
        body = text[node.start:node.end]
        first_line = body.split("\n", 1)[0].strip()
        plain = len(first_line) <= 40 and not re.search(r"[。;；,，]", first_line)
        after = bool(prev) and prev.heading is None
        f += [f"headless|front={node.front}|plain={plain}",
              f"headless|front={node.front}|after_headless={after}|plain={plain}"]
        f += _ngrams(first_line[:30], "b:")
    return f


def topic_features(text: str, nodes: list[Node], i: int, body_chars: int) -> list[str]:
    node = nodes[i]
    parent = nodes[node.parent] if node.parent is not None else None
    scope = "headless" if node.heading is None else "top" if parent is None else "sub"
    f = [f"part={node.part}", f"kind={node.kind}", f"scope={scope}"]
    if parent and parent.part in PARTS_WITH_TOPIC:
        # a parent that names a topic passes it on; a part heading (topic NONE) does not
        f.append(f"=>{parent.topic}|inherit" if parent.topic != "NONE" else "under_part_heading")
    if node.heading:
        h = heading_text(text, node)
        f += _ngrams(h, "h:")
        voted = keyword_label(h, TOPIC_KEYWORDS)
        if voted:
            f.append(f"=>{voted}|keyword_heading")
        body_start = node.heading[1]
    else:
        f.append("headless")
        body_start = node.start
    body = text[body_start:node.end]
    if len(body.strip()) < 20:  # a heading-only section: read its sub-sections
        body = text[body_start:_subtree_end(nodes, i)]
    f += _ngrams(body[:body_chars], "b:")
    voted = keyword_majority(body, TOPIC_KEYWORDS)
    if voted:
        f.append(f"=>{voted}|keyword_body")
    return f


def label_nodes(text: str, nodes: list[Node], decide_part: Callable[[Node, list[str]], str],
                decide_topic: Callable[[Node, list[str]], str], body_chars: int = 100) -> None:
    """Part, then topic, for each node top-down (a node's features read its parent's labels)."""
    for i, node in enumerate(nodes):
        node.part = node.forced_part or decide_part(node, part_features(text, nodes, i))
        if node.part in PARTS_WITH_TOPIC:
            node.topic = decide_topic(node, topic_features(text, nodes, i, body_chars))
        else:
            node.topic = "NONE"


# --- back to the original -------------------------------------------------------------------

def ocr_breaks(norm: Normalized) -> frozenset[int]:
    """Normalised positions right after a character the normaliser dropped as an OCR slip."""
    out = set()
    for _, b, reason in norm.removed:
        span = norm.to_normalized(b, len(norm.original)) if reason == "ocr" else None
        if span:
            out.add(span[0])
    return frozenset(out)


def to_original_sections(norm: Normalized, nodes: list[Node]) -> list[Section]:
    """Sections on original offsets covering every character once: each node runs to the next
    one; text the normaliser dropped as boilerplate is carved out as OTHER sections."""
    n = len(norm.original)
    secs: list[Section] = []
    for i, node in enumerate(nodes):
        start = 0 if i == 0 else norm.starts[node.start]
        end = n if i + 1 == len(nodes) else norm.starts[nodes[i + 1].start]
        heading = norm.to_original(*node.heading) if node.heading else None
        if end > start:
            secs.append(Section(start, end, node.part, node.topic, heading))
    if not secs:
        secs = [Section(0, n, "OTHER", "NONE")] if n else []
    for a, b, reason in norm.removed:
        if reason != "boilerplate":
            continue
        while a < b and norm.original[a].isspace():  # a line break before it stays with the text
            a += 1
        secs = _carve(secs, a, b)
    return _merge_other(secs)


def _carve(secs: list[Section], a: int, b: int) -> list[Section]:
    out = []
    for s in secs:
        if s.end <= a or s.start >= b:
            out.append(s)
            continue
        if s.start < a:
            h = s.heading if s.heading and s.heading[1] <= a else None
            out.append(Section(s.start, a, s.part, s.topic, h))
        out.append(Section(max(s.start, a), min(s.end, b), "OTHER", "NONE"))
        if s.end > b:
            h = s.heading if s.heading and s.heading[0] >= b else None
            out.append(Section(b, s.end, s.part, s.topic, h))
    return out


def _merge_other(secs: list[Section]) -> list[Section]:
    out: list[Section] = []
    for s in secs:
        prev = out[-1] if out else None
        if prev and prev.part == s.part == "OTHER" and prev.heading is None and s.heading is None:
            out[-1] = Section(prev.start, s.end, "OTHER", "NONE")
        else:
            out.append(s)
    return out


# --- the model ------------------------------------------------------------------------------

@dataclass
class LogLinear:
    """Softmax over sparse binary features. A feature `name` has a weight per class; a tied
    feature `=>LABEL|name` adds one weight, shared by all labels, to LABEL's score (a vote)."""

    classes: tuple[str, ...]
    vocab: dict[str, int]
    weights: np.ndarray  # (len(vocab), len(classes))
    bias: np.ndarray  # (len(classes),)
    tied: dict[str, int] = field(default_factory=dict)
    tied_weights: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def scores(self, feats: list[str]) -> np.ndarray:
        out = self.bias.copy()
        for f in set(feats):
            if f.startswith("=>"):
                label, _, name = f[2:].partition("|")
                if name in self.tied and label in self.classes:
                    out[self.classes.index(label)] += self.tied_weights[self.tied[name]]
            elif f in self.vocab:
                out += self.weights[self.vocab[f]]
        return out

    def best(self, feats: list[str], allowed: tuple[str, ...] | None = None) -> str:
        scores = self.scores(feats)
        if allowed is not None:
            scores = np.where([c in allowed for c in self.classes], scores, -np.inf)
        return self.classes[int(np.argmax(scores))]

    def to_json(self) -> dict:
        return {"classes": list(self.classes), "vocab": self.vocab,
                "weights": np.round(self.weights, 6).tolist(),
                "bias": np.round(self.bias, 6).tolist(), "tied": self.tied,
                "tied_weights": np.round(self.tied_weights, 6).tolist()}

    @classmethod
    def from_json(cls, obj: dict) -> LogLinear:
        classes = tuple(obj["classes"])
        return cls(classes, dict(obj["vocab"]),
                   np.asarray(obj["weights"], dtype=np.float64).reshape(len(obj["vocab"]),
                                                                        len(classes)),
                   np.asarray(obj["bias"], dtype=np.float64), dict(obj.get("tied", {})),
                   np.asarray(obj.get("tied_weights", []), dtype=np.float64))


@dataclass
class SectionTagger:
    """A trained section tagger: `predict(text)` gives sections on the text's own offsets."""

    boundary: LogLinear
    part: LogLinear
    topic: LogLinear
    run_on_chars: int = 60
    body_chars: int = 100
    normalizer_config: NormalizerConfig = field(default_factory=NormalizerConfig)

    def predict_nodes(self, text: str, breaks: frozenset[int] = frozenset()) -> list[Node]:
        nodes = segment(text, lambda c, f: self.boundary.best(f, allowed_boundaries(c)),
                        self.run_on_chars, breaks)
        label_nodes(text, nodes, lambda n, f: self.part.best(f),
                    lambda n, f: self.topic.best(f), self.body_chars)
        return nodes

    def predict_normalized(self, norm: Normalized) -> list[Section]:
        return to_original_sections(norm, self.predict_nodes(norm.text, ocr_breaks(norm)))

    def predict(self, text: str) -> list[Section]:
        """Sections of a report as written (original offsets, any script)."""
        return self.predict_normalized(Normalizer(self.normalizer_config)(text))

    def annotate(self, doc_id: str, text: str) -> DocAnnotation:
        return DocAnnotation(doc_id, sections=self.predict(text))

    def to_disk(self, path: str | Path) -> None:
        from fazhi.io import atomic_write_text

        path = Path(path)
        cfg = {"run_on_chars": self.run_on_chars, "body_chars": self.body_chars,
               "normalizer": {**self.normalizer_config.__dict__,
                              "boilerplate": list(self.normalizer_config.boilerplate)},
               "parts": list(PARTS), "topics": list(TOPICS)}
        atomic_write_text(path / "config.json", json.dumps(cfg, ensure_ascii=False, indent=1))
        for name in ("boundary", "part", "topic"):
            atomic_write_text(path / f"{name}.json",
                              json.dumps(getattr(self, name).to_json(), ensure_ascii=False))

    @classmethod
    def from_disk(cls, path: str | Path) -> SectionTagger:
        path = Path(path)
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
        models = {name: LogLinear.from_json(json.loads((path / f"{name}.json").read_text(
            encoding="utf-8"))) for name in ("boundary", "part", "topic")}
        return cls(**models, run_on_chars=cfg["run_on_chars"], body_chars=cfg["body_chars"],
                   normalizer_config=NormalizerConfig.from_dict(cfg["normalizer"]))

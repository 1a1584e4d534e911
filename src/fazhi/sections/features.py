"""Features of the three decisions: a candidate boundary, a section's part, its topic."""

from __future__ import annotations

import re

from fazhi.labels import PARTS_WITH_TOPIC
from fazhi.sections.candidates import CN_ENUM, HEADING_STOP, Candidate
from fazhi.sections.keywords import (
    PART_KEYWORDS,
    TOPIC_KEYWORDS,
    keyword_label,
    keyword_majority,
    names_part,
)
from fazhi.sections.nodes import DecoderState, Node, heading_text, subtree_end
from fazhi.text import SENTENCE_ENDS, is_cjk

_OPENERS, _CLOSERS = "《「『“(", "》」』”)"


def _char_class(c: str) -> str:
    if c == "\n":
        return "NL"
    if c in SENTENCE_ENDS:
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
    if c in CN_ENUM:
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


def boundary_features(text: str, cand: Candidate, state: DecoderState,
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
    stop = HEADING_STOP.search(text, cand.marker_end)
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
              f"line_end_sent={stripped[-1:] in SENTENCE_ENDS}",
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


def previous_sibling(nodes: list[Node], i: int) -> Node | None:
    """The section before node i at its own level (same parent), else the one just before.

    A thematic report's (二) follows the last item of (一)'s `3.未来展望` (PLANS): the node
    just before would vote PLANS, its sibling (一) votes the part both stand in. The written
    passages, whose sub-sections always have the part of the section before, taught that vote
    to outweigh inheritance until it was read from the sibling."""
    parent = nodes[i].parent
    for j in range(i - 1, -1, -1):
        if nodes[j].parent == parent:
            return nodes[j]
        if parent is not None and j == parent:
            break
    return nodes[i - 1] if i else None


def part_features(text: str, nodes: list[Node], i: int) -> list[str]:
    """A sub-section reads only its parent's and predecessor's parts and a keyword vote: its own
    words say little about the part (a fold's sub-sections are mostly one report's ACHIEVEMENTS,
    and class-specific words would learn that); top-level headings, headings that name a part
    and headless sections also read their characters."""
    node = nodes[i]
    parent = nodes[node.parent] if node.parent is not None else None
    prev = previous_sibling(nodes, i)
    scope = "headless" if node.heading is None else "top" if parent is None or names_part(
        heading_text(text, node)) else "sub"
    f = [f"scope={scope}"]
    if scope == "top" and node.kind != "LEXICON":
        # The order of the numbered parts is the reporting rules' (measures and results first):
        # a first part heading in words no training report used is still ACHIEVEMENTS.
        rank = sum(1 for n in nodes[:i] if n.parent is None and n.heading is not None
                   and n.kind not in ("LEXICON", "TOC"))
        f.append(f"top_rank={min(rank, 3)}")
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
        after = i > 0 and nodes[i - 1].heading is None
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
        body = text[body_start:subtree_end(nodes, i)]
    f += _ngrams(body[:body_chars], "b:")
    voted = keyword_majority(body, TOPIC_KEYWORDS)
    if voted:
        f.append(f"=>{voted}|keyword_body")
    return f

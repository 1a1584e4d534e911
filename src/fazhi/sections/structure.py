"""Decoding: left-to-right boundary decisions over the candidates, then part and topic per
section top-down, each with a decision function (a classifier, the gold, or fixed rules)."""

from __future__ import annotations

from collections.abc import Callable

from fazhi.labels import PARTS_WITH_TOPIC
from fazhi.sections.candidates import Candidate, find_candidates, heading_end
from fazhi.sections.features import boundary_features, part_features, topic_features
from fazhi.sections.keywords import lexicon_part
from fazhi.sections.nodes import DecoderState, Node

BOUNDARY_LABELS = ("O", "H", "S")  # no boundary, section with heading, headless section


def allowed_boundaries(cand: Candidate) -> tuple[str, ...]:
    """An enumerator opens a section with a heading or nothing; a bare line or a title's end
    opens a headless section or nothing (unnumbered headings are the lexicon's)."""
    return ("O", "S") if cand.kind in ("LINE", "TITLE_END") else ("O", "H")


def segment(text: str, decide: Callable[[Candidate, list[str]], str],
            run_on_chars: int = 32, breaks: frozenset[int] = frozenset()) -> list[Node]:
    """Nodes (sections on the normalised text) from left-to-right candidate decisions.

    `decide(candidate, features)` returns a BOUNDARY_LABELS value; forced candidates become
    boundaries without asking (with a heading when they carry an enumerator or a lexicon word).
    An enumerator inside running text is no heading and is not asked about: every heading the
    guidelines know starts a line, follows a sentence end or a colon, or is run into a heading
    (`第二、全球第七`, `统一、工作标准`, `手册(一)》` are the look-alikes this rules out).
    """
    state = DecoderState()
    for cand in find_candidates(text):
        feats = boundary_features(text, cand, state, breaks)
        if not (cand.forced or cand.context["unit_start"] or cand.kind == "TITLE_END"):
            continue
        if cand.forced:
            label = "H" if cand.kind not in ("LINE", "TITLE_END", "TOC", "CHROME") else "S"
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
        if node.kind in ("TOC", "CHROME"):
            node.forced_part = "OTHER"
    return state.nodes


def label_nodes(text: str, nodes: list[Node], decide_part: Callable[[Node, list[str]], str],
                decide_topic: Callable[[Node, list[str]], str], body_chars: int = 100) -> None:
    """Part, then topic, for each node top-down (a node's features read its parent's labels)."""
    for i, node in enumerate(nodes):
        node.part = node.forced_part or decide_part(node, part_features(text, nodes, i))
        if node.part in PARTS_WITH_TOPIC:
            node.topic = decide_topic(node, topic_features(text, nodes, i, body_chars))
        else:
            node.topic = "NONE"

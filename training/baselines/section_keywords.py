"""The section tagger's baseline: the same candidates with fixed decisions (every enumerator at
the start of a line or sentence, or run into a heading, is a heading) and part and topic from
the specification's keyword table."""

from __future__ import annotations

from fazhi.annotations.schema import Section
from fazhi.normalize import Normalized
from fazhi.sections import (
    PART_KEYWORDS,
    TOPIC_KEYWORDS,
    Candidate,
    Node,
    heading_text,
    keyword_label,
    label_nodes,
    ocr_breaks,
    segment,
    to_original_sections,
)


class KeywordSectionTagger:
    """Fixed rules on the same candidates: the baseline the learned tagger has to beat."""

    def __init__(self, run_on_chars: int = 32, body_chars: int = 100):
        self.run_on_chars, self.body_chars = run_on_chars, body_chars

    @staticmethod
    def _boundary(cand: Candidate, _feats) -> str:
        ctx = cand.context
        if cand.kind == "TITLE_END":
            return "S"
        if cand.kind == "LINE":  # a front-matter line after a short title line opens a section
            return "S" if ctx["front"] and ctx.get("prev_line_plain") else "O"
        return "H" if ctx["unit_start"] and not ctx["in_quote"] else "O"

    def predict_nodes(self, text: str, breaks: frozenset[int] = frozenset()) -> list[Node]:
        nodes = segment(text, self._boundary, self.run_on_chars, breaks)

        def part(node: Node, _feats) -> str:
            parent = nodes[node.parent] if node.parent is not None else None
            if node.heading:
                found = keyword_label(heading_text(text, node), PART_KEYWORDS)
                if found:
                    return found
                if parent:
                    return parent.part
                earlier = [n.part for n in nodes if n.start < node.start and n.heading
                           and n.parent is None and n.part in PART_KEYWORDS]
                return earlier[-1] if earlier else "ACHIEVEMENTS"
            if node.front:
                first_line = text[node.start:node.end].split("\n", 1)[0]
                short = len(first_line) <= 40 and "。" not in first_line
                return "TITLE" if short else "PREAMBLE"
            return parent.part if parent else "OTHER"

        def topic(node: Node, _feats) -> str:
            parent = nodes[node.parent] if node.parent is not None else None
            inherited = parent.topic if parent else "NONE"
            if node.heading:
                return keyword_label(heading_text(text, node), TOPIC_KEYWORDS) or inherited
            body = text[node.start:node.start + self.body_chars]
            return keyword_label(body, TOPIC_KEYWORDS) or inherited

        label_nodes(text, nodes, part, topic, self.body_chars)
        return nodes

    def predict_normalized(self, norm: Normalized) -> list[Section]:
        return to_original_sections(norm, self.predict_nodes(norm.text, ocr_breaks(norm)))

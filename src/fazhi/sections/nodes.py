"""Predicted sections on the normalised text (nodes), and the decoder's state."""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass
class DecoderState:
    nodes: list[Node] = field(default_factory=list)
    stack: list[tuple[str, int]] = field(default_factory=list)  # (kind, node index)
    open_heading: tuple[int, int] | None = None  # (node index, provisional end)


def subtree_end(nodes: list[Node], i: int) -> int:
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

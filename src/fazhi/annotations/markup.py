"""Inline review markup: the gold as text a person can read and edit.

    {PREAMBLE NONE}2022年,[ORG 区委]、[ORG 区政府]坚持……
    {ACHIEVEMENTS FUNCTIONS}{H}(一)依法全面履行政府职能{/H}一是……精简行政许可事项[INDICATOR 140项]

- `[LABEL text]` marks an entity.
- `{PART TOPIC}` opens a section at that point; it runs to the next `{…}` or the end.
- `{H}` … `{/H}` marks the heading of the section it stands in.
- `{S}` … `{/S}` marks an indicator's subject, the counted noun (`办理{S}行政复议案件{/S}[INDICATOR 319件]`);
  it belongs to an INDICATOR of its sentence, the nearest in its own clause first
  (`fazhi.annotations.synthetic.link_subjects`).
- `\\[`, `\\]`, `\\{`, `\\}`, `\\\\` stand for those characters in the report itself.

`render` writes a report's gold in this form and `parse` reads it back; `parse` checks
that removing the markup gives the original text exactly, so an edit cannot move an offset.
"""

from __future__ import annotations

import re
from pathlib import Path

from fazhi.annotations.schema import DocAnnotation, Entity, Section
from fazhi.labels import ENTITY_LABELS, PARTS, TOPICS

_ESCAPABLE = "[]{}\\"
_TOKEN = re.compile(
    r"\\(?P<esc>[\[\]{}\\])"
    r"|\[(?P<label>[A-Z_]+) "
    r"|(?P<close>\])"
    r"|\{(?P<mopen>[HS])\}|\{/(?P<mclose>[HS])\}"
    r"|\{(?P<part>[A-Z_]+) (?P<topic>[A-Z_]+)\}"
)


class MarkupError(ValueError):
    pass


def _escape(s: str) -> str:
    return "".join("\\" + c if c in _ESCAPABLE else c for c in s)


def render(text: str, ann: DocAnnotation) -> str:
    """The report text with the annotation written inline."""
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for s in ann.sections:
        opens.setdefault(s.start, []).append(f"{{{s.part} {s.topic}}}")
        if s.heading:
            opens.setdefault(s.heading[0], []).append("{H}")
            closes.setdefault(s.heading[1], []).append("{/H}")
    for e in ann.entities:
        opens.setdefault(e.start, []).append(f"[{e.label} ")
        closes.setdefault(e.end, []).append("]")
    out = []
    for i in range(len(text) + 1):
        # At one offset: close what ends here, then open sections, headings, entities.
        out.extend(closes.get(i, []))
        out.extend(opens.get(i, []))
        if i < len(text):
            out.append(_escape(text[i]))
    return "".join(out)


def parse(marked: str, doc_id: str = "", original: str | None = None,
          offset: int = 0) -> tuple[str, DocAnnotation]:
    """Read markup back into (plain text, annotation).

    With `original`, the plain text must equal `original[offset:offset+len]`; the first
    difference is reported with its position so that a slip while editing is easy to find.
    Offsets in the result are shifted by `offset` (for marking up a chunk of a report).
    """
    plain: list[str] = []
    entities: list[Entity] = []
    sections: list[tuple[int, str, str]] = []
    headings: list[tuple[int, int]] = []
    subjects: list[tuple[int, int]] = []
    marked_spans = {"H": headings, "S": subjects}
    marks: dict[str, int] = {}  # open {H} / {S}: where it opened
    open_ent: tuple[int, str] | None = None
    pos = 0
    n = 0  # characters of plain text so far

    def where() -> str:
        return f"markup char {pos} (text offset {offset + n}): …{marked[max(0, pos - 15):pos + 15]}…"

    for m in _TOKEN.finditer(marked):
        chunk = marked[pos:m.start()]
        plain.append(chunk)
        n += len(chunk)
        pos = m.start()
        if m.group("esc"):
            plain.append(m.group("esc"))
            n += 1
        elif m.group("label"):
            if m.group("label") not in ENTITY_LABELS:
                raise MarkupError(f"unknown label {m.group('label')!r} at {where()}")
            if open_ent:
                raise MarkupError(f"entity opened inside another at {where()}")
            open_ent = (n, m.group("label"))
        elif m.group("close"):
            if not open_ent:
                raise MarkupError(f"']' without an open entity at {where()}")
            start, label = open_ent
            entities.append(Entity(offset + start, offset + n, label, "".join(plain)[start:n]))
            open_ent = None
        elif kind := m.group("mopen"):  # {H} a heading, {S} an indicator's subject
            if kind in marks:
                raise MarkupError(f"{{{kind}}} opened twice at {where()}")
            marks[kind] = n
        elif kind := m.group("mclose"):
            if kind not in marks:
                raise MarkupError(f"{{/{kind}}} without {{{kind}}} at {where()}")
            marked_spans[kind].append((offset + marks.pop(kind), offset + n))
        else:
            part, topic = m.group("part"), m.group("topic")
            if part not in PARTS or topic not in TOPICS:
                raise MarkupError(f"unknown part/topic {part} {topic} at {where()}")
            if open_ent:
                raise MarkupError(f"section starts inside an entity at {where()}")
            sections.append((offset + n, part, topic))
        pos = m.end()
    plain.append(marked[pos:])
    if open_ent or marks:
        raise MarkupError("markup ends inside an entity, heading or subject")
    text = "".join(plain)
    if original is not None:
        expected = original[offset:offset + len(text)]
        if text != expected or offset + len(text) > len(original):
            i = next((k for k, (a, b) in enumerate(zip(text, expected)) if a != b),
                     min(len(text), len(expected)))
            raise MarkupError(
                f"text differs from the original at offset {offset + i}: "
                f"markup has {text[max(0, i - 10):i + 10]!r}, "
                f"original has {expected[max(0, i - 10):i + 10]!r}"
            )
    end = offset + len(text)
    secs = []
    for k, (start, part, topic) in enumerate(sections):
        stop = sections[k + 1][0] if k + 1 < len(sections) else end
        head = next((h for h in headings if start <= h[0] < stop), None)
        secs.append(Section(start, stop, part, topic, head))
    placed = {h for s in secs if s.heading for h in [s.heading]}
    for h in headings:
        if h not in placed:
            raise MarkupError(f"heading at {h} is outside any section or a second one in its section")
    return text, DocAnnotation(doc_id, entities, secs, subjects)


def move_subjects(marked: str, remove: list[tuple[int, int]],
                  add: list[tuple[int, int]]) -> str:
    """The markup with the `{S}` subjects at plain-text spans `remove` taken out and new ones
    at `add` written in; every other mark stays byte for byte. A new subject that starts at
    an entity's start or ends at its end is written outside the entity's brackets
    (`{S}[ORG 省政府]规章{/S}`), as an annotator would write it. The result is parsed back:
    subjects that overlap (which the markup cannot hold) are a MarkupError."""
    removing = set(remove)
    opened: tuple[int, int] | None = None  # the open {S}: plain offset, markup position
    edits: list[tuple[int, int, str]] = []  # (markup start, markup end, replacement)
    # Markup positions where each plain offset begins / ends, stretched over entity marks.
    open_at: dict[int, int] = {}
    close_at: dict[int, int] = {}
    n = 0
    pos = 0
    for m in _TOKEN.finditer(marked):
        for k in range(pos, m.start()):  # plain characters before the token
            open_at.setdefault(n, k)
            n += 1
            close_at[n] = k + 1
        if m.group("esc"):
            open_at.setdefault(n, m.start())
            n += 1
            close_at[n] = m.end()
        elif m.group("label"):
            open_at.setdefault(n, m.start())
        elif m.group("close"):
            close_at[n] = m.end()
        elif m.group("mopen") == "S":
            opened = (n, m.start())
        elif m.group("mclose") == "S":
            if opened is not None and (opened[0], n) in removing:
                edits.append((opened[1], opened[1] + len("{S}"), ""))
                edits.append((m.start(), m.end(), ""))
                removing.discard((opened[0], n))
            opened = None
        pos = m.end()
    for k in range(pos, len(marked)):
        open_at.setdefault(n, k)
        n += 1
        close_at[n] = k + 1
    if removing:
        raise MarkupError(f"no subject at {sorted(removing)} to remove")
    for s, e in add:
        if s not in open_at or e not in close_at or not s < e:
            raise MarkupError(f"subject {s}-{e} is outside the text")
        edits.append((open_at[s], open_at[s], "{S}"))
        edits.append((close_at[e], close_at[e], "{/S}"))
    out = marked
    # From the end, so earlier positions stay valid. At one position: the deletion (which
    # starts there) first, then the new open, then the new close, which so lands before it.
    rank = {"": 0, "{S}": 1, "{/S}": 2}
    for a, b, rep in sorted(edits, key=lambda x: (-x[0], rank[x[2]])):
        out = out[:a] + rep + out[b:]
    expected = sorted((set(parse(marked)[1].subjects) - set(remove)) | set(add))
    if sorted(parse(out)[1].subjects) != expected:
        raise MarkupError(f"subjects {sorted(add)} cannot be written beside the others")
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m fazhi.annotations.markup ORIGINAL MARKED [OFFSET]`: check a marked-up file."""
    import sys
    from collections import Counter

    args = argv if argv is not None else sys.argv[1:]
    if len(args) not in (2, 3):
        print("usage: python -m fazhi.annotations.markup ORIGINAL.txt MARKED.txt [OFFSET]")
        return 2
    original = Path(args[0]).read_text(encoding="utf-8")
    marked = Path(args[1]).read_text(encoding="utf-8")
    offset = int(args[2]) if len(args) == 3 else 0
    try:
        text, ann = parse(marked, original=original, offset=offset)
    except MarkupError as err:
        print(f"{args[1]}: {err}")
        return 1
    print(f"OK: {len(text)} characters, {len(ann.sections)} sections, "
          f"entities {dict(Counter(e.label for e in ann.entities))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

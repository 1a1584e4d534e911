"""Custom attributes the components set, registered once on import."""

from __future__ import annotations

import bisect

from spacy.tokens import Doc, Span


def _section(span: Span) -> Span | None:
    """The section span whose extent contains an entity's first character."""
    sections = span.doc.spans.get("sections")
    if not sections:
        return None
    starts = [section_extent(s)[0] for s in sections]
    i = bisect.bisect_right(starts, span.start_char) - 1
    return sections[i] if i >= 0 and span.start_char < section_extent(sections[i])[1] else None


def section_extent(span: Span) -> tuple[int, int]:
    """A section's characters, whitespace at its edges included (`span._.extent`): the
    extents of a Doc's sections tile its text, as the specification wants. The span itself
    cannot always say so: spaCy spans are whole tokens, and a space after a token is that
    token's trailing whitespace, in no span's edges."""
    return span._.extent or (span.start_char, span.end_char)


def register() -> None:
    # force=False keeps an existing registration: every component module calls this.
    if not Doc.has_extension("normalized"):
        Doc.set_extension("normalized", default=None)  # fazhi.normalize.Normalized
    if not Doc.has_extension("document"):
        Doc.set_extension("document", default=None)  # fazhi.document.extract's dict
    for name in ("topic", "heading", "value", "normalized", "extent"):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)
    if not Span.has_extension("section"):
        Span.set_extension("section", getter=_section)


register()

"""Custom attributes the components set, registered once on import."""

from __future__ import annotations

import bisect

from spacy.tokens import Doc, Span


def _section(span: Span) -> Span | None:
    """The section span containing an entity's first character."""
    sections = span.doc.spans.get("sections")
    if not sections:
        return None
    starts = [s.start_char for s in sections]
    i = bisect.bisect_right(starts, span.start_char) - 1
    return sections[i] if i >= 0 and span.start_char < sections[i].end_char else None


def register() -> None:
    # force=False keeps an existing registration: every component module calls this.
    if not Doc.has_extension("normalized"):
        Doc.set_extension("normalized", default=None)  # fazhi.normalize.Normalized
    if not Doc.has_extension("document"):
        Doc.set_extension("document", default=None)  # fazhi.document.extract's dict
    for name in ("topic", "heading", "value", "normalized"):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)
    if not Span.has_extension("section"):
        Span.set_extension("section", getter=_section)


register()

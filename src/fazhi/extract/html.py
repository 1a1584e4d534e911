"""A web page's main text: trafilatura drops navigation, banners, sidebars and footers and
keeps the headings, paragraphs and tables of the article, one per line."""

from __future__ import annotations

import re

from fazhi.io import InputError

# A page whose main text is shorter than this (characters other than spaces) has none: what
# trafilatura falls back to on such a page is a menu or a footer.
MIN_MAIN_CHARS = 20

_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def html_text(data: bytes, name: str) -> tuple[str, str]:
    """(main text, encoding) of a page's bytes, or InputError naming the page."""
    import trafilatura

    from fazhi.extract.encoding import decode

    declared = _CHARSET.search(data[:4096])
    page, encoding = decode(data, name, declared.group(1).decode("ascii") if declared else None)
    try:
        text = trafilatura.extract(page, include_tables=True, include_comments=False,
                                   include_images=False, include_links=False) or ""
    except Exception as err:  # lxml's parser errors have no common base class
        raise InputError(f"{name}: not a readable web page ({type(err).__name__})") from err
    lines = [line.strip() for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    if sum(not c.isspace() for c in text) < MIN_MAIN_CHARS:
        raise InputError(f"{name}: no main text in this web page (only navigation, banners "
                         "or footers were found)")
    return text + "\n", encoding

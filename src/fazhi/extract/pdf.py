"""A PDF's text layer as the report's text: pdfplumber gives each page's lines with their
positions, and from those positions the page furniture is removed and the paragraphs are
put back together.

- Running headers and footers: among the first two and the last two lines of a page, a
  line that (its digits aside) is also among those of at least half of the pages; page
  numbers (`- 3 -`, `第3页`, `3/12`, `3`) there.
- Paragraphs: a PDF breaks a paragraph into lines where the page ends, not where the text
  does. A line that reaches the right edge of the text continues on the next line (on the
  next page too) unless the next line is indented, which is how a Chinese paragraph starts;
  a line that stops short ends its paragraph. Joined lines meet without a space, except
  between two Latin words; a word hyphenated across the break is rejoined.
- A PDF without a text layer (a scan) is refused: it needs OCR first.
"""

from __future__ import annotations

import io
import re
import statistics

from fazhi.io import InputError, log
from fazhi.text import CJK

# Fewer characters than this in the whole text layer: a scan (a stamp or a page number may
# still be text).
MIN_TEXT_CHARS = 20

_PAGE_NUMBER = re.compile(r"[-—–\s]*(第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?|\d+(\s*/\s*\d+)?"
                          r"|[ivxlc]+)[-—–\s]*", re.IGNORECASE)
_WIDE = f"{CJK}\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2026\u2014"
# pdfplumber puts a space where two characters lie farther apart than its tolerance, as
# justified Chinese lines spread theirs; Chinese puts no space between such characters.
_SPREAD = re.compile(f"(?<=[{_WIDE}]) +(?=[{_WIDE}])")


def pdf_text(data: bytes, name: str) -> str:
    """The text of a PDF file's bytes, or InputError naming the file."""
    pages = _page_lines(data, name)
    if sum(len(line["text"]) for page in pages for line in page) < MIN_TEXT_CHARS:
        raise InputError(f"{name}: a PDF without a text layer (a scan?); "
                         "run OCR on it first")
    pages = _without_furniture(pages)
    text = "\n".join(_paragraphs(pages))
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise InputError(f"{name}: no text in this PDF beyond running headers and page numbers")
    return text + "\n"


def _page_lines(data: bytes, name: str) -> list[list[dict]]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages, pictures = [], []
            for number, page in enumerate(pdf.pages, 1):
                lines = [{**line, "text": _SPREAD.sub("", line["text"])}
                         for line in page.extract_text_lines(strip=True, return_chars=False)
                         if line["text"].strip()]
                if not lines and page.images:
                    pictures.append(number)
                pages.append(lines)
    except PDFPasswordIncorrect:
        raise InputError(f"{name}: an encrypted PDF that needs a password") from None
    except Exception as err:
        # pdfplumber wraps pdfminer's errors; a password error is still one underneath
        if isinstance(err.__cause__ or err.__context__, PDFPasswordIncorrect) or \
                "PDFPasswordIncorrect" in repr(err):
            raise InputError(f"{name}: an encrypted PDF that needs a password") from err
        raise InputError(f"{name}: damaged PDF ({type(err).__name__})") from err
    if pictures and len(pictures) < len(pages):
        log.warning("%s: page(s) %s are pictures without a text layer (scanned?); their text "
                    "is missing", name, ", ".join(map(str, pictures)))
    return pages


def _key(text: str) -> str:
    """A header or footer line with its page number (any digits) left out."""
    return re.sub(r"\d+", "#", text.replace(" ", ""))


def _without_furniture(pages: list[list[dict]]) -> list[list[dict]]:
    """The pages without running headers, footers and page numbers."""
    from collections import Counter

    edges = Counter()
    for page in pages:
        edges.update({_key(line["text"]) for line in page[:2] + page[-2:]})
    running = {k for k, n in edges.items() if len(pages) >= 2 and n >= max(2, len(pages) / 2)}

    def trim(lines: list[dict]) -> list[dict]:
        """Drop furniture from the start of `lines`: at most two lines, each running
        header once (a title that repeats the header stays)."""
        used = set()
        for _ in range(2):
            if not lines:
                break
            key = _key(lines[0]["text"])
            if key in running and key not in used:
                used.add(key)
            elif not _PAGE_NUMBER.fullmatch(lines[0]["text"]):
                break
            lines = lines[1:]
        return lines

    return [trim(trim(page)[::-1])[::-1] for page in pages]


def _paragraphs(pages: list[list[dict]]) -> list[str]:
    """Lines joined into paragraphs across line and page breaks. The text block's edges are
    the document's (the median over its pages), so that a last page of short lines is not
    taken for a narrow block of full ones."""
    full = [page for page in pages if len(page) >= 3] or [page for page in pages if page]
    if not full:
        return []
    left = statistics.median(min(line["x0"] for line in page) for page in full)
    right = statistics.median(max(line["x1"] for line in page) for page in full)
    size = statistics.median(line["bottom"] - line["top"] for page in full for line in page)
    paragraphs: list[str] = []
    continues = False  # the previous line reached the right edge
    for line in (line for page in pages for line in page):
        indented = line["x0"] > left + size
        if continues and not indented:
            paragraphs[-1] = _join(paragraphs[-1], line["text"])
        else:
            paragraphs.append(line["text"])
        # within about one character of the right edge: a line the page broke
        continues = line["x1"] >= right - 1.5 * size
    return paragraphs


def _join(before: str, after: str) -> str:
    if re.search(r"[A-Za-z]-$", before) and after[:1].islower():
        return before[:-1] + after  # a hyphenated word
    if re.search(r"[A-Za-z][A-Za-z0-9]*$", before) and re.match(r"[A-Za-z0-9]", after):
        return before + " " + after  # two words (a number broken in two is one number)
    return before + after

"""A report file's plain text, whatever it was published as: `.txt`, a web page
(`.html`/`.htm`), a Word document (`.docx`) or a PDF with a text layer.

`extract(path, data)` is the one entry point: it returns the text every offset of the
record refers to, the encoding it was decoded from (None for .docx and .pdf, whose text
comes from the document's structure, not from a byte encoding), and the format; any problem
is an InputError with one line naming the file.

The format comes from the file's extension and must agree with its content (the first
bytes): a PDF named .txt, a web page named .txt or a text file named .pdf is refused with
what it really is, rather than tagged as markup or refused as "binary".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fazhi.io import InputError

# Extension → format. Anything else named on the command line is read as text.
FORMATS = {".txt": "text", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}
SUPPORTED = tuple(FORMATS)

_MARKUP = re.compile(rb"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b",
                     re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Extracted:
    text: str
    encoding: str | None
    format: str


def format_of(path: str | Path) -> str:
    return FORMATS.get(Path(path).suffix.lower(), "text")


def extract(path: str | Path, data: bytes) -> Extracted:
    """The plain text of a report file's bytes, or InputError naming the file."""
    from fazhi.extract.encoding import decode

    name = str(path)
    if not data:
        raise InputError(f"{name}: empty file")
    fmt = format_of(path)
    found = content_kind(data)
    if found not in _ACCEPTS[fmt]:
        suffix = Path(path).suffix or "(no extension)"
        what = _DESCRIBED.get(found) or _NOT[fmt]
        raise InputError(f"{name}: named {suffix} but is {what}{_RENAME.get(found, '')}")
    if fmt == "text":
        text, encoding = decode(data, name)
        return Extracted(text, encoding, "text")
    if fmt == "html":
        from fazhi.extract.html import html_text

        text, encoding = html_text(data, name)
        return Extracted(text, encoding, "html")
    if fmt == "docx":
        from fazhi.extract.docx import docx_text

        return Extracted(docx_text(data, name), None, "docx")
    from fazhi.extract.pdf import pdf_text

    return Extracted(pdf_text(data, name), None, "pdf")


def content_kind(data: bytes) -> str:
    """What the first bytes say a file is: pdf, zip (a .docx is one), ole (an Office
    97-2003 file: .doc, .xls), html, or text (anything else, binary included: the decoder
    says which)."""
    head = data[:1024]
    if b"%PDF-" in head:  # the header may follow a few bytes of junk
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if _MARKUP.match(_ascii_view(head)):
        return "html"
    return "text"


def _ascii_view(head: bytes) -> bytes:
    """The head without a byte-order mark and, for UTF-16/32, without its NUL bytes, so that
    markup is seen in any encoding."""
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe",
                b"\xfe\xff"):
        if head.startswith(bom):
            return head[len(bom):].replace(b"\x00", b"")
    return head


# Which content each format accepts. A web page saved as "text" is still a page: its markup
# would be tagged as words, so it is refused with the extension to use.
_ACCEPTS = {"text": {"text"}, "html": {"html", "text"}, "docx": {"zip"}, "pdf": {"pdf"}}
_DESCRIBED = {"pdf": "a PDF file", "zip": "a zip archive (a .docx is one)",
              "ole": "an Office 97-2003 file (.doc, .xls)", "html": "a web page (HTML)"}
_NOT = {"docx": "not a Word document (not a zip archive)",
        "pdf": "not a PDF (no %PDF- header)"}
_RENAME = {"pdf": "; rename it .pdf", "zip": "; if it is a Word document, rename it .docx",
           "ole": "; save it as .docx or PDF", "html": "; rename it .html"}

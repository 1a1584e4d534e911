"""A Word document's text with python-docx: the body's paragraphs and tables in reading
order, one paragraph per line and one table row per line (cells separated by tabs).
Headers, footers and comments are not part of the body and are left out."""

from __future__ import annotations

import io

from fazhi.io import InputError


def docx_text(data: bytes, name: str) -> str:
    """The text of a .docx file's bytes, or InputError naming the file."""
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{name}: damaged .docx (not a whole zip archive; "
                         "truncated or corrupt)") from None
    except (PackageNotFoundError, KeyError, ValueError):
        raise InputError(f"{name}: a zip archive but not a Word document") from None
    except Exception as err:  # malformed XML inside the archive
        raise InputError(f"{name}: damaged .docx ({type(err).__name__})") from err
    lines = list(_lines(document))
    text = "\n".join(line for line in lines if line.strip())
    if not text.strip():
        raise InputError(f"{name}: a Word document with no text")
    return text + "\n"


def _lines(container):
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _table_rows(block)
        else:
            yield block.text.strip()


def _table_rows(table):
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            # a merged cell is returned once for each grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(line for line in _lines(cell) if line))
        yield "\t".join(cells).strip()

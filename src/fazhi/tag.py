"""Tagging reports from disk: find the files, read each one safely, run the pipeline over
all of them in batches, and turn each Doc into a plain record (see `record`).

A bad input file costs one line naming it and its problem; the other files are still tagged.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fazhi.io import InputError, read_report
from fazhi.normalize import is_traditional

# spaCy's own default nlp.max_length. A report runs to tens of thousands of characters; a
# file far beyond this is a concatenation or not a report, and would only exhaust memory.
MAX_CHARS = 1_000_000
# Bytes per character in the worst encoding (UTF-8): bigger files are refused unread.
_MAX_BYTES_PER_CHAR = 4


@dataclass
class Report:
    path: Path
    text: str
    encoding: str


@dataclass
class TagResult:
    reports: list[tuple[dict, str]] = field(default_factory=list)  # (record, original text)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        labels = Counter(e["label"] for rec, _ in self.reports for e in rec["entities"])
        chars = sum(rec["chars"] for rec, _ in self.reports)
        n_sec = sum(len(rec["sections"]) for rec, _ in self.reports)
        rate = f", {chars / self.seconds:,.0f} chars/s" if chars else ""
        per_label = ", ".join(f"{lab} {n}" for lab, n in sorted(labels.items()))
        return (f"tagged {len(self.reports)} report(s), {chars:,} characters in "
                f"{self.seconds:.1f} s{rate}; {len(self.errors)} failed\n"
                f"entities: {sum(labels.values())} ({per_label or 'none'}); sections: {n_sec}")


def find_reports(paths: Iterable[str | Path], pattern: str = "*.txt",
                 errors: list[str] | None = None) -> list[Path]:
    """Files named directly, and the files matching `pattern` anywhere under named folders
    (a folder of reports also holds notes and indexes, which are not reports)."""
    errors = [] if errors is None else errors
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob(pattern)
                           if f.is_file() and not any(part.startswith(".") for part in
                                                      f.relative_to(p).parts))
            if not found:
                errors.append(f"{p}: no {pattern} files in this folder")
            files += found
        elif p.exists():
            files.append(p)
        else:
            errors.append(f"{p}: no such file or folder")
    return files


def read(path: Path, max_chars: int = MAX_CHARS) -> Report:
    """A report read and checked, or InputError with a one-line message."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    if size > max_chars * _MAX_BYTES_PER_CHAR:
        raise InputError(f"{path}: {_size(size)} is too large for one report "
                         f"(limit {max_chars:,} characters; split it or raise --max-chars)")
    text, encoding = read_report(path)
    if len(text) > max_chars:
        raise InputError(f"{path}: {len(text):,} characters is too long for one report "
                         f"(limit {max_chars:,}; split it or raise --max-chars)")
    if not text.strip():
        raise InputError(f"{path}: only whitespace, no text")
    return Report(path, text, encoding)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB" if n >= 1e3 else f"{n} bytes"


def record(doc, report: Report) -> dict:
    """A JSON-ready record of a tagged report; every offset is into the file's text."""
    sections = list(doc.spans.get("sections", []))
    index = {(s.start_char, s.end_char): i for i, s in enumerate(sections)}
    text = report.text

    def heading(span):
        if span._.heading is None:
            return None
        a, b = span._.heading
        return {"start": a, "end": b, "text": text[a:b]}

    def section_of(ent):
        sec = ent._.section
        return None if sec is None else index[(sec.start_char, sec.end_char)]

    return {
        "file": str(report.path),
        "doc_id": report.path.stem,
        "encoding": report.encoding,
        "script": "traditional" if is_traditional(text) else "simplified",
        "chars": len(text),
        "sections": [
            {"index": i, "start": s.start_char, "end": s.end_char, "part": s.label_,
             "topic": s._.topic, "heading": heading(s)}
            for i, s in enumerate(sections)
        ],
        "entities": [
            {"start": e.start_char, "end": e.end_char, "label": e.label_, "text": e.text,
             "normalized": e._.normalized, "value": e._.value, "section": section_of(e),
             "sentence": {"start": e.sent.start_char, "end": e.sent.end_char}}
            for e in doc.ents
        ],
    }


def tag(paths: Iterable[str | Path], nlp, max_chars: int = MAX_CHARS, pattern: str = "*.txt",
        batch_size: int = 8, progress: bool | None = None) -> TagResult:
    """Tag every report under `paths`. Each bad file's one-line message goes to stderr as it
    is found and into the result's `errors`. `progress=None` shows the bar on a terminal."""
    import sys

    from tqdm import tqdm

    result = TagResult()
    files = find_reports(paths, pattern, result.errors)
    for err in result.errors:
        print(err, file=sys.stderr)
    bar = tqdm(total=len(files), unit="report", desc="tagging",
               disable=None if progress is None else not progress)
    nlp.max_length = max(nlp.max_length, max_chars)

    def good() -> Iterator[tuple[str, Report]]:
        for path in files:
            try:
                rep = read(path, max_chars)
            except InputError as err:
                result.errors.append(str(err))
                bar.write(str(err), file=sys.stderr)
                bar.update()
                continue
            yield rep.text, rep

    start = time.perf_counter()
    for doc, rep in nlp.pipe(good(), as_tuples=True, batch_size=batch_size):
        result.reports.append((record(doc, rep), rep.text))
        bar.update()
    result.seconds = time.perf_counter() - start
    bar.close()
    return result

"""Tagging reports from disk: find the files, read each one safely, run the pipeline over
all of them in batches, and turn each Doc into a plain record (see `record`) that is handed
to a sink (the output writers) as soon as its report is done, so nothing accumulates.

A bad input file costs one line naming it and its problem; the other files are still tagged.
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fazhi.extract import SUPPORTED, format_of
from fazhi.io import InputError, deferred_interrupt, read_bytes, read_document
from fazhi.normalize import is_traditional

# spaCy's own default nlp.max_length. A report runs to tens of thousands of characters; a
# file far beyond this is a concatenation or not a report, and would only exhaust memory.
MAX_CHARS = 1_000_000
# Bytes per character in the worst encoding (UTF-8): bigger text files are refused unread.
_MAX_BYTES_PER_CHAR = 4
# Web pages, Word files and PDFs carry markup, fonts and images besides their text; their
# limit in bytes is this many times as large, and the text they give is checked again.
_MAX_BYTES_PER_CHAR_DOCUMENT = 50


@dataclass
class ReportFile:
    path: Path
    text: str  # the plain text every offset refers to (a .docx's or a PDF's extracted text)
    encoding: str | None  # None for .docx and .pdf: their text is not decoded from bytes
    sha256: str = ""
    format: str = "text"  # text, html, docx or pdf (fazhi.extract)


@dataclass
class TagResult:
    """Counts only: the records themselves go to the sink as each report finishes."""

    written: int = 0  # reports tagged and handed to the sink in this run
    skipped: int = 0  # reports already in the outputs (--resume)
    chars: int = 0
    sections: int = 0
    labels: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False  # Ctrl-C: the counts are those of the reports written whole

    def add(self, rec: dict) -> None:
        self.written += 1
        self.chars += rec["chars"]
        self.sections += len(rec["sections"])
        self.labels.update(e["label"] for e in rec["entities"])

    def summary(self) -> str:
        rate = f", {self.chars / self.seconds:,.0f} chars/s" if self.chars else ""
        per_label = ", ".join(f"{lab} {n}" for lab, n in sorted(self.labels.items()))
        skipped = f"; {self.skipped} already in the output" if self.skipped else ""
        return (f"tagged {self.written} report(s), {self.chars:,} characters in "
                f"{self.seconds:.1f} s{rate}; {len(self.errors)} failed{skipped}\n"
                f"entities: {sum(self.labels.values())} ({per_label or 'none'}); "
                f"sections: {self.sections}")


def find_reports(paths: Iterable[str | Path], pattern: str | None = None,
                 errors: list[str] | None = None) -> list[Path]:
    """Files named directly, and under named folders every file of a supported format
    (.txt, .html, .htm, .docx, .pdf), or those matching `pattern` (a folder of reports also
    holds notes and indexes, which are not reports). Hidden files and Word's lock files
    (`~$name.docx`, there while a document is open) are not reports."""
    errors = [] if errors is None else errors
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob(pattern or "*")
                           if f.is_file() and (pattern or f.suffix.lower() in SUPPORTED)
                           and not f.name.startswith("~$")
                           and not any(part.startswith(".") for part in
                                       f.relative_to(p).parts))
            if not found:
                wanted = pattern or " ".join(f"*{s}" for s in SUPPORTED)
                errors.append(f"{p}: no {wanted} files in this folder")
            files += found
        elif p.exists():
            files.append(p)
        else:
            errors.append(f"{p}: no such file or folder")
    return files


def read(path: Path, max_chars: int = MAX_CHARS) -> ReportFile:
    """A report read and checked, or InputError with a one-line message. A file too large
    for `max_chars` is refused before it is read."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    check_size(path, size, max_chars)
    return from_bytes(path, read_bytes(path), max_chars)


def check_size(path: Path, size: int, max_chars: int = MAX_CHARS) -> None:
    per_char = _MAX_BYTES_PER_CHAR if format_of(path) == "text" else _MAX_BYTES_PER_CHAR_DOCUMENT
    if size > max_chars * per_char:
        raise InputError(f"{path}: {_size(size)} is too large for one report "
                         f"(limit {max_chars:,} characters; split it or raise --max-chars)")


def from_bytes(path: Path, data: bytes, max_chars: int = MAX_CHARS) -> ReportFile:
    """A report from a file's bytes already read (by this process or by an engine such as
    Ray's), checked as `read` checks it; or InputError."""
    check_size(path, len(data), max_chars)
    extracted, sha256 = read_document(path, data)
    text = extracted.text
    if len(text) > max_chars:
        raise InputError(f"{path}: {len(text):,} characters is too long for one report "
                         f"(limit {max_chars:,}; split it or raise --max-chars)")
    if not text.strip():
        raise InputError(f"{path}: only whitespace, no text")
    return ReportFile(path, text, extracted.encoding, sha256, extracted.format)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB" if n >= 1e3 else f"{n} bytes"


def record(doc, report: ReportFile) -> dict:
    """A JSON-ready record of a tagged report; every offset is into its `text`, the file's
    text as decoded (or extracted from a web page, .docx or PDF), which the record carries
    whatever the format: a reader then checks a span without decoding the file again the
    same way (a .txt read in Python's text mode turns CRLF into LF and shifts every offset).

    Section and sentence of each entity come from one sorted list of section starts and one
    of sentence starts per report, looked up by bisection: `ent._.section` rebuilds the list
    for every entity and `ent.sent` walks the tokens back and forth, which made this step
    quadratic in the report's length (104 of 160 s for a 1M-character report)."""
    from fazhi.pipeline.extensions import section_extent
    from fazhi.pipeline.values import surface

    sections = list(doc.spans.get("sections", []))
    extents = [section_extent(s) for s in sections]  # they tile the text
    section_starts = [a for a, _ in extents]
    sentence_of = _sentence_lookup(doc)
    text = report.text

    def heading(span):
        if span._.heading is None:
            return None
        a, b = span._.heading
        return {"start": a, "end": b, "text": text[a:b], "normalized": surface(text[a:b])}

    def section_of(ent):
        # The section containing the entity's first character (fazhi.pipeline.extensions).
        i = bisect.bisect_right(section_starts, ent.start_char) - 1
        return i if i >= 0 and ent.start_char < extents[i][1] else None

    def sentence(ent):
        a, b = sentence_of(ent)
        return {"start": a, "end": b}

    return {
        "file": str(report.path),
        "sha256": report.sha256,
        "doc_id": report.path.stem,
        "format": report.format,
        "encoding": report.encoding,
        "script": "traditional" if is_traditional(text) else "simplified",
        "chars": len(text),
        # who reported and when (fazhi.document): unit and year with their offsets, or
        # None with the reason
        "document": doc._.document,
        "sections": [
            {"index": i, "start": a, "end": b, "part": s.label_, "topic": s._.topic,
             "heading": heading(s)}
            for i, (s, (a, b)) in enumerate(zip(sections, extents))
        ],
        "entities": [
            {"start": e.start_char, "end": e.end_char, "label": e.label_, "text": e.text,
             "normalized": e._.normalized, "value": e._.value, "section": section_of(e),
             "sentence": sentence(e)}
            for e in doc.ents
        ],
        "text": text,
    }


def _sentence_lookup(doc) -> Callable:
    """A function giving the character span of the sentence an entity starts in, as
    `ent.sent` does: from the last sentence start at or before its first token to the next
    one after it."""
    if not len(doc) or not doc.has_annotation("SENT_START"):
        return lambda ent: (ent.sent.start_char, ent.sent.end_char)  # spaCy's own error
    from spacy.attrs import IDX, LENGTH, SENT_START

    arr = doc.to_array([SENT_START, IDX, LENGTH])
    starts = [int(i) for i in (arr[:, 0] == 1).nonzero()[0]]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)  # ent.sent stops at the first token
    idx, length = arr[:, 1].tolist(), arr[:, 2].tolist()
    n = len(doc)

    def lookup(ent) -> tuple[int, int]:
        k = bisect.bisect_right(starts, ent.start) - 1
        end = starts[k + 1] if k + 1 < len(starts) else n
        return idx[starts[k]], idx[end - 1] + length[end - 1]

    return lookup


class AutoThreads:
    """Torch threads that follow the cores other processes leave free (the default when
    --threads is not given).

    Measured on the project's machine (2 cores, benchmarks/README.md): alone, 2 threads tag
    about 1.6 times as fast as 1; with another process holding a core, 2 threads collapse
    (OpenMP's threads wait for the one that is not scheduled) to about half the speed of 1.
    So the count is the cores available to this process minus those other processes keep
    busy: measured from /proc/stat over a short sample at the start, then again every
    `interval` seconds between reports from what the cores did minus what this process
    used. Without /proc/stat, torch's own default (one thread per core)."""

    def __init__(self, interval: float = 5.0):
        import os

        import torch

        self.cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1)
        self.cpus = (sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                     else None)
        self.interval = interval
        self.threads = torch.get_num_threads()
        self.used: set[int] = set()
        self.last = None

    def start(self, sample: float = 0.3) -> int:
        """Measure for `sample` seconds, set the thread count, return it."""
        first = self._sample()
        time.sleep(sample)
        self.last = self._sample()
        if first and self.last:
            self._set(self.choose(self.free_cores(first, self.last)))
        else:
            self.used.add(self.threads)
        return self.threads

    def adjust(self) -> None:
        """Between reports: measure again when `interval` seconds have passed."""
        if self.last is None or time.perf_counter() - self.last[0] < self.interval:
            return
        now = self._sample()
        if now:
            self._set(self.choose(self.free_cores(self.last, now)))
            self.last = now

    def free_cores(self, before, after) -> float:
        """Cores not used by other processes between two samples."""
        wall = after[0] - before[0]
        if wall <= 0:
            return float(self.cores)
        busy = (after[1] - before[1]) - (after[2] - before[2])  # all work minus ours
        return self.cores - max(0.0, busy / wall)

    def choose(self, free: float) -> int:
        return max(1, min(self.cores, int(free + 0.25)))

    def _set(self, n: int) -> None:
        import torch

        if n != torch.get_num_threads():
            torch.set_num_threads(n)
        self.threads = n
        self.used.add(n)

    def _sample(self):
        """(monotonic seconds, busy CPU-seconds of our cores, CPU-seconds used by us)."""
        import os
        import resource

        try:
            with open("/proc/stat") as f:
                lines = [line.split() for line in f if line.startswith("cpu")]
        except OSError:
            return None
        tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        rows = [r for r in lines if r[0] != "cpu" and
                (self.cpus is None or int(r[0][3:]) in self.cpus)] or \
            [r for r in lines if r[0] == "cpu"]
        # user nice system idle iowait irq softirq steal: busy is all but idle and iowait
        busy = sum(sum(map(int, r[1:9])) - int(r[4]) - int(r[5]) for r in rows) / tick
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return time.perf_counter(), busy, usage.ru_utime + usage.ru_stime


def default_threads() -> int:
    """The torch threads `fazhi tag` starts with when --threads is not given."""
    return AutoThreads().start()


Sink = Callable[[dict, str], None]


def tag(paths: Iterable[str | Path], nlp, max_chars: int = MAX_CHARS,
        pattern: str | None = None,
        batch_size: int = 8, progress: bool | None = None, sink: Sink | None = None,
        done: Callable[[str, str], bool] | None = None,
        threads: AutoThreads | None = None) -> TagResult:
    """Tag every report under `paths`, handing each record and the report's text to
    `sink` as soon as the report is done. Reports for which `done(file, sha256)` is true
    (already in the outputs) are read but not tagged. Each bad file's one-line message goes
    to stderr as it is found and into the result's `errors`. `progress=None` shows the bar
    on a terminal. `threads`: adjusted between reports (AutoThreads).

    Ctrl-C stops the run between two reports: the record being written is finished
    (`sink` and the counts are updated together), the result says `interrupted`."""
    import sys

    from tqdm import tqdm

    result = TagResult()
    files = find_reports(paths, pattern, result.errors)
    for err in result.errors:
        print(err, file=sys.stderr)
    bar = tqdm(total=len(files), unit="report", desc="tagging",
               disable=None if progress is None else not progress)
    nlp.max_length = max(nlp.max_length, max_chars)

    def good() -> Iterator[tuple[str, ReportFile]]:
        for path in files:
            try:
                rep = read(path, max_chars)
            except InputError as err:
                result.errors.append(str(err))
                bar.write(str(err), file=sys.stderr)
                bar.update()
                continue
            if done is not None and done(str(rep.path), rep.sha256):
                result.skipped += 1
                bar.update()
                continue
            yield rep.text, rep

    start = time.perf_counter()
    try:
        for doc, rep in nlp.pipe(good(), as_tuples=True, batch_size=batch_size):
            rec = record(doc, rep)
            del doc
            with deferred_interrupt():
                if sink is not None:
                    sink(rec, rep.text)
                result.add(rec)
            bar.update()
            if threads is not None:
                threads.adjust()
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        result.seconds = time.perf_counter() - start
        bar.close()
    return result

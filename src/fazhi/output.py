"""Output formats of `fazhi tag`: JSONL (one record per report), CSV (one row per entity)
and HTML (displaCy's entity view, one block per section under its heading).

Each format has a writer that takes one report at a time, so memory stays flat in the number
of reports:

- JSONL and CSV are streamed to a temporary file beside the target (`.NAME.XXXX.tmp`), and
  renamed over it at the end, so a reader never sees half a file and a failed run leaves the
  previous output as it was.
- HTML needs the whole page at once: each record and its report's text go to a spill file
  (JSONL, `.NAME.records.jsonl` beside the target) and the page is rendered from it, report
  by report, into a temporary file that is renamed at the end.

`--resume` (how a resumed output stays consistent and atomic): the existing target is read
record by record (a CSV row by row) and copied into the new temporary file, keeping the
(file, sha256) key of each report it holds; reports already present are not tagged again,
new ones are appended to the copy, and the copy is renamed over the target at the end. The
target is therefore always either the old complete file or the new complete file, never an
old file with half an appended record, whatever stops the run. A record whose file is among
this run's inputs but whose sha256 differs (the report was edited since) is dropped from the
copy, and the report is tagged again. An interrupted HTML output keeps its spill file beside
it, which is what `--resume` continues; a finished one removes it.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path

from fazhi.io import ordinary_permissions

FORMATS = ("jsonl", "csv", "html", "parquet", "duckdb")
# File-name suffix → format.
SUFFIXES = {"jsonl": "jsonl", "json": "jsonl", "csv": "csv", "html": "html", "htm": "html",
            "parquet": "parquet", "duckdb": "duckdb"}
# The tables of fazhi.tables, written by fazhi.table_outputs: files, never stdout.
TABLE_FORMATS = ("parquet", "duckdb")

CSV_COLUMNS = (
    "file", "doc_id", "report_unit", "report_unit_level", "report_province", "report_year",
    "start", "end", "label", "text", "normalized",
    "value", "unit", "bound", "approx", "subject", "title", "kind", "period",
    "section", "part", "topic", "heading", "sentence", "sha256",
)

# The CSV's `sentence` column holds at most this many characters of the entity's sentence,
# centred on the entity, with … where the sentence was cut: a line without sentence
# punctuation can be one "sentence" of 300,000 characters, repeated on every entity's row.
# 300 is longer than any sentence of the corpus (the longest has 226 characters).
# The JSONL gives the whole sentence as offsets.
SENTENCE_CHARS = 300

COLORS = {"MEASURE": "#a6d8f0", "INDICATOR": "#ffd27f", "ORG": "#c7e9b4",
          "REGULATION": "#f4b6c2"}


class OutputError(Exception):
    """An output that cannot be written or resumed; the message is one line naming it."""


def make_parent(target: Path) -> None:
    """The folder `target` goes in, created if missing; a file in the way, or a folder that
    cannot be made, is an OutputError naming `target`."""
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{target}: {parent} is a file, not a folder")
            break
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{target}: cannot write there ({err.strerror})") from None


def known_formats() -> str:
    by_format = {}
    for suffix, fmt in SUFFIXES.items():
        by_format.setdefault(fmt, []).append(f".{suffix}")
    return ", ".join(f"{fmt} ({' '.join(s)})" for fmt, s in by_format.items())


def format_for(path: str | None, requested: str | None) -> str:
    """The format asked for, else the one the file name's suffix names; JSONL on stdout.
    An unknown suffix is an OutputError listing the formats."""
    if path is None:
        if requested in TABLE_FORMATS:
            raise OutputError(f"--format {requested} cannot go to stdout: name the output "
                              f"with --out FILE.{requested}")
        return requested or "jsonl"
    if requested:
        return requested
    name = Path(path).name
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in SUFFIXES:
        what = f"suffix .{suffix}" if suffix else "no suffix"
        raise OutputError(f"{path}: unknown output format ({what}); the formats are "
                          f"{known_formats()}, or name one with --format")
    return SUFFIXES[suffix]


# --- records to rows and blocks ------------------------------------------------------------

def to_jsonl(reports) -> str:
    return "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec, _ in reports)


def sentence_context(text: str, start: int, end: int, ent_start: int, ent_end: int,
                     limit: int = SENTENCE_CHARS) -> str:
    """The sentence text[start:end] without its outer whitespace; when that is longer than
    `limit`, the `limit` characters around the entity, with … where it was cut."""
    a, b = start, end
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b - a <= limit:
        return text[a:b]
    lo = max(a, min(ent_start, b) - max(0, limit - (ent_end - ent_start)) // 2)
    hi = min(b, lo + limit)
    lo = max(a, hi - limit)
    return ("…" if lo > a else "") + text[lo:hi] + ("…" if hi < b else "")


def document_fields(rec: dict) -> dict:
    """The report's issuing unit (name, level, province) and year, flat, as the CSV's
    report_* columns (`unit` is the indicator's); None where the record has none (and in
    records written before fazhi.document)."""
    doc = rec.get("document") or {}
    unit, year = doc.get("unit") or {}, doc.get("year") or {}
    return {"report_unit": unit.get("name"), "report_unit_level": unit.get("level"),
            "report_province": unit.get("province"), "report_year": year.get("value")}


def document_line(rec: dict) -> str:
    """One line saying who reported and when, for the HTML page."""
    f = document_fields(rec)
    unit = (f"{f['report_unit']} ({f['report_unit_level']}, {f['report_province']})"
            if f["report_unit"] else "unit not found")
    return f"{unit}, {f['report_year'] or 'year not found'}"


def csv_rows(rec: dict, text: str):
    document = document_fields(rec)
    for e in rec["entities"]:
        value = e["value"] or {}
        sec = rec["sections"][e["section"]] if e["section"] is not None else None
        subject = value.get("subject")
        yield {
            "file": rec["file"], "doc_id": rec["doc_id"], **document,
            "start": e["start"], "end": e["end"],
            "label": e["label"], "text": e["text"], "normalized": e["normalized"],
            "value": value.get("value"), "unit": value.get("unit"),
            "bound": value.get("bound"), "approx": value.get("approx"),
            "subject": subject["text"] if subject else None,
            "title": value.get("title"), "kind": value.get("kind"),
            "period": value.get("period"),
            "section": e["section"],
            "part": sec["part"] if sec else None, "topic": sec["topic"] if sec else None,
            "heading": sec["heading"]["text"] if sec and sec["heading"] else None,
            "sentence": sentence_context(text, e["sentence"]["start"], e["sentence"]["end"],
                                         e["start"], e["end"]),
            "sha256": rec.get("sha256"),
        }


def html_blocks(rec: dict, text: str) -> list[dict]:
    """displaCy's manual input for one report: a block per section, titled with the report,
    the section's heading, part and topic."""
    blocks = []
    ents = rec["entities"]
    who = document_line(rec)
    for sec in rec["sections"]:
        a, b = sec["start"], sec["end"]
        heading = sec["heading"]["text"] if sec["heading"] else "(no heading)"
        topic = "" if sec["topic"] == "NONE" else f" / {sec['topic']}"
        blocks.append({
            "text": text[a:b],
            "ents": [{"start": e["start"] - a, "end": min(e["end"], b) - a,
                      "label": e["label"]} for e in ents if e["section"] == sec["index"]],
            # the report's unit and year head its first block
            "title": (f"{rec['doc_id']} · {who} · " if sec["index"] == 0 else
                      f"{rec['doc_id']} · ") + f"{heading} [{sec['part']}{topic}]",
        })
    return blocks


class HtmlPage:
    """displaCy's page (`displacy.render(blocks, style="ent", manual=True, page=True,
    minify=True)`) written piece by piece: the head, one figure per block, the tail. The
    result is the same text as rendering all blocks at once (displaCy's minifier only
    removes runs of four spaces and newlines, and no such run crosses the pieces' edges)."""

    def __init__(self):
        from spacy.displacy.render import DEFAULT_DIR, EntityRenderer
        from spacy.displacy.templates import TPL_FIGURE, TPL_PAGE

        self.renderer = EntityRenderer(options={"colors": COLORS})
        self.figure = TPL_FIGURE
        head, tail = TPL_PAGE.split("{content}")
        # the reports are Chinese (displaCy's default says "en")
        self.head = _minify(head.format(lang="zh", dir=DEFAULT_DIR).lstrip())
        self.tail = _minify(tail.rstrip())

    def figures(self, blocks: list[dict]) -> str:
        out = []
        for block in blocks:
            ents = sorted(block["ents"], key=lambda x: (x["start"], x["end"]))
            content = self.renderer.render_ents(block["text"], ents, block.get("title"))
            out.append(_minify(self.figure.format(content=content)))
        return "".join(out)


def _minify(html: str) -> str:
    return html.replace("    ", "").replace("\n", "")


def to_html(reports) -> str:
    """The whole page for (record, text) pairs, in memory (small inputs, tests)."""
    page = HtmlPage()
    return page.head + "".join(page.figures(html_blocks(r, t)) for r, t in reports) + page.tail


def to_csv(reports) -> str:
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for rec, text in reports:
        writer.writerows(csv_rows(rec, text))
    return out.getvalue()


WRITERS = {"jsonl": to_jsonl, "csv": to_csv, "html": to_html}


def render(reports, fmt: str) -> str:
    """A whole output in memory, for a few (record, text) pairs; `fazhi tag` streams."""
    return WRITERS[fmt](reports)


# --- streaming writers ----------------------------------------------------------------------

Key = tuple[str, str | None]  # (file, sha256) of a report


class Output:
    """One output of `fazhi tag`: a file (written via a temporary file beside it) or stdout.

    open() creates the temporary file, which is the check that the target can be written,
    and with `resume` copies the target's reports into it; `done` then holds the (file,
    sha256) key of every report already written. write() takes one report, commit() puts
    the output in place, discard() removes what this run wrote and leaves the target as it
    was. `inputs` maps this run's report files to their sha256, so that the record of a
    report edited since is dropped on resume."""

    fmt = ""

    def __init__(self, target: str | Path | None, resume: bool = False,
                 inputs: dict[str, str | None] | None = None):
        self.target = None if target is None else Path(target)
        self.resume = resume
        self.inputs = inputs or {}
        self.done: set[Key] = set()
        self.kept = 0  # reports copied from the existing output
        self.dropped = 0  # records of reports edited since, left out of the copy
        self.written = 0  # reports written in this run
        self.note = ""  # a line for the user about how the output was resumed
        self.tmp: Path | None = None
        self.f = None

    @property
    def name(self) -> str:
        return "stdout" if self.target is None else str(self.target)

    # -- life cycle

    def open(self) -> Output:
        if self.target is None:
            self.f = sys.stdout
        else:
            self.f = self._temp_beside(self.target)
        try:
            if self.resume and self.target is not None:
                self._copy_existing()
            self._start()
        except BaseException:
            self.discard()
            raise
        return self

    def write(self, rec: dict, text: str) -> None:
        if self.resume:  # a report this output already holds is not written twice
            key = (rec["file"], rec.get("sha256"))
            if key in self.done:
                return
            self.done.add(key)
        self._write(rec, text)
        self.f.flush()
        self.written += 1

    def commit(self, final: bool = True) -> None:
        """Finish the output with the reports written so far. `final` is False after
        Ctrl-C: an HTML output keeps its spill file for --resume."""
        if self.target is None:
            self.f.flush()
            return
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()
        ordinary_permissions(self.tmp)
        os.replace(self.tmp, self.target)
        self.tmp = None

    def discard(self) -> None:
        if self.f is not None and self.f is not sys.stdout and not self.f.closed:
            self.f.close()
        if self.tmp is not None and self.tmp.exists():
            self.tmp.unlink()
        self.tmp = None

    # -- for subclasses

    def _start(self) -> None:
        pass

    def _write(self, rec: dict, text: str) -> None:
        raise NotImplementedError

    def _copy_existing(self) -> None:
        pass

    def _keep(self, key: Key) -> bool:
        """Whether a report found in the existing output stays (and counts as done)."""
        file, sha = key
        if file in self.inputs and self.inputs[file] != sha:
            self.dropped += 1
            return False
        self.done.add(key)
        self.kept += 1
        return True

    def _temp_beside(self, target: Path, suffix: str = ".tmp"):
        if target.is_dir():
            raise OutputError(f"{target}: is a directory")
        if target.exists() and not target.is_file():
            # a device or a pipe (/dev/stdout …): renaming over it would replace it
            raise OutputError(f"{target}: not a regular file (write to stdout without --out)")
        make_parent(target)
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                       suffix=suffix)
        except OSError as err:
            raise OutputError(f"{target}: cannot write there ({err.strerror})") from None
        self.tmp = Path(tmp)
        return os.fdopen(fd, "w", encoding="utf-8", newline="")


class JsonlOutput(Output):
    fmt = "jsonl"

    def _write(self, rec: dict, text: str) -> None:
        self.f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def _copy_existing(self) -> None:
        if self.target.exists():
            _copy_records(self.target, self.f, lambda obj: obj, self._keep)


def _copy_records(path: Path, out, record_of, keep) -> None:
    """Copy the JSONL lines of `path` whose record `keep`s."""
    for line, obj in _lines(path):
        rec = record_of(obj)
        if keep((rec["file"], rec.get("sha256"))):
            out.write(line if line.endswith("\n") else line + "\n")


def _lines(path: Path):
    """(line, parsed object) for each line of a JSONL output, checking that it is a record
    of `fazhi tag` (or a spill line holding one)."""
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    rec = obj.get("record", obj)
                    if not isinstance(rec["file"], str):
                        raise TypeError
                except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
                    raise OutputError(f"{path}:{lineno}: not a fazhi tag record; cannot "
                                      f"resume this output (remove it or write elsewhere)"
                                      ) from None
                yield line, obj
    except (OSError, UnicodeDecodeError) as err:
        raise OutputError(f"{path}: cannot read it to resume ({err})") from None


class CsvOutput(Output):
    fmt = "csv"
    has_header = False  # the copy of a resumed CSV starts with its header

    def _start(self) -> None:
        self.writer = csv.DictWriter(self.f, fieldnames=CSV_COLUMNS, lineterminator="\n")
        # On stdout the header comes with the first row: no reports, no output, as before.
        if self.target is not None and not self.has_header:
            self.writer.writeheader()
            self.has_header = True

    def _write(self, rec: dict, text: str) -> None:
        if not self.has_header:
            self.writer.writeheader()
            self.has_header = True
        self.writer.writerows(csv_rows(rec, text))

    def _copy_existing(self) -> None:
        # A report without entities has no rows, so it is not `done` and is tagged again,
        # which adds no rows either.
        if not self.target.exists():
            return
        i_file, i_sha = CSV_COLUMNS.index("file"), CSV_COLUMNS.index("sha256")
        out = csv.writer(self.f, lineterminator="\n")
        kept: dict[Key, bool] = {}
        try:
            with open(self.target, encoding="utf-8", newline="") as f:
                rows = csv.reader(f)
                header = next(rows, None)
                if header is None:
                    return
                if tuple(header) != CSV_COLUMNS:
                    raise OutputError(
                        f"{self.target}: its columns are not those of this version of "
                        "fazhi tag; cannot resume it (remove it or write elsewhere)")
                out.writerow(header)
                self.has_header = True
                for row in rows:
                    if len(row) != len(CSV_COLUMNS):
                        raise OutputError(
                            f"{self.target}:{rows.line_num}: {len(row)} columns, not "
                            f"{len(CSV_COLUMNS)}; cannot resume it (remove it or write "
                            "elsewhere)")
                    key = (row[i_file], row[i_sha] or None)
                    if key not in kept:
                        kept[key] = self._keep(key)
                    if kept[key]:
                        out.writerow(row)
        except (OSError, UnicodeDecodeError, csv.Error) as err:
            raise OutputError(f"{self.target}: cannot read it to resume ({err})") from None


class HtmlOutput(Output):
    """Records go to a spill file; the page is rendered from it at commit."""

    fmt = "html"
    page = page_tmp = None
    records_from: Path | None = None  # the JSONL output of the same run, to resume from

    def spill_path(self) -> Path:
        return self.target.parent / f".{self.target.name}.records.jsonl"

    def open(self) -> Output:
        try:
            if self.target is None:
                fd, tmp = tempfile.mkstemp(prefix="fazhi-html-", suffix=".records.jsonl")
                self.tmp = Path(tmp)
                self.f = os.fdopen(fd, "w", encoding="utf-8", newline="")
            else:
                # The page's own temporary file, made now so that an unwritable folder is
                # found before any tagging; it is filled at commit.
                self.page = self._temp_beside(self.target)
                self.page_tmp = self.tmp
                self.f = self._temp_beside(self.target, ".records.tmp")  # sets self.tmp
                if self.resume:
                    self._copy_existing()
        except BaseException:
            self.discard()
            raise
        return self

    def _copy_existing(self) -> None:
        """The page resumes from the spill file an interrupted run left; else from the
        records of the JSONL output written beside it (each report's text read again from
        its file, which must still have the recorded sha256); else its reports are tagged
        again."""
        spill = self.spill_path()
        if spill.exists():
            _copy_records(spill, self.f, lambda obj: obj["record"], self._keep)
            self.note = (f"{self.target}: resuming from the spill file of the interrupted "
                         f"run ({self.kept} report(s) in it)")
        elif self.records_from is not None and self.records_from.exists():
            from fazhi.io import InputError, read_report_hashed

            gone = 0
            for _, rec in _lines(self.records_from):
                key = (rec["file"], rec.get("sha256"))
                try:
                    text, _, sha = read_report_hashed(rec["file"])
                except InputError:
                    sha = None
                if sha != key[1]:
                    gone += key[0] not in self.inputs  # not to be tagged again either
                    continue
                if self._keep(key):
                    self._write(rec, text)
            self.note = (f"{self.target}: resuming the page from the records in "
                         f"{self.records_from} ({self.kept} report(s))")
            if gone:
                self.note += (f"; {gone} of them left out: their files changed or are gone "
                              "since they were tagged")
        elif self.target.exists():
            self.note = (f"{self.target}: no spill file of an interrupted run beside it and "
                         "no JSONL output named with it; every report is tagged again for it")

    def _write(self, rec: dict, text: str) -> None:
        self.f.write(json.dumps({"record": rec, "text": text}, ensure_ascii=False) + "\n")

    def commit(self, final: bool = True) -> None:
        self.f.flush()
        self.f.close()
        try:
            out = sys.stdout if self.target is None else self.page
            page = HtmlPage()
            out.write(page.head)
            with open(self.tmp, encoding="utf-8") as spill:
                for line in spill:
                    obj = json.loads(line)
                    out.write(page.figures(html_blocks(obj["record"], obj["text"])))
            out.write(page.tail)
            out.flush()
            if self.target is not None:
                os.fsync(out.fileno())
                out.close()
                ordinary_permissions(self.page_tmp)
                os.replace(self.page_tmp, self.target)
                self.page_tmp = None
        except BaseException:
            self._settle_spill(final=False)
            self.discard()
            raise
        self._settle_spill(final)

    def _settle_spill(self, final: bool) -> None:
        """A finished page needs no spill; an interrupted one keeps it for --resume."""
        if self.tmp is None:
            return
        if self.target is not None and not final:
            ordinary_permissions(self.tmp)
            os.replace(self.tmp, self.spill_path())
        else:
            self.tmp.unlink(missing_ok=True)
            if self.target is not None:  # a spill left by an earlier interrupted run
                self.spill_path().unlink(missing_ok=True)
        self.tmp = None

    def discard(self) -> None:
        super().discard()  # the spill's temporary file
        if self.page is not None and not self.page.closed:
            self.page.close()
        if self.page_tmp is not None and self.page_tmp.exists():
            self.page_tmp.unlink()
        self.page_tmp = None


OUTPUTS = {"jsonl": JsonlOutput, "csv": CsvOutput, "html": HtmlOutput}


def open_output(target: str | Path | None, fmt: str, resume: bool = False,
                inputs: dict[str, str | None] | None = None,
                records_from: str | Path | None = None) -> Output:
    """An opened output; `records_from`: a JSONL output of the same run, which a page
    without a spill file resumes from."""
    if fmt in TABLE_FORMATS:
        from fazhi.table_outputs import OUTPUTS as TABLE_OUTPUTS

        out = TABLE_OUTPUTS[fmt](target, resume, inputs)
    else:
        out = OUTPUTS[fmt](target, resume, inputs)
    if records_from is not None:
        out.records_from = Path(records_from)
    return out.open()

"""The five tables researchers query: one record of `fazhi tag` (fazhi.tag.record) as rows of
`reports`, `sections`, `entities`, `indicators` and `regulations`.

The column schema is written once here (TABLES) and `rows` is the one function that turns a
record into rows; the Parquet and DuckDB outputs (fazhi.table_outputs), the pandas API below
and any other engine that writes these tables use both, so every writer has the same tables
and the same columns.

Every table carries the report's `sha256` (the content hash: the key a database output
replaces a re-tagged report's rows by) and `file`. Entities are numbered within their
report (`entity`); an indicator's or regulation's `entity` is that number, and `section` is
the index of the section it is in (the `section` column of `sections`), so the tables join on
(sha256, entity) and (sha256, section).

Reading them back as pandas DataFrames (needs the `tables` extra, `pip install
'fazhi[tables]'`):

    from fazhi import tables
    entities = tables.read("output/reports.duckdb", "entities")     # or a .parquet folder
    frames = tables.load("output/reports.parquet")                  # all five, by name
    top = tables.query("output/reports.duckdb", "SELECT title, count(*) AS n "
                       "FROM regulations GROUP BY title ORDER BY n DESC LIMIT 5")
"""

from __future__ import annotations

from pathlib import Path

# The extra that holds pyarrow, duckdb and pandas (pyproject.toml); named in every message
# about a missing one.
EXTRA = "tables"

# Column types, named once and mapped to pyarrow's and DuckDB's below.
STR, INT, FLOAT, BOOL = "str", "int", "float", "bool"

# The document's metadata (fazhi.document): the issuing unit's resolved name, its
# administrative level and province, and the report year; None where the record has none.
DOCUMENT_COLUMNS = (("issuing_unit", STR), ("level", STR), ("province", STR), ("year", INT))


def document_fields(document: dict | None) -> dict:
    """DOCUMENT_COLUMNS' values from a record's `document` ({"unit": {...} | None,
    "year": {...} | None, "reason": ...})."""
    unit = (document or {}).get("unit") or {}
    year = (document or {}).get("year") or {}
    return {"issuing_unit": unit.get("name"), "level": unit.get("level"),
            "province": unit.get("province"), "year": year.get("value")}

_SPAN = (("start", INT), ("end", INT))
_WHERE = (("section", INT), ("part", STR), ("topic", STR))

TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    # One row per report. `text` is the report's text as read (offsets in every table refer
    # to it); `format` the file's format and `encoding` its encoding, as read.
    "reports": (
        ("sha256", STR), ("file", STR), ("doc_id", STR), ("format", STR), ("encoding", STR),
        ("script", STR), ("chars", INT), ("sections", INT), ("entities", INT),
        *DOCUMENT_COLUMNS, ("text", STR),
    ),
    # One row per section: its part (ACHIEVEMENTS, PLANS …), topic and heading.
    "sections": (
        ("sha256", STR), ("file", STR), ("section", INT), *_SPAN, ("part", STR),
        ("topic", STR), ("heading", STR), ("heading_start", INT), ("heading_end", INT),
    ),
    # One row per entity, with the section it is in and its sentence: offsets, and the text
    # as in the CSV (at most 300 characters around the entity, fazhi.output.SENTENCE_CHARS).
    "entities": (
        ("sha256", STR), ("file", STR), ("entity", INT), *_SPAN, ("label", STR),
        ("text", STR), ("normalized", STR), *_WHERE,
        ("sentence_start", INT), ("sentence_end", INT), ("sentence", STR),
    ),
    # One row per INDICATOR: the number (a share for a fraction), its unit, the bound word
    # as written, whether it is approximate, and the counted subject (fazhi.indicators).
    # `value` is None for a vague quantity (数十个), and every value column is None for an
    # INDICATOR whose surface does not parse.
    "indicators": (
        ("sha256", STR), ("file", STR), ("entity", INT), *_SPAN, ("text", STR),
        ("value", FLOAT), ("unit", STR), ("bound", STR), ("approximate", BOOL),
        ("fraction", BOOL), ("subject", STR), ("subject_start", INT), ("subject_end", INT),
        *_WHERE,
    ),
    # One row per REGULATION: the simplified title without 《》, the document kind (法, 条例,
    # 办法, 方案 …) and the period or edition (fazhi.titles).
    "regulations": (
        ("sha256", STR), ("file", STR), ("entity", INT), *_SPAN, ("text", STR),
        ("title", STR), ("kind", STR), ("period", STR), *_WHERE,
    ),
}
NAMES = tuple(TABLES)


def columns(table: str) -> tuple[str, ...]:
    return tuple(name for name, _ in TABLES[table])


def rows(rec: dict, text: str | None = None) -> dict[str, list[dict]]:
    """The rows of each table for one record of `fazhi tag`; `text` is the report's text
    (the record's own `text` when it carries one)."""
    from fazhi.output import sentence_context

    text = rec.get("text") or text or ""
    key = {"sha256": rec.get("sha256"), "file": rec["file"]}
    sections = rec["sections"]
    report = {
        **key, "doc_id": rec.get("doc_id"), "format": rec.get("format"),
        "encoding": rec.get("encoding"), "script": rec.get("script"),
        "chars": rec.get("chars", len(text)), "sections": len(sections),
        "entities": len(rec["entities"]),
        **document_fields(rec.get("document")), "text": text,
    }
    out = {"reports": [report], "sections": [], "entities": [], "indicators": [],
           "regulations": []}
    for s in sections:
        h = s.get("heading")
        out["sections"].append({
            **key, "section": s["index"], "start": s["start"], "end": s["end"],
            "part": s["part"], "topic": s["topic"], "heading": h["text"] if h else None,
            "heading_start": h["start"] if h else None, "heading_end": h["end"] if h else None,
        })
    for i, e in enumerate(rec["entities"]):
        sec = sections[e["section"]] if e["section"] is not None else None
        where = {"section": e["section"], "part": sec["part"] if sec else None,
                 "topic": sec["topic"] if sec else None}
        span = {"entity": i, "start": e["start"], "end": e["end"]}
        sent = e["sentence"]
        out["entities"].append({
            **key, **span, "label": e["label"], "text": e["text"],
            "normalized": e["normalized"], **where,
            "sentence_start": sent["start"], "sentence_end": sent["end"],
            "sentence": sentence_context(text, sent["start"], sent["end"], e["start"],
                                         e["end"]) if text else None,
        })
        value = e.get("value") or {}
        if e["label"] == "INDICATOR":
            subject = value.get("subject") or {}
            out["indicators"].append({
                **key, **span, "text": e["text"], "value": value.get("value"),
                "unit": value.get("unit"), "bound": value.get("bound"),
                "approximate": value.get("approx"), "fraction": value.get("fraction"),
                "subject": subject.get("text"), "subject_start": subject.get("start"),
                "subject_end": subject.get("end"), **where,
            })
        elif e["label"] == "REGULATION":
            out["regulations"].append({
                **key, **span, "text": e["text"], "title": value.get("title"),
                "kind": value.get("kind"), "period": value.get("period"), **where,
            })
    return out


# --- Arrow and DuckDB types -------------------------------------------------------------------

def missing(module: str, what: str) -> str:
    """The one-line message for a missing optional dependency."""
    return (f"{what} needs the {module} package, which is not installed: "
            f"pip install 'fazhi[{EXTRA}]'")


class MissingExtra(ImportError):
    """pyarrow, duckdb or pandas is not installed; the message is one line naming the extra."""


def require(module: str, what: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(missing(module, what)) from None


def arrow_schema(table: str):
    pa = require("pyarrow", "a Parquet or DuckDB table")
    types = {STR: pa.string(), INT: pa.int64(), FLOAT: pa.float64(), BOOL: pa.bool_()}
    return pa.schema([(name, types[kind]) for name, kind in TABLES[table]])


def to_arrow(table: str, table_rows: list[dict]):
    """The rows of one table as a pyarrow Table with the table's schema."""
    pa = require("pyarrow", "a Parquet or DuckDB table")
    return pa.Table.from_pylist(table_rows, schema=arrow_schema(table))


SQL_TYPES = {STR: "VARCHAR", INT: "BIGINT", FLOAT: "DOUBLE", BOOL: "BOOLEAN"}


def create_sql(table: str) -> str:
    cols = ", ".join(f'"{name}" {SQL_TYPES[kind]}' for name, kind in TABLES[table])
    return f'CREATE TABLE IF NOT EXISTS "{table}" ({cols})'


# --- reading: pandas DataFrames ---------------------------------------------------------------

def parquet_file(folder: str | Path, table: str) -> Path:
    """Where a Parquet output keeps one table: FOLDER/TABLE.parquet, a file, or a folder of
    shards for `fazhi tag --engine ray` (fazhi.engines.shards); pyarrow reads either."""
    return Path(folder) / f"{table}.parquet"


def _kind(path: Path) -> str:
    if path.is_dir() and parquet_file(path, "reports").exists():
        return "parquet"
    if path.is_file() and path.suffix.lower() == ".duckdb":
        return "duckdb"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    raise ValueError(f"{path}: not an output of fazhi tag (a .duckdb file, or a .parquet "
                     "folder holding reports.parquet and the other tables)")


def connect(path: str | Path):
    """A read-only DuckDB connection with the five tables: the database itself, or views
    over a Parquet output's files."""
    duckdb = require("duckdb", "reading the tables")
    path = Path(path)
    if _kind(path) == "duckdb":
        return duckdb.connect(str(path), read_only=True)
    con = duckdb.connect()
    for name in NAMES:
        file = parquet_file(path, name)
        # A distributed run's output (fazhi.engines.shards) has a folder of shards there.
        file = str(file / "part-*.parquet" if file.is_dir() else file).replace("'", "''")
        con.execute(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{file}')")
    return con


def to_pandas(arrow_table):
    """A DataFrame whose whole-number and yes/no columns stay so where values are missing
    (pandas' nullable Int64 and boolean), whichever file they were read from: plain
    conversion turns an integer column with a None into floats."""
    pa = require("pyarrow", "a DataFrame")
    pd = require("pandas", "a DataFrame")
    nullable = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(),
                pa.bool_(): pd.BooleanDtype()}
    return arrow_table.to_pandas(types_mapper=nullable.get)


def query(path: str | Path, sql: str, params: list | None = None):
    """A DataFrame with the result of `sql` over the tables of an output."""
    con = connect(path)
    try:
        return to_pandas(con.sql(sql, params=params or None).to_arrow_table())
    finally:
        con.close()


def read(path: str | Path, table: str):
    """One table of an output (a .duckdb file or a .parquet folder) as a DataFrame."""
    if table not in TABLES:
        raise ValueError(f"no table {table!r}; the tables are {', '.join(NAMES)}")
    path = Path(path)
    if _kind(path) == "parquet":
        pq = require("pyarrow.parquet", "reading the tables")
        return to_pandas(pq.read_table(parquet_file(path, table)))
    return query(path, f'SELECT * FROM "{table}"')


def load(path: str | Path) -> dict:
    """All five tables of an output, by name."""
    return {name: read(path, name) for name in NAMES}


def frames(reports) -> dict:
    """The five tables of (record, text) pairs in memory, as DataFrames (the same columns
    and types as the files)."""
    collected: dict[str, list[dict]] = {name: [] for name in NAMES}
    for rec, text in reports:
        for name, table_rows in rows(rec, text).items():
            collected[name].extend(table_rows)
    return {name: to_pandas(to_arrow(name, r)) for name, r in collected.items()}

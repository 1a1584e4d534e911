"""The Parquet and DuckDB outputs of `fazhi tag`: the five tables of fazhi.tables, one report
at a time, with the life cycle of every output (fazhi.output.Output: open, write, commit,
discard, and --resume).

**Parquet** (`--out FILE.parquet`) is a folder with one file per table,
FILE.parquet/{reports,sections,entities,indicators,regulations}.parquet, holding the reports
of this run (and, with --resume, those already there). Rows are buffered and written as
row groups, so memory stays flat in the number of reports. The folder is written beside the
target under a temporary name and put in place at the end: the old folder is renamed
aside, the new one renamed to the target, the old one removed, so a reader sees the old
tables or the new ones, never a mix (between the two renames, a moment, the target is
absent). A folder that holds anything but these five files is never replaced.

**DuckDB** (`--out FILE.duckdb`) accumulates across runs: each report's rows replace any
rows of the same content (sha256) or the same file, so re-tagging is repeatable and a corpus
can be extended run by run. A run is one transaction, committed at the end (and after
Ctrl-C, with the reports finished so far, whole); anything else that stops it (an error, a
killed process) leaves the database as it was before the run. With --resume, reports
already in the database (same file and sha256) are not tagged again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from fazhi import tables
from fazhi.io import swap_folder
from fazhi.output import Output, OutputError, make_parent

# Rows buffered before they are written as a row group (Parquet) or inserted (DuckDB):
# about a few hundred reports' entities; bounds the memory of a long run.
FLUSH_ROWS = 50_000


def _needs(module: str, what: str):
    try:
        return tables.require(module, what)
    except tables.MissingExtra as err:
        raise OutputError(str(err)) from None


class TableOutput(Output):
    """Buffers each report's table rows; subclasses write them out in `_flush`."""

    def __init__(self, target, resume=False, inputs=None):
        if target is None:
            raise OutputError(f"{self.fmt} output needs a file: name it with --out")
        super().__init__(target, resume, inputs)
        self.buffer: list[tuple[str | None, str, dict]] = []  # (sha256, file, rows)
        self.buffered = 0

    def write(self, rec: dict, text: str) -> None:
        key = (rec["file"], rec.get("sha256"))
        if self.resume:
            if key in self.done:
                return
            self.done.add(key)
        self._add(key, tables.rows(rec, text))
        self.written += 1
        if self.buffered >= FLUSH_ROWS:
            self._flush()

    def _add(self, key, rows: dict) -> None:
        self.buffer.append((key[1], key[0], rows))
        self.buffered += sum(map(len, rows.values()))

    def _batch(self) -> dict[str, list[dict]]:
        batch = {name: [] for name in tables.NAMES}
        for _, _, rows in self.buffer:
            for name, table_rows in rows.items():
                batch[name].extend(table_rows)
        return batch

    def _flush(self) -> None:
        raise NotImplementedError


class ParquetOutput(TableOutput):
    fmt = "parquet"

    def open(self) -> Output:
        self.pa = _needs("pyarrow", f"{self.target}: Parquet output")
        self.pq = _needs("pyarrow.parquet", f"{self.target}: Parquet output")
        target = self.target
        if target.exists() and not target.is_dir():
            raise OutputError(f"{target}: is a file; a Parquet output is a folder of table "
                              "files (reports.parquet, entities.parquet …)")
        if target.is_dir():
            foreign = sorted(p.name for p in target.iterdir()
                             if p.name not in {f"{n}.parquet" for n in tables.NAMES})
            if foreign:
                raise OutputError(f"{target}: a folder holding {foreign[0]}, which is not "
                                  "a table of fazhi tag; write elsewhere")
        make_parent(target)
        try:
            self.tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.",
                                             suffix=".tmp"))
        except OSError as err:
            raise OutputError(f"{target}: cannot write there ({err.strerror})") from None
        try:
            self.writers = {
                name: self.pq.ParquetWriter(tables.parquet_file(self.tmp, name),
                                            tables.arrow_schema(name))
                for name in tables.NAMES}
            if self.resume and tables.parquet_file(target, "reports").exists():
                self._copy_existing()
        except BaseException:
            self.discard()
            raise
        return self

    def _copy_existing(self) -> None:
        """The rows of the reports that stay, table by table, batch by batch."""
        import pyarrow.compute as pc

        old = {}
        try:
            for name in tables.NAMES:
                f = self.pq.ParquetFile(tables.parquet_file(self.target, name))
                if f.schema_arrow.names != list(tables.columns(name)):
                    raise OutputError(
                        f"{tables.parquet_file(self.target, name)}: its columns are not "
                        "those of this version of fazhi tag; cannot resume it (remove it "
                        "or write elsewhere)")
                old[name] = f
            reports = old["reports"].read(columns=["file", "sha256"]).to_pylist()
        except (OSError, self.pa.ArrowException) as err:
            raise OutputError(f"{self.target}: cannot read it to resume "
                              f"({_first_line(err)})") from None
        kept = [f"{r['file']}\0{r['sha256']}" for r in reports
                if self._keep((r["file"], r["sha256"]))]
        keep = self.pa.array(kept, type=self.pa.string())
        for name, f in old.items():
            for batch in f.iter_batches():
                key = pc.binary_join_element_wise(batch["file"], batch["sha256"], "\0")
                rows = self.pa.Table.from_batches([batch]).filter(pc.is_in(key, keep))
                if rows.num_rows:
                    self.writers[name].write_table(rows.cast(tables.arrow_schema(name)))

    def _flush(self) -> None:
        for name, table_rows in self._batch().items():
            if table_rows:
                self.writers[name].write_table(tables.to_arrow(name, table_rows))
        self.buffer, self.buffered = [], 0

    def commit(self, final: bool = True) -> None:
        try:
            self._flush()
            for w in self.writers.values():
                w.close()
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o777 & ~umask)
            for name in tables.NAMES:
                os.chmod(tables.parquet_file(self.tmp, name), 0o666 & ~umask)
            swap_folder(self.tmp, self.target)
        except BaseException:
            self.discard()
            raise
        self.tmp = None

    def discard(self) -> None:
        for w in getattr(self, "writers", {}).values():
            with contextlib.suppress(OSError, self.pa.ArrowException):  # the folder goes anyway
                w.close()
        self.writers = {}
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp = None


class DuckdbOutput(TableOutput):
    fmt = "duckdb"
    con = None
    created = False  # the database file did not exist before this run

    def open(self) -> Output:
        duckdb = _needs("duckdb", f"{self.target}: DuckDB output")
        self.pa = _needs("pyarrow", f"{self.target}: DuckDB output")
        target = self.target
        if target.is_dir():
            raise OutputError(f"{target}: is a directory")
        if target.exists() and not target.is_file():
            raise OutputError(f"{target}: not a regular file")
        make_parent(target)
        self.created = not target.exists()
        try:
            self.con = duckdb.connect(str(target))
            self.con.begin()
            for name in tables.NAMES:
                self.con.execute(tables.create_sql(name))
                have = [r[0] for r in self.con.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position",
                    [name]).fetchall()]
                if tuple(have) != tables.columns(name):
                    raise OutputError(
                        f"{target}: its {name} table does not have the columns of this "
                        "version of fazhi tag; write to another database")
            if self.resume:
                for file, sha in self.con.execute(
                        'SELECT file, sha256 FROM "reports"').fetchall():
                    self.done.add((file, sha))
                self.kept = len(self.done)
        except OutputError:
            self.discard()
            raise
        except duckdb.Error as err:
            self.discard()
            raise OutputError(f"{target}: cannot use it as a DuckDB database "
                              f"({_first_line(err)})") from None
        except BaseException:
            self.discard()
            raise
        return self

    def _add(self, key, rows: dict) -> None:
        # A report whose content or file is already buffered replaces it, as in the database.
        file, sha = key
        if any(s == sha or f == file for s, f, _ in self.buffer):
            self.buffer = [b for b in self.buffer if b[0] != sha and b[1] != file]
            self.buffered = sum(sum(map(len, r.values())) for _, _, r in self.buffer)
        super()._add(key, rows)

    def _flush(self) -> None:
        if not self.buffer:
            return
        pa = self.pa
        keys = pa.table({"sha256": pa.array([b[0] for b in self.buffer], pa.string()),
                         "file": pa.array([b[1] for b in self.buffer], pa.string())})
        self.con.register("fazhi_keys", keys)
        try:
            for name, table_rows in self._batch().items():
                self.con.execute(
                    f'DELETE FROM "{name}" WHERE sha256 IN (SELECT sha256 FROM fazhi_keys) '
                    "OR file IN (SELECT file FROM fazhi_keys)")
                if table_rows:
                    self.con.register("fazhi_rows", tables.to_arrow(name, table_rows))
                    self.con.execute(f'INSERT INTO "{name}" SELECT * FROM fazhi_rows')
                    self.con.unregister("fazhi_rows")
        finally:
            self.con.unregister("fazhi_keys")
        self.buffer, self.buffered = [], 0

    def commit(self, final: bool = True) -> None:
        try:
            self._flush()
            self.con.commit()
            self.con.close()
        except BaseException:
            self.discard()
            raise
        self.con = None

    def discard(self) -> None:
        if self.con is not None:
            import duckdb

            with contextlib.suppress(duckdb.Error):  # no transaction open: nothing to undo
                self.con.rollback()
            self.con.close()
            self.con = None
        self.buffer, self.buffered = [], 0
        if self.created:  # a database this run created and did not finish
            for f in (self.target, self.target.with_name(self.target.name + ".wal")):
                f.unlink(missing_ok=True)
            self.created = False


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


OUTPUTS = {"parquet": ParquetOutput, "duckdb": DuckdbOutput}

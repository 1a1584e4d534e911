"""The shard folder that a distributed run writes: the five tables of fazhi.tables and an
`errors` table, each a folder of Parquet shards,

    DIR/reports.parquet/part-ID.parquet, DIR/sections.parquet/part-ID.parquet, …
    DIR/errors.parquet/part-ID.parquet          (file, sha256, reason): one row per bad file

so `pyarrow.parquet.read_table(DIR/entities.parquet)`, DuckDB's
`read_parquet('DIR/entities.parquet/*.parquet')` and `fazhi.tables.read(DIR, "entities")`
read them as one table each.

Why it can be stopped anywhere and started again:

- every shard file is written under a hidden temporary name (`.part-ID.parquet.tmp`, which
  readers skip) and renamed into place, so a file is whole or absent;
- one batch writes one shard ID in every table, `reports` last: a shard ID without its
  `reports` file is an unfinished batch, removed before the next run starts;
- the reports done are the (file, sha256) pairs of the `reports` and `errors` shards: a
  file with the same path and content is not tagged again, so no row is written twice; a
  file whose content changed (or that could not be read) loses its old rows and is tagged
  again.

Plain Python (pyarrow, the `tables` extra): no Ray here.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from fazhi import tables

ERRORS = "errors"
ERROR_COLUMNS = (("file", tables.STR), ("sha256", tables.STR), ("reason", tables.STR))
# `reports` last: its shard is what marks a batch as written.
ORDER = (ERRORS, *(n for n in tables.NAMES if n != "reports"), "reports")


def schema(table: str):
    if table == ERRORS:
        pa = tables.require("pyarrow", "the shard output")
        return pa.schema([(name, pa.string()) for name, _ in ERROR_COLUMNS])
    return tables.arrow_schema(table)


def folder(out: Path, table: str) -> Path:
    return Path(out) / f"{table}.parquet"


def shard_ids(out: Path, table: str) -> set[str]:
    d = folder(out, table)
    if not d.is_dir():
        return set()
    return {p.name[len("part-"):-len(".parquet")] for p in d.glob("part-*.parquet")}


def write_shard(out: Path, rows: dict[str, list[dict]], shard: str | None = None) -> str:
    """One batch's rows of every table (missing tables: none) as shard files under `out`,
    each written to a temporary name and renamed, `reports` last. Returns the shard ID."""
    pq = tables.require("pyarrow.parquet", "the shard output")
    pa = tables.require("pyarrow", "the shard output")
    shard = shard or uuid.uuid4().hex
    for table in ORDER:
        d = folder(out, table)
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".part-{shard}.parquet.tmp"
        final = d / f"part-{shard}.parquet"
        pq.write_table(pa.Table.from_pylist(rows.get(table, []), schema=schema(table)), tmp)
        os.replace(tmp, final)
    return shard


def _files(out: Path, shard: str) -> list[Path]:
    return [folder(out, t) / f"part-{shard}.parquet" for t in ORDER]


def prepare(out: Path, inputs: dict[str, str | None]) -> set[tuple[str, str]]:
    """Make `out` ready for a run over `inputs` (file → sha256 of its bytes, None when it
    cannot be read) and return the (file, sha256) pairs already done there.

    Removes temporary files and unfinished batches (a shard ID without its `reports` file)
    left by a run that was killed, then the rows of any input whose content is no longer
    the one tagged (its file changed, or it could not be read: it is tried again)."""
    pq = tables.require("pyarrow.parquet", "the shard output")
    pc = tables.require("pyarrow.compute", "the shard output")
    pa = tables.require("pyarrow", "the shard output")
    out = Path(out)
    for table in ORDER:
        d = folder(out, table)
        if d.is_dir():
            for tmp in d.glob(".part-*.parquet.tmp"):
                tmp.unlink()
    finished = shard_ids(out, "reports")
    for table in ORDER:
        for shard in shard_ids(out, table) - finished:
            (folder(out, table) / f"part-{shard}.parquet").unlink()

    done: set[tuple[str, str]] = set()
    for shard in sorted(finished):
        keys = []
        for table in ("reports", ERRORS):
            t = pq.read_table(folder(out, table) / f"part-{shard}.parquet",
                              columns=["file", "sha256"])
            keys += zip(t["file"].to_pylist(), t["sha256"].to_pylist())
        stale = {(f, s) for f, s in keys if f in inputs and (s is None or inputs[f] != s)}
        done.update(k for k in keys if k not in stale)
        if stale:
            _drop(out, shard, stale, pq, pc, pa)
    return done


def _drop(out: Path, shard: str, stale: set, pq, pc, pa) -> None:
    """Rewrite one shard without the rows of `stale` (file, sha256) pairs, table by table,
    `reports` last, each file replaced whole."""
    files = [f for f, _ in stale]
    for table, path in zip(ORDER, _files(out, shard)):
        t = pq.read_table(path)
        gone = pc.is_in(t["file"], pa.array(files, pa.string()))
        if not pc.any(gone).as_py():
            continue
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(t.filter(pc.invert(gone)), tmp)
        os.replace(tmp, path)


def read(out: Path, table: str):
    """One table of a shard folder as a pyarrow Table (all shards, in no particular order)."""
    ds = tables.require("pyarrow.dataset", "reading the shard output")
    d = folder(out, table)
    if not d.is_dir() or not any(d.glob("part-*.parquet")):
        return schema(table).empty_table()
    return ds.dataset(str(d), format="parquet", schema=schema(table)).to_table()


def rows(out: Path, table: str) -> list[dict]:
    return read(out, table).to_pylist()


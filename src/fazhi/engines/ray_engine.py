"""`fazhi tag SRC… --engine ray --out DIR`: the tagging pipeline on Ray Data.

The files are listed and hashed on the driver (fazhi.tag.find_reports; the files already in
DIR are left out, fazhi.engines.shards), made a dataset of paths, and tagged by a pool of
actors (`map_batches` with `Tagger` on an `ActorPoolStrategy` of `workers` actors), each loading the pipeline
once. Each batch's rows come back to the driver, which writes them as one shard per table
under DIR (fazhi.engines.shards: atomic files, resumable, no row twice).

The files are read by the actors, not by a Ray datasource: `ray.data.read_binary_files`
fails the whole job on a file it cannot read, where here an unreadable, empty, too large or
undecodable file becomes one row of the `errors` table and the run goes on. A worker that
dies is restarted by Ray and its batch tried again (Ray Data's actor pools restart actors and
retry their tasks); the batch's rows reach DIR once, when the driver writes them.

`Tagger` is plain Python: the same class tags a pandas or NumPy batch anywhere, e.g. under
Spark's `mapInPandas` (README), or in a test without Ray.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from fazhi import tables
from fazhi.engines import shards

EXTRA = "ray"
# The columns a batch of results has: one row per input file.
RESULT_COLUMNS = ("file", "sha256", "error", *tables.NAMES)


class MissingRay(ImportError):
    """Ray is not installed; the message says which extra to install."""


def require_ray():
    try:
        import ray
        import ray.data
    except ImportError:
        raise MissingRay(f"--engine ray needs Ray, which is not installed: "
                         f"pip install 'fazhi[{EXTRA}]'") from None
    return ray


class Tagger:
    """Tags a batch of report files: `Tagger(...)(batch)`, where `batch` maps "path" to the
    files' paths and, optionally, "bytes" to their contents (else they are read from
    "location", when given, or "path").

    Returns one result row per file, as columns (NumPy object arrays, so Ray Data and pandas
    take them as they are): "file", "sha256" ("" when the file cannot be read), "error" (the
    one-line reason a file was not tagged, else "") and, per table of fazhi.tables, that file's rows as a JSON list.
    The rows are fazhi.tables.rows of fazhi.tag.record: those of the single-machine output."""

    def __init__(self, model: str | None = None, max_chars: int | None = None,
                 batch_size: int = 8, threads: int = 1, pkuseg_model: str | None = None,
                 fast: bool = False):
        import torch

        from fazhi.pipeline import load, locate_model
        from fazhi.tag import MAX_CHARS

        torch.set_num_threads(threads)  # one core per actor: the pool is the parallelism
        self.nlp = load(locate_model(model), pkuseg_model=pkuseg_model, fast=fast)
        self.max_chars = max_chars or MAX_CHARS
        self.nlp.max_length = max(self.nlp.max_length, self.max_chars)
        self.batch_size = batch_size

    def __call__(self, batch) -> dict:
        import hashlib

        import numpy as np

        from fazhi.io import InputError, file_sha256
        from fazhi.tag import from_bytes, read, record

        paths = [str(p) for p in batch["path"]]
        contents = batch["bytes"] if "bytes" in batch else [None] * len(paths)
        # Where to read each file when it differs from the path that names it in the tables
        # (an absolute path for a worker whose working directory is not the driver's).
        where = [str(p) for p in batch["location"]] if "location" in batch else paths
        out: dict[str, list] = {name: [] for name in RESULT_COLUMNS}
        good = []
        for path, location, data in zip(paths, where, contents):
            data = bytes(data) if data is not None else None
            try:
                if data is None:
                    rep = read(Path(location), self.max_chars)
                    rep.path = Path(path)
                else:
                    rep = from_bytes(Path(path), data, self.max_chars)
            except InputError as err:
                # The content hash keys the error row: the same bytes are not tried again.
                sha = (file_sha256(location) if data is None
                       else hashlib.sha256(data).hexdigest())
                reason = str(err)
                if reason.startswith(f"{location}:"):  # named as in the tables
                    reason = path + reason[len(location):]
                self._add(out, path, sha, reason, None)
                continue
            good.append(rep)
        for doc, rep in self.nlp.pipe(((r.text, r) for r in good), as_tuples=True,
                                      batch_size=self.batch_size):
            rec = record(doc, rep)
            self._add(out, rec["file"], rec["sha256"], None, tables.rows(rec, rep.text))
        return {name: np.array(values, dtype=object) for name, values in out.items()}

    @staticmethod
    def _add(out: dict, file: str, sha: str | None, error: str | None, rows) -> None:
        out["file"].append(file)
        out["sha256"].append(sha or "")  # strings only: Ray Data turns a None into NaN
        out["error"].append(error or "")
        for name in tables.NAMES:
            out[name].append(json.dumps(rows[name], ensure_ascii=False) if rows else "[]")


def table_rows(results) -> dict[str, list[dict]]:
    """A batch of `Tagger` results as the rows of each table, and of `errors`."""
    out: dict[str, list[dict]] = {name: [] for name in (*tables.NAMES, shards.ERRORS)}
    for i, file in enumerate(results["file"]):
        error = _text(results["error"][i])
        if error:
            out[shards.ERRORS].append({"file": str(file), "sha256": _text(results["sha256"][i]),
                                       "reason": error})
            continue
        for name in tables.NAMES:
            out[name].extend(json.loads(results[name][i]))
    return out


def _text(value) -> str | None:
    """A string column's value; "" and what a batch format made of None (NaN) are None."""
    return value if isinstance(value, str) and value else None


@dataclass
class RayRun:
    tagged: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    shards: int = 0
    seconds: float = 0.0
    # (seconds since the start, characters tagged) as each shard is written: the start-up
    # (Ray, the actors loading the model) apart from the steady rate (benchmarks/).
    timeline: list[tuple[float, int]] = field(default_factory=list)

    def summary(self) -> str:
        return (f"tagged {self.tagged} report(s) in {self.seconds:.1f} s; "
                f"{len(self.errors)} failed; {self.skipped} already in the output; "
                f"{self.shards} shard(s) written")


def run(paths, out: str | Path, *, address: str | None = None, workers: int = 2,
        model: str | None = None, pattern: str | None = None, max_chars: int | None = None,
        batch_size: int = 8, pkuseg_model: str | None = None, fast: bool = False,
        files_per_batch: int | None = None, tagger: type = Tagger) -> RayRun:
    """Tag the reports under `paths` on Ray into the shard folder `out` (see the module's
    docstring). `address`: an existing cluster ("auto", "ray://host:10001" …); without it a
    local Ray instance starts with `workers` CPUs. `files_per_batch`: files per
    `map_batches` batch, hence per shard (default: `batch_size`). `tagger`: the batch class
    (a subclass of `Tagger`)."""
    from fazhi.io import file_sha256
    from fazhi.pipeline import locate_model
    from fazhi.tag import find_reports

    ray = require_ray()
    out = Path(out)
    result = RayRun()
    start = time.perf_counter()
    files = find_reports(paths, pattern, result.errors)
    inputs = {str(p): file_sha256(p) for p in files}
    done = shards.prepare(out, inputs)
    todo = [f for f, sha in inputs.items() if (f, sha) not in done]
    result.skipped = len(inputs) - len(todo)
    # Paths named that are not there (or folders without reports) are said here, not
    # written: they are not files, and a row for them would be written again each run.
    for err in result.errors:
        print(err, file=sys.stderr)
    if not todo:
        result.seconds = time.perf_counter() - start
        return result
    # The model is found here, so that a missing one is one line before any actor starts;
    # the actors load it from this path (a cluster's nodes need it at the same path, or an
    # installed model package: README).
    model_path = str(locate_model(model).absolute())

    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        per_batch = files_per_batch or batch_size
        ds = ray.data.from_items([{"path": f, "location": str(Path(f).absolute())}
                                  for f in todo],
                                 override_num_blocks=max(1, -(-len(todo) // per_batch)))
        tagged = ds.map_batches(
            tagger, batch_size=per_batch, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
            fn_constructor_kwargs={
                "model": model_path, "max_chars": max_chars, "batch_size": batch_size,
                "pkuseg_model": pkuseg_model, "fast": fast})
        for batch in tagged.iter_batches(batch_size=None, batch_format="numpy"):
            rows = table_rows(batch)
            shards.write_shard(out, rows)
            result.shards += 1
            result.tagged += len(rows["reports"])
            result.timeline.append((time.perf_counter() - start,
                                    sum(r["chars"] for r in rows["reports"])))
            for e in rows[shards.ERRORS]:
                result.errors.append(e["reason"])
                print(e["reason"], file=sys.stderr)
    finally:
        if started:
            ray.shutdown()
    result.seconds = time.perf_counter() - start
    return result

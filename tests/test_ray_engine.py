"""`fazhi tag --engine ray --out DIR`: the same tables as the single-machine Parquet output,
as Parquet shards that a killed run leaves whole and a second run completes without
writing any row twice; a bad file is an error row, never a failed job; a worker that dies
is restarted by Ray and its batch tried again.

The batch function (`Tagger`) and the shard folder are plain Python and tested here without
Ray; the tests that start Ray (a local instance with 2 CPUs) are skipped when Ray is not
installed (it is the `ray` extra, not part of `dev`: pip install -e '.[ray]')."""

import importlib.util
import os
import signal
import subprocess
import sys
import time

import pytest

from fazhi import tables
from fazhi.cli import main
from fazhi.engines import shards
from fazhi.engines.ray_engine import Tagger, table_rows

from conftest import ROOT, SHIPPED_MODEL, subprocess_env

needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray is not installed (pip install -e '.[ray]')")

# Written for these tests: short reports with a heading, items, figures and a regulation.
REPORT = (
    "2024年法治政府建设年度情况报告\n"
    "一、主要举措和成效\n"
    "一是推进科学民主依法决策。市政府审议重大行政决策事项12项,全部经过合法性审查。\n"
    "二是加强行政执法监督。全市开展执法案卷评查860卷,贯彻《行政处罚法》。\n"
    "二、下一步工作安排\n"
    "下一步,将深入推进法治政府示范创建。\n"
)
REPORTS = {
    "a.txt": REPORT,
    "b.txt": REPORT.replace("12项", "15项").replace("860卷", "1020卷"),
    "c.txt": REPORT.replace("市政府", "县政府").replace("《行政处罚法》", "《行政许可法》"),
}


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "reports"
    d.mkdir()
    for name, text in REPORTS.items():
        (d / name).write_text(text, encoding="utf-8")
    (d / "bad.txt").write_bytes(b"")  # empty: an error row, the others still tagged
    return d


def single_process(folder, tmp_path, capsys) -> dict[str, list[dict]]:
    """The rows of every table as `fazhi tag --out X.parquet` (one process) writes them."""
    import pyarrow.parquet as pq

    out = tmp_path / "single.parquet"
    assert main(["tag", str(folder), "--out", str(out), "--model", str(SHIPPED_MODEL)]) == 1
    err = capsys.readouterr().err
    assert f"{folder / 'bad.txt'}: empty file" in err
    return {name: pq.read_table(tables.parquet_file(out, name)).to_pylist()
            for name in tables.NAMES}


def ordered(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["file"], r.get("section") or -1, r.get("entity") or -1,
                                       r.get("start") or -1))


# --- the batch function, without Ray ---------------------------------------------------------

def test_the_batch_function_gives_the_rows_of_the_single_process_output(
        folder, tmp_path, capsys, shipped_model_loaded_once):
    expected = single_process(folder, tmp_path, capsys)
    files = sorted(folder.iterdir())
    paths = [str(p) for p in files]
    tagger = Tagger(model=str(SHIPPED_MODEL))
    # One batch read by the caller (path + bytes, as Spark's binaryFile gives them), one
    # where the function reads the files itself.
    results = [tagger({"path": paths[:2], "bytes": [p.read_bytes() for p in files[:2]]}),
               tagger({"path": paths[2:]})]
    got = {name: [] for name in (*tables.NAMES, shards.ERRORS)}
    for res in results:
        for name, rows in table_rows(res).items():
            got[name] += rows
    for name in tables.NAMES:
        want = tables.to_arrow(name, ordered(expected[name])).to_pylist()
        assert tables.to_arrow(name, ordered(got[name])).to_pylist() == want, name
    assert got[shards.ERRORS] == [{"file": str(folder / "bad.txt"), "sha256":
                                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                                   "reason": f"{folder / 'bad.txt'}: empty file"}]


def test_a_file_read_from_another_location_keeps_the_path_that_names_it(
        folder, shipped_model_loaded_once):
    tagger = Tagger(model=str(SHIPPED_MODEL))
    res = table_rows(tagger({"path": ["reports/a.txt", "reports/bad.txt"],
                             "location": [str(folder / "a.txt"), str(folder / "bad.txt")]}))
    assert [r["file"] for r in res["reports"]] == ["reports/a.txt"]
    assert [e["reason"] for e in res[shards.ERRORS]] == ["reports/bad.txt: empty file"]


# --- the shard folder ------------------------------------------------------------------------

def rows_of(file, sha, n_entities=1):
    return {"reports": [{"sha256": sha, "file": file, "chars": 3}],
            "entities": [{"sha256": sha, "file": file, "entity": i, "start": 0, "end": 1}
                         for i in range(n_entities)]}


def test_done_reports_are_those_with_the_same_path_and_content(tmp_path):
    out = tmp_path / "out"
    shards.write_shard(out, rows_of("a.txt", "h1"))
    shards.write_shard(out, {**rows_of("b.txt", "h2"),
                             shards.ERRORS: [{"file": "bad.txt", "sha256": "h3",
                                              "reason": "bad.txt: empty file"}]})
    done = shards.prepare(out, {"a.txt": "h1", "b.txt": "h2", "bad.txt": "h3"})
    assert done == {("a.txt", "h1"), ("b.txt", "h2"), ("bad.txt", "h3")}
    assert len(shards.rows(out, "entities")) == 2


def test_an_unfinished_batch_and_temporary_files_are_removed_before_a_run(tmp_path):
    out = tmp_path / "out"
    shards.write_shard(out, rows_of("a.txt", "h1"))
    # A run killed while writing its second batch: entities written, reports not yet.
    shards.write_shard(out, rows_of("b.txt", "h2", 3), shard="killed")
    (shards.folder(out, "reports") / "part-killed.parquet").unlink()
    (shards.folder(out, "entities") / ".part-next.parquet.tmp").write_bytes(b"half")
    done = shards.prepare(out, {"a.txt": "h1", "b.txt": "h2"})
    assert done == {("a.txt", "h1")}
    assert [r["file"] for r in shards.rows(out, "entities")] == ["a.txt"]
    assert not list(shards.folder(out, "entities").glob(".*"))


def test_a_changed_file_loses_its_old_rows_and_is_tagged_again(tmp_path):
    out = tmp_path / "out"
    shards.write_shard(out, {name: r1 + r2 for (name, r1), r2 in zip(
        rows_of("a.txt", "old", 2).items(), rows_of("b.txt", "h2").values())})
    done = shards.prepare(out, {"a.txt": "new", "b.txt": "h2"})
    assert done == {("b.txt", "h2")}
    for table in ("reports", "entities"):
        assert {r["file"] for r in shards.rows(out, table)} == {"b.txt"}


def test_the_shard_folder_reads_as_the_tables_of_fazhi_tables(tmp_path):
    out = tmp_path / "out"
    shards.write_shard(out, rows_of("a.txt", "h1"))
    shards.write_shard(out, rows_of("b.txt", "h2"))
    assert sorted(tables.read(out, "reports")["file"]) == ["a.txt", "b.txt"]
    n = tables.query(out, "SELECT count(*) AS n FROM entities")["n"][0]
    assert n == 2


def test_without_ray_the_cli_says_which_extra_to_install(folder, tmp_path, capsys,
                                                         monkeypatch):
    import fazhi.engines.ray_engine as engine

    def missing():
        raise engine.MissingRay("--engine ray needs Ray, which is not installed: "
                                "pip install 'fazhi[ray]'")

    monkeypatch.setattr(engine, "require_ray", missing)
    code = main(["tag", str(folder), "--engine", "ray", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'fazhi[ray]'" in err and "Traceback" not in err


# --- on Ray: a local instance with 2 CPUs ----------------------------------------------------

@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def assert_same_rows(out, expected):
    for name in tables.NAMES:
        got = ordered(shards.rows(out, name))
        assert got == tables.to_arrow(name, ordered(expected[name])).to_pylist(), name


@needs_ray
def test_on_ray_the_rows_equal_the_single_process_output_exactly(
        folder, tmp_path, capsys, shipped_model_loaded_once, local_ray):
    from fazhi.engines.ray_engine import run

    expected = single_process(folder, tmp_path, capsys)
    out = tmp_path / "ray"
    result = run([folder], out, workers=2, model=str(SHIPPED_MODEL), files_per_batch=1)
    assert result.tagged == 3 and len(result.errors) == 1
    assert_same_rows(out, expected)
    (error,) = shards.rows(out, shards.ERRORS)
    assert error["file"] == str(folder / "bad.txt") and error["reason"].endswith("empty file")
    # Started again: everything is done, nothing is written twice.
    again = run([folder], out, workers=2, model=str(SHIPPED_MODEL))
    assert again.tagged == 0 and again.skipped == 4
    assert_same_rows(out, expected)
    assert len(shards.rows(out, shards.ERRORS)) == 1


@needs_ray
def test_a_run_killed_mid_way_is_completed_by_the_next_without_duplicates(
        folder, tmp_path, capsys, shipped_model_loaded_once, local_ray):
    from fazhi.engines.ray_engine import run

    expected = single_process(folder, tmp_path, capsys)
    out = tmp_path / "ray"
    # One actor, one file per batch (so per shard): killed, with all it started, once the
    # first batch is written.
    cmd = [sys.executable, "-m", "fazhi.cli", "tag", str(folder), "--engine", "ray",
           "--workers", "1", "--batch-size", "1", "--out", str(out),
           "--model", str(SHIPPED_MODEL)]
    child = subprocess.Popen(cmd, env={**subprocess_env(), "OMP_NUM_THREADS": "1"},
                             cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not shards.shard_ids(out, "reports") and child.poll() is None:
            assert time.monotonic() < deadline, "the first shard never came"
            time.sleep(0.2)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    written = shards.shard_ids(out, "reports")
    assert written  # at least one batch was whole before the kill
    result = run([folder], out, workers=2, model=str(SHIPPED_MODEL))
    assert result.skipped >= 1 and result.skipped + result.tagged + len(result.errors) == 4
    assert_same_rows(out, expected)
    assert len(shards.rows(out, shards.ERRORS)) == 1


def test_the_ray_engine_writes_one_folder(folder, tmp_path, capsys):
    assert main(["tag", str(folder), "--engine", "ray"]) == 2
    assert "give exactly one --out DIR" in capsys.readouterr().err
    (tmp_path / "f").write_text("x")
    assert main(["tag", str(folder), "--engine", "ray", "--out", str(tmp_path / "f")]) == 2
    assert "is a file" in capsys.readouterr().err


@needs_ray
def test_a_worker_that_dies_is_restarted_and_its_batch_tried_again(
        folder, tmp_path, capsys, shipped_model_loaded_once, local_ray):
    from fazhi.engines.ray_engine import run

    expected = single_process(folder, tmp_path, capsys)
    died = tmp_path / "died"

    class DiesOnce(Tagger):  # defined here: Ray ships it to the workers by value
        def __call__(self, batch):
            if not died.exists():
                died.write_text("x")
                os._exit(1)  # the worker process dies in the middle of a batch
            return super().__call__(batch)

    out = tmp_path / "ray"
    result = run([folder], out, workers=1, model=str(SHIPPED_MODEL), files_per_batch=2,
                 tagger=DiesOnce)
    assert died.exists() and result.tagged == 3 and len(result.errors) == 1
    assert_same_rows(out, expected)

"""The tables researchers query: `fazhi tag --out X.parquet` (a folder, one file per table)
and `--out X.duckdb` (a database that runs add to, re-tagged reports replacing their rows),
both from one schema and one record-to-rows function, read back as pandas DataFrames."""

import json
import os
import subprocess
import sys

import pytest

from fazhi import tables
from fazhi.cli import main

from conftest import ROOT, run_tag, subprocess_env

# Every CLI run of this module tags with the session's loaded pipeline.
pytestmark = pytest.mark.usefixtures("shipped_model_loaded_once")

# Written for these tests: a heading, two items, a regulation, figures with and without a
# bound word.
REPORT = (
    "2023年法治政府建设年度情况报告\n"
    "一、主要举措和成效\n"
    "一是加强重点领域立法。全年制定修订《北京市物业管理条例》等地方性法规3件,审查规范性"
    "文件120余件。\n"
    "二是深化行政复议体制改革。区司法局办理行政复议案件319件,贯彻落实《行政复议法》。\n"
    "二、存在的不足和下一步工作安排\n"
    "下一步,区政府将继续推进严格规范公正文明执法。\n"
)


@pytest.fixture
def folder(tmp_path, short_report):
    d = tmp_path / "reports"
    d.mkdir()
    (d / "a.txt").write_text(REPORT, encoding="utf-8")
    (d / "b.txt").write_text(short_report, encoding="utf-8")
    (d / "c.txt").write_text(REPORT.replace("319件", "412件"), encoding="utf-8")
    return d


def records(jsonl):
    return [json.loads(line) for line in jsonl.read_text("utf-8").splitlines()]


def sorted_frame(df):
    keys = [c for c in ("file", "section", "entity") if c in df.columns]
    return df.sort_values(keys).reset_index(drop=True)


# --- one record, five tables ---------------------------------------------------------------

def test_a_record_becomes_rows_of_the_five_tables_with_the_declared_columns(nlp, tmp_path):
    from fazhi.tag import ReportFile, record

    report = ReportFile(tmp_path / "a.txt", REPORT, "utf-8", "abc")
    rec = record(nlp(REPORT), report)
    rows = tables.rows(rec, REPORT)
    assert list(rows) == ["reports", "sections", "entities", "indicators", "regulations"]
    for name, table_rows in rows.items():
        for row in table_rows:
            assert tuple(row) == tables.columns(name)
            assert row["sha256"] == "abc" and row["file"] == str(tmp_path / "a.txt")
    (rep,) = rows["reports"]
    assert rep["text"] == REPORT and rep["chars"] == len(REPORT) and rep["encoding"] == "utf-8"
    assert rep["entities"] == len(rows["entities"]) == len(rec["entities"])
    assert rep["year"] == tables.document_fields(rec["document"])["year"]
    for e in rows["entities"]:
        assert REPORT[e["start"]:e["end"]] == e["text"]
        assert e["sentence"] == REPORT[e["sentence_start"]:e["sentence_end"]].strip()
    by_text = {e["text"]: e for e in rows["entities"]}
    ind = next(r for r in rows["indicators"] if r["text"] == "319件")
    assert (ind["value"], ind["unit"], ind["approximate"], ind["subject"]) == (
        319.0, "件", False, "行政复议案件")
    assert ind["entity"] == rows["entities"].index(by_text["319件"])
    assert ind["part"] == "ACHIEVEMENTS" == rows["sections"][ind["section"]]["part"]
    approx = next(r for r in rows["indicators"] if r["text"].startswith("120"))
    assert (approx["value"], approx["bound"], approx["approximate"]) == (120.0, "余", True)
    reg = next(r for r in rows["regulations"] if r["text"] == "北京市物业管理条例")
    assert (reg["title"], reg["kind"], reg["period"]) == ("北京市物业管理条例", "条例", None)
    # The document's metadata, when the record carries it, fills its columns.
    rec["document"] = {"unit": {"text": "某区", "start": 0, "end": 2, "name": "某区人民政府",
                                "level": "district", "province": "北京市"},
                       "year": {"text": "2023年", "start": 2, "end": 7, "value": 2023},
                       "reason": {"unit": None, "year": None}}
    (rep,) = tables.rows(rec, REPORT)["reports"]
    assert (rep["issuing_unit"], rep["level"], rep["province"], rep["year"]) == (
        "某区人民政府", "district", "北京市", 2023)


# --- the files: Parquet and DuckDB hold the same tables -----------------------------------

def test_parquet_and_duckdb_hold_the_same_tables_as_the_records(capsys, tmp_path, folder):
    out = tmp_path / "out"
    code, _, err = run_tag(capsys, folder, "--out", out / "r.jsonl", "--out", out / "t.parquet",
                       "--out", out / "t.duckdb")
    assert code == 0, err
    assert f"wrote {out / 't.parquet'} (parquet)" in err
    assert sorted(p.name for p in (out / "t.parquet").iterdir()) == [
        "entities.parquet", "indicators.parquet", "regulations.parquet", "reports.parquet",
        "sections.parquet"]
    assert sorted(p.name for p in out.iterdir()) == ["r.jsonl", "t.duckdb", "t.parquet"]
    texts = {str(folder / n): (folder / n).read_text("utf-8") for n in ("a.txt", "b.txt", "c.txt")}
    expected = tables.frames((r, texts[r["file"]]) for r in records(out / "r.jsonl"))
    from_parquet, from_duckdb = tables.load(out / "t.parquet"), tables.load(out / "t.duckdb")
    import pandas as pd

    for name in tables.NAMES:
        assert tuple(from_parquet[name].columns) == tables.columns(name)
        for got in (from_parquet[name], from_duckdb[name]):
            pd.testing.assert_frame_equal(sorted_frame(got), sorted_frame(expected[name]))
    assert len(from_duckdb["reports"]) == 3
    assert str(from_duckdb["entities"]["section"].dtype) == "Int64"  # not floats
    assert str(from_duckdb["indicators"]["approximate"].dtype) == "boolean"


def test_the_readme_queries_run_on_either_file(capsys, tmp_path, folder):
    code, _, _ = run_tag(capsys, folder, "--out", tmp_path / "t.parquet", "--out", tmp_path / "t.duckdb")
    assert code == 0
    for path in (tmp_path / "t.parquet", tmp_path / "t.duckdb"):
        top = tables.query(path, "SELECT title, count(*) AS n FROM regulations "
                                 "GROUP BY title ORDER BY n DESC, title LIMIT 1")
        assert top.to_dict("records") == [{"title": "北京市物业管理条例", "n": 2}]
        cases = tables.query(path, "SELECT sum(value) AS total FROM indicators "
                                   "WHERE subject = ?", ["行政复议案件"])
        assert cases["total"].tolist() == [319.0 + 412.0]
        measures = tables.query(path, "SELECT r.doc_id, count(*) AS n FROM entities e "
                                      "JOIN reports r USING (sha256) WHERE label = 'MEASURE' "
                                      "GROUP BY r.doc_id ORDER BY r.doc_id")
        assert measures["doc_id"].tolist() == ["a", "b", "c"]


def test_retagging_replaces_a_reports_rows_and_runs_extend_the_database(capsys, tmp_path,
                                                                         folder):
    db = tmp_path / "t.duckdb"
    assert run_tag(capsys, folder / "a.txt", folder / "b.txt", "--out", db)[0] == 0
    first = tables.load(db)
    assert run_tag(capsys, folder / "a.txt", folder / "b.txt", "--out", db)[0] == 0  # repeated
    again = tables.load(db)
    for name in tables.NAMES:
        assert len(again[name]) == len(first[name])
    assert run_tag(capsys, folder / "c.txt", "--out", db)[0] == 0  # extended
    with open(folder / "a.txt", "a", encoding="utf-8") as f:  # edited: a new content hash
        f.write("全年办理行政复议案件500件。\n")
    assert run_tag(capsys, folder / "a.txt", "--out", db)[0] == 0
    now = tables.load(db)
    reports = now["reports"].set_index("file")
    assert sorted(reports.index) == [str(folder / n) for n in ("a.txt", "b.txt", "c.txt")]
    a = str(folder / "a.txt")
    assert reports.loc[a, "text"].endswith("500件。\n")  # the old rows of a are gone
    for name in tables.NAMES:
        assert set(now[name]["sha256"]) <= set(now["reports"]["sha256"])
    assert "500件" in now["indicators"].query("file == @a")["text"].tolist()


def test_resume_skips_reports_already_in_the_tables(capsys, tmp_path, folder):
    db, pq = tmp_path / "t.duckdb", tmp_path / "t.parquet"
    (folder / "c.txt").rename(tmp_path / "c.txt")
    assert run_tag(capsys, folder, "--out", db, "--out", pq)[0] == 0
    (tmp_path / "c.txt").rename(folder / "c.txt")
    code, _, err = run_tag(capsys, folder, "--out", db, "--out", pq, "--resume")
    assert code == 0 and "tagged 1 report(s)" in err and "2 already in the output" in err
    for path in (db, pq):
        reports = tables.read(path, "reports")
        assert sorted(reports["doc_id"]) == ["a", "b", "c"]
        assert len(tables.read(path, "entities")) == reports["entities"].sum()


# --- whole or not at all ------------------------------------------------------------------

def test_a_run_that_fails_leaves_the_previous_tables_as_they_were(capsys, monkeypatch,
                                                                  tmp_path, folder):
    db, pq = tmp_path / "t.duckdb", tmp_path / "t.parquet"
    assert run_tag(capsys, folder / "a.txt", "--out", db, "--out", pq)[0] == 0
    before = {p: tables.load(p) for p in (db, pq)}
    rows, calls = tables.rows, []

    def fails_at_the_second_report(rec, text=None):
        calls.append(rec["file"])
        if len(calls) > 2:  # each report goes to both outputs
            raise RuntimeError("disk full")
        return rows(rec, text)

    monkeypatch.setattr(tables, "rows", fails_at_the_second_report)
    import fazhi.table_outputs

    monkeypatch.setattr(fazhi.table_outputs, "FLUSH_ROWS", 1)  # the first report is flushed
    with pytest.raises(RuntimeError):
        main(["tag", str(folder), "--out", str(db), "--out", str(pq), "--batch-size", "1"])
    for p in (db, pq):
        after = tables.load(p)
        assert all(after[n].equals(before[p][n]) for n in tables.NAMES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports", "t.duckdb", "t.parquet"]


def test_a_killed_run_leaves_the_database_as_it_was(tmp_path):
    """The run is one transaction: a process killed half way leaves the last commit."""
    db = tmp_path / "t.duckdb"
    script = """
import os
from fazhi.table_outputs import DuckdbOutput

def rec(name):
    return {"file": name + ".txt", "sha256": name, "chars": 4, "sections": [], "entities": []}

out = DuckdbOutput(DB).open()
out.write(rec("a"), "依法行政")
out.commit()
out = DuckdbOutput(DB).open()
for name in "bcd":
    out.write(rec(name), "依法行政")
out._flush()
os._exit(9)  # killed before the commit
""".replace("DB", repr(str(db)))
    done = subprocess.run([sys.executable, "-c", script], env=subprocess_env(), cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 9, done.stderr
    assert tables.read(db, "reports")["file"].tolist() == ["a.txt"]


def test_ctrl_c_commits_the_reports_finished_and_resume_completes_them(capsys, monkeypatch,
                                                                        tmp_path, folder):
    import fazhi.tag

    record, calls = fazhi.tag.record, []

    def stops_at_the_third(doc, report):
        calls.append(report)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return record(doc, report)

    monkeypatch.setattr(fazhi.tag, "record", stops_at_the_third)
    db = tmp_path / "t.duckdb"
    code, _, err = run_tag(capsys, folder, "--out", db, "--batch-size", "1")
    assert code == 130 and "interrupted: 2 report(s) written whole" in err
    assert sorted(tables.read(db, "reports")["doc_id"]) == ["a", "b"]
    monkeypatch.setattr(fazhi.tag, "record", record)
    code, _, err = run_tag(capsys, folder, "--out", db, "--resume")
    assert code == 0 and "tagged 1 report(s)" in err
    assert sorted(tables.read(db, "reports")["doc_id"]) == ["a", "b", "c"]


# --- refused before any tagging -------------------------------------------------------------

@pytest.fixture
def never_loaded(monkeypatch):
    import fazhi.pipeline

    def load(path, **kw):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(fazhi.pipeline, "load", load)


def test_outputs_that_cannot_be_tables_are_refused(capsys, tmp_path, folder, never_loaded):
    theirs = tmp_path / "theirs.parquet"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = run_tag(capsys, folder, "--out", theirs)
    assert code == 2 and err.strip() == (
        f"{theirs}: a folder holding notes.txt, which is not a table of fazhi tag; write "
        "elsewhere")
    not_a_db = tmp_path / "notes.duckdb"
    not_a_db.write_text("not a database", encoding="utf-8")
    code, _, err = run_tag(capsys, folder, "--out", not_a_db)
    assert code == 2 and err.startswith(f"{not_a_db}: cannot use it as a DuckDB database (")
    assert len(err.strip().splitlines()) == 1
    assert not_a_db.read_text("utf-8") == "not a database"
    code, _, err = run_tag(capsys, folder, "--format", "duckdb")
    assert code == 2 and err.strip() == (
        "--format duckdb cannot go to stdout: name the output with --out FILE.duckdb")
    new_db = tmp_path / "new.duckdb"  # a database this run created is removed with it
    code, _, err = run_tag(capsys, folder, "--out", new_db, "--out", theirs)
    assert code == 2 and not new_db.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.duckdb", "reports", "theirs.parquet"]


@pytest.mark.parametrize("module, suffix", [("pyarrow", "parquet"), ("duckdb", "duckdb")])
def test_a_missing_extra_is_one_line_naming_it(capsys, monkeypatch, tmp_path, folder,
                                               never_loaded, module, suffix):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as when not installed
    target = tmp_path / f"t.{suffix}"
    code, _, err = run_tag(capsys, folder, "--out", target)
    what = "Parquet" if suffix == "parquet" else "DuckDB"
    assert code == 2 and err.strip() == (
        f"{target}: {what} output needs the {module} package, which is not installed: "
        "pip install 'fazhi[tables]'")
    assert not target.exists()


# --- the pandas API -------------------------------------------------------------------------

def test_reading_something_that_is_not_an_output_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        tables.read(tmp_path / "none.duckdb", "reports")
    (tmp_path / "x.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not an output of fazhi tag"):
        tables.read(tmp_path / "x.csv", "reports")
    with pytest.raises(ValueError, match="no table 'people'; the tables are reports, "):
        tables.read(tmp_path / "x.csv", "people")


def test_the_schema_is_declared_once_for_every_writer():
    import fazhi.table_outputs

    source = (ROOT / "src" / "fazhi" / "table_outputs.py").read_text("utf-8")
    assert "CREATE TABLE" not in source and "pa.schema" not in source
    assert fazhi.table_outputs.OUTPUTS.keys() == {"parquet", "duckdb"}
    for name in tables.NAMES:
        sql = tables.create_sql(name)
        assert all(f'"{col}"' in sql for col in tables.columns(name))
        assert tables.arrow_schema(name).names == list(tables.columns(name))


def test_a_parquet_output_replaced_in_place_leaves_no_temporary_folder(capsys, tmp_path,
                                                                       folder):
    pq = tmp_path / "t.parquet"
    assert run_tag(capsys, folder / "a.txt", "--out", pq)[0] == 0
    assert run_tag(capsys, folder / "b.txt", "--out", pq)[0] == 0  # replaced, not added to
    assert tables.read(pq, "reports")["doc_id"].tolist() == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports", "t.parquet"]
    assert oct(os.stat(pq).st_mode & 0o777) != oct(0o700)  # ordinary permissions


# --- the README's queries, on make tag's output ---------------------------------------------

def test_the_readme_queries_print_what_the_readme_says(capsys, monkeypatch, tmp_path):
    """The three queries of the README, run on the four example reports as `make tag` tags
    them, print the README's block."""
    import contextlib
    import io
    import re

    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("Three queries, run on"):]
    code, printed = re.search(r"```python\n(.*?)```\n\nprints\n\n```\n(.*?)```", section,
                              re.DOTALL).groups()
    monkeypatch.chdir(ROOT)
    db = tmp_path / "reports.duckdb"
    reports = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "corpus").glob("*.txt"))
    assert run_tag(capsys, *reports, "--out", db)[0] == 0
    assert 'db = "output/reports.duckdb"' in code
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code.replace('"output/reports.duckdb"', repr(str(db))), {})  # noqa: S102
    assert out.getvalue() == printed


def test_the_reports_table_carries_who_reported_and_when():
    from fazhi.tables import document_fields

    document = {"unit": {"text": "延庆区人民政府", "start": 4, "end": 11, "name": "北京市延庆区人民政府",
                         "level": "district", "province": "北京市"},
                "year": {"text": "2024年", "start": 0, "end": 5, "value": 2024},
                "reason": {"unit": None, "year": None}}
    assert document_fields(document) == {"issuing_unit": "北京市延庆区人民政府",
                                          "level": "district", "province": "北京市",
                                          "year": 2024}
    assert document_fields({"unit": None, "year": None, "reason": {"unit": "no unit named"}}) \
        == {"issuing_unit": None, "level": None, "province": None, "year": None}

"""`fazhi tag`: reports in, one record per report out; a bad file costs one line naming it,
the good ones are still tagged, the exit code says something failed, and an output file is
either written whole or not touched."""

import csv
import io
import json

import pytest

from fazhi.cli import main

from conftest import ROOT, SHIPPED_MODEL, run_tag

# Every CLI run of this module tags with the session's loaded pipeline.
pytestmark = pytest.mark.usefixtures("shipped_model_loaded_once")


@pytest.fixture
def good(tmp_path, short_report):
    path = tmp_path / "延庆区.txt"
    path.write_text(short_report, encoding="utf-8")
    return path


def test_a_report_becomes_one_json_record_with_sections_and_entities(capsys, good):
    code, out, err = run_tag(capsys, good)
    assert code == 0
    (rec,) = [json.loads(line) for line in out.splitlines()]
    text = good.read_text(encoding="utf-8")
    assert rec["doc_id"] == "延庆区" and rec["encoding"] == "utf-8" and rec["format"] == "text"
    assert rec["script"] == "traditional" and rec["chars"] == len(text) and rec["text"] == text
    assert rec["sections"][1]["heading"]["text"] == "一、2024年法治政府建設主要舉措和成效"
    for e in rec["entities"]:
        assert text[e["start"]:e["end"]] == e["text"]
        assert rec["sections"][e["section"]]["start"] <= e["start"]
        assert e["sentence"]["start"] <= e["start"] < e["sentence"]["end"]
    ind = next(e for e in rec["entities"] if e["text"] == "24個")
    assert ind["normalized"] == "24个" and ind["value"]["value"] == 24
    assert "tagged 1 report(s)" in err and "INDICATOR" in err  # the summary


def test_fast_tags_with_the_rules_the_model_follows_and_the_ranker_alone(capsys, monkeypatch,
                                                                        good):
    import fazhi.pipeline
    from fazhi.normalize import normalize
    from fazhi.pipeline.assemble import load
    from fazhi.rules import RuleTagger

    loaded = []
    monkeypatch.setattr(fazhi.pipeline, "load", lambda path, **kw: loaded.append(
        load(path, **kw)) or loaded[-1])
    code, out, _ = run_tag(capsys, good, "--fast")
    assert code == 0
    nlp = loaded[0]
    assert nlp.get_pipe("ner").rules_only and nlp.get_pipe("values").subjects == "learned"
    assert nlp.get_pipe("ner").tagger.model is None  # the encoder is never loaded
    (rec,) = [json.loads(line) for line in out.splitlines()]
    norm = normalize(good.read_text(encoding="utf-8"))
    rules = RuleTagger().from_disk(SHIPPED_MODEL / "ner")
    assert [(e["start"], e["end"], e["label"]) for e in rec["entities"]] == [
        (*norm.to_original(a, b), label) for a, b, label in rules.predict(norm.text)]
    assert any(e["value"] and e["value"].get("subject") for e in rec["entities"]
               if e["label"] == "INDICATOR")


def test_gb18030_reports_are_read_and_say_so(capsys, tmp_path, short_report):
    path = tmp_path / "gbk.txt"
    path.write_bytes(short_report.encode("gb18030"))
    code, out, _ = run_tag(capsys, path)
    assert code == 0 and json.loads(out)["encoding"] == "gb18030"


def test_csv_has_one_row_per_entity_and_html_shows_sections(capsys, tmp_path, good):
    csv_out, html_out = tmp_path / "out" / "e.csv", tmp_path / "out" / "r.html"
    code, _, err = run_tag(capsys, good, "--out", csv_out, "--out", html_out)
    assert code == 0 and f"wrote {csv_out}" in err
    code, out, _ = run_tag(capsys, good)
    n_entities = len(json.loads(out)["entities"])
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8"))))
    assert len(rows) == n_entities
    row = next(r for r in rows if r["text"] == "24個")
    assert row["label"] == "INDICATOR" and row["unit"] == "个" and row["part"] == "ACHIEVEMENTS"
    assert row["sentence"].startswith("高質效完成24個")
    page = html_out.read_text(encoding="utf-8")
    assert "(一)政府職能依法全面履行" in page and "INDICATOR" in page and "<mark" in page


@pytest.fixture
def mixed_folder(tmp_path, short_report):
    d = tmp_path / "reports"
    d.mkdir()
    (d / "good.txt").write_text(short_report, encoding="utf-8")
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (d / "bad-bytes.txt").write_bytes("依法行政".encode() + b"\xff\xfe\xfa" * 40)
    (d / "notes.md").write_text("not a report", encoding="utf-8")  # not a report format: skipped
    return d


def test_a_folder_mixing_good_and_bad_files(capsys, tmp_path, mixed_folder):
    out_file = tmp_path / "out.jsonl"
    code, _, err = run_tag(capsys, mixed_folder, tmp_path / "missing.txt", "--out", out_file)
    assert code == 1
    problems = [line for line in err.splitlines()
                if line.startswith(str(tmp_path)) and "wrote" not in line]
    assert sorted(problems) == sorted([
        f"{mixed_folder / 'bad-bytes.txt'}: not valid UTF-8 (byte 12), GB18030 or Big5 text",
        f"{mixed_folder / 'binary.txt'}: binary file (NUL bytes), not a text report",
        f"{mixed_folder / 'empty.txt'}: empty file",
        f"{tmp_path / 'missing.txt'}: no such file or folder",
    ])
    (rec,) = [json.loads(line) for line in out_file.read_text(encoding="utf-8").splitlines()]
    assert rec["doc_id"] == "good"
    assert "1 report(s)" in err and "4 failed" in err


def test_a_5_mb_report_is_refused_with_its_size_and_the_limit(capsys, tmp_path, good):
    big = tmp_path / "big.txt"
    big.write_text("依法行政工作报告。" * 200_000, encoding="utf-8")  # 5.4 MB
    code, out, err = run_tag(capsys, big, good)
    assert code == 1
    assert f"{big}: 5.4 MB is too large for one report" in err
    assert json.loads(out)["doc_id"] == "延庆区"


def test_the_length_limit_is_a_setting(capsys, good):
    code, out, err = run_tag(capsys, good, "--max-chars", "100")
    assert code == 1 and out == "" and "too large for one report (limit 100 characters" in err


def test_output_is_replaced_whole_or_left_alone(capsys, monkeypatch, tmp_path, good):
    from fazhi.output import JsonlOutput

    out_file = tmp_path / "out.jsonl"
    out_file.write_text("previous run\n", encoding="utf-8")
    write = JsonlOutput._write

    def fails_half_way(self, rec, text):
        self.f.write('{"file": "half a rec')
        raise RuntimeError("disk full")

    monkeypatch.setattr(JsonlOutput, "_write", fails_half_way)
    with pytest.raises(RuntimeError):
        main(["tag", str(good), "--out", str(out_file)])
    assert out_file.read_text(encoding="utf-8") == "previous run\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    monkeypatch.setattr(JsonlOutput, "_write", write)
    code, _, _ = run_tag(capsys, good, "--out", out_file)
    assert code == 0 and json.loads(out_file.read_text(encoding="utf-8"))["doc_id"] == "延庆区"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_a_missing_model_is_one_line(capsys, tmp_path, good, monkeypatch):
    monkeypatch.undo()
    code, _, err = run_tag(capsys, good, "--model", tmp_path)
    assert code == 1 and err.strip() == (
        f"{tmp_path}: cannot load the pipeline ({tmp_path}: not a saved fazhi pipeline "
        "(no config.cfg))")


def test_make_tag_is_the_readme_main_command():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    # the four real reports (corpus/synthetic holds the written training passages)
    assert "fazhi tag $(wildcard corpus/*.txt) --out output/reports.jsonl" in makefile
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make tag" in readme[:1500]


# --- the output of the corpus is what it was -------------------------------------------------

def record_before(doc, report) -> dict:
    """`fazhi.tag.record` as it was before records were streamed: the section through
    `ent._.section`, the sentence through `ent.sent` (quadratic, but the reference); with
    the fields added since, `document` and the headings' `normalized`."""
    from fazhi.pipeline.values import surface

    sections = list(doc.spans.get("sections", []))
    index = {(s.start_char, s.end_char): i for i, s in enumerate(sections)}
    text = report.text

    def heading(span):
        if span._.heading is None:
            return None
        a, b = span._.heading
        return {"start": a, "end": b, "text": text[a:b], "normalized": surface(text[a:b])}

    def section_of(ent):
        sec = ent._.section
        return None if sec is None else index[(sec.start_char, sec.end_char)]

    from fazhi.normalize import is_traditional
    from fazhi.pipeline.extensions import section_extent

    return {
        "file": str(report.path), "doc_id": report.path.stem, "format": "text",
        "encoding": report.encoding,
        "script": "traditional" if is_traditional(text) else "simplified",
        "chars": len(text),
        "document": doc._.document,
        "sections": [{"index": i, "start": section_extent(s)[0], "end": section_extent(s)[1],
                      "part": s.label_, "topic": s._.topic, "heading": heading(s)}
                     for i, s in enumerate(sections)],
        "entities": [
            {"start": e.start_char, "end": e.end_char, "label": e.label_, "text": e.text,
             "normalized": e._.normalized, "value": e._.value, "section": section_of(e),
             "sentence": {"start": e.sent.start_char, "end": e.sent.end_char}}
            for e in doc.ents],
        "text": text,
    }


def test_tagging_the_corpus_gives_the_same_records_rows_and_page_as_before(
        capsys, monkeypatch, tmp_path, nlp):
    """Streaming, the linear lookups and the bounded sentence change nothing for the corpus:
    the JSONL records are those of the former code apart from the added `sha256` (`format`
    and `text`, also added since, are in the reference), the CSV rows apart from the added
    `sha256` column, and the page is byte for byte the same."""
    from spacy import displacy

    from fazhi.output import COLORS, csv_rows, html_blocks
    from fazhi.tag import ReportFile, find_reports

    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    code, _, err = run_tag(capsys, "corpus", "--out", out / "r.jsonl", "--out", out / "e.csv",
                       "--out", out / "r.html")
    assert code == 0, err
    files = find_reports(["corpus"])
    texts = [f.read_text(encoding="utf-8") for f in files]
    before = [record_before(doc, ReportFile(f, t, "utf-8"))
              for doc, f, t in zip(nlp.pipe(texts), files, texts)]

    after = [json.loads(line) for line in (out / "r.jsonl").read_text("utf-8").splitlines()]
    import hashlib

    assert [r.pop("sha256") for r in after] == [hashlib.sha256(f.read_bytes()).hexdigest()
                                                for f in files]
    assert after == before
    import re

    without_sha = re.sub(r'"sha256": "[0-9a-f]{64}", ', "", (out / "r.jsonl").read_text("utf-8"))
    assert without_sha == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in before)

    rows = list(csv.DictReader(io.StringIO((out / "e.csv").read_text("utf-8"))))
    assert {r.pop("sha256") for r in rows} == {hashlib.sha256(f.read_bytes()).hexdigest()
                                               for f in files}
    expected = []
    for rec, text in zip(before, texts):
        for row, e in zip(csv_rows({**rec, "sha256": None}, text), rec["entities"]):
            row.pop("sha256")
            whole = text[e["sentence"]["start"]:e["sentence"]["end"]].strip()
            assert row["sentence"] == whole  # no sentence of the corpus is cut
            expected.append({k: "" if v is None else str(v) for k, v in row.items()})
    assert rows == expected

    blocks = [b for rec, text in zip(before, texts) for b in html_blocks(rec, text)]
    page = displacy.render(blocks, style="ent", manual=True, page=True, minify=True,
                           options={"colors": COLORS})
    assert (out / "r.html").read_text("utf-8") == page.replace('lang="en"', 'lang="zh"', 1)


# --- streamed, resumable, interruptible --------------------------------------------------------

@pytest.fixture
def folder(tmp_path, short_report):
    """Three small reports."""
    d = tmp_path / "reports"
    d.mkdir()
    cut = short_report.index("建立接訴即辦")
    (d / "a.txt").write_text(short_report[:cut], encoding="utf-8")
    (d / "b.txt").write_text(short_report, encoding="utf-8")
    (d / "c.txt").write_text(short_report[cut:], encoding="utf-8")
    return d


def outs(tmp_path):
    return [tmp_path / "out" / name for name in ("r.jsonl", "e.csv", "r.html")]


def out_args(tmp_path):
    return [a for p in outs(tmp_path) for a in ("--out", p)]


def read_outputs(tmp_path):
    jsonl, csv_file, html = outs(tmp_path)
    recs = [json.loads(line) for line in jsonl.read_text("utf-8").splitlines()]
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text("utf-8"))))
    return recs, rows, html.read_text("utf-8")


def hidden(tmp_path):
    return sorted(p.name for p in (tmp_path / "out").iterdir() if p.name.startswith("."))


def test_each_record_is_on_disk_before_the_next_report_is_tagged(
        capsys, monkeypatch, tmp_path, folder):
    from fazhi.output import CsvOutput, HtmlOutput, JsonlOutput

    seen = []
    for cls in (JsonlOutput, CsvOutput, HtmlOutput):
        original = cls._write

        def spy(self, rec, text, original=original):
            # What this output has written so far is already in its temporary file.
            lines = len(self.tmp.read_text(encoding="utf-8").splitlines())
            seen.append((self.fmt, self.written, lines))
            original(self, rec, text)
        monkeypatch.setattr(cls, "_write", spy)
    code, _, _ = run_tag(capsys, folder, *out_args(tmp_path), "--batch-size", "1")
    assert code == 0
    jsonl = [(n, lines) for fmt, n, lines in seen if fmt == "jsonl"]
    assert jsonl == [(0, 0), (1, 1), (2, 2)]
    spill = [(n, lines) for fmt, n, lines in seen if fmt == "html"]
    assert spill == [(0, 0), (1, 1), (2, 2)]  # the page's records wait in the spill file
    recs, _, page = read_outputs(tmp_path)
    assert [r["doc_id"] for r in recs] == ["a", "b", "c"] and page.count("<figure") > 3
    assert hidden(tmp_path) == []  # temporary and spill files are gone


def test_resume_tags_only_new_and_edited_reports(capsys, tmp_path, folder):
    (folder / "c.txt").rename(tmp_path / "c.txt")
    code, _, _ = run_tag(capsys, folder, *out_args(tmp_path))
    assert code == 0
    first, _, _ = read_outputs(tmp_path)
    (tmp_path / "c.txt").rename(folder / "c.txt")  # a new report
    with open(folder / "b.txt", "a", encoding="utf-8") as f:  # an edited one
        f.write("\n全年办理行政复议案件319件。\n")

    code, _, err = run_tag(capsys, folder, *out_args(tmp_path), "--resume")
    assert code == 0, err
    assert "tagged 2 report(s)" in err and "1 already in the output" in err
    recs, rows, page = read_outputs(tmp_path)
    assert [r["doc_id"] for r in recs] == ["a", "b", "c"]
    assert recs[0] == first[0]  # kept as it was
    assert "319件" in [e["text"] for e in recs[1]["entities"]]  # the edited report, again
    assert {r["doc_id"] for r in rows} == {"a", "b", "c"}
    assert sum(r["doc_id"] == "b" for r in rows) == len(recs[1]["entities"])  # old rows gone

    capsys.readouterr()
    code, _, err = run_tag(capsys, folder, *out_args(tmp_path), "--resume")
    assert code == 0 and "tagged 0 report(s)" in err and "3 already in the output" in err
    assert read_outputs(tmp_path)[0] == recs
    # the page: a report could not be read back from it, so it was tagged again for it
    fresh = tmp_path / "fresh.html"
    run_tag(capsys, folder, "--out", fresh)
    assert page == fresh.read_text("utf-8")


def test_resume_refuses_an_output_it_did_not_write(capsys, tmp_path, folder):
    jsonl = tmp_path / "out.jsonl"
    jsonl.write_text("not a record\n", encoding="utf-8")
    code, _, err = run_tag(capsys, folder, "--out", jsonl, "--resume")
    assert code == 2 and err.strip() == (
        f"{jsonl}:1: not a fazhi tag record; cannot resume this output (remove it or write "
        "elsewhere)")
    assert jsonl.read_text("utf-8") == "not a record\n"
    code, _, err = run_tag(capsys, folder, "--resume")
    assert code == 2 and err.strip() == "--resume continues output files: name them with --out FILE"


def test_ctrl_c_keeps_whole_records_says_how_to_resume_and_resume_finishes(
        capsys, monkeypatch, tmp_path, folder):
    import os
    import shlex
    import signal

    from fazhi.output import JsonlOutput

    original = JsonlOutput._write

    def interrupted_mid_record(self, rec, text):
        if self.written == 1:  # the second report: Ctrl-C while its line is half written
            line = json.dumps(rec, ensure_ascii=False) + "\n"
            self.f.write(line[:20])
            os.kill(os.getpid(), signal.SIGINT)
            self.f.write(line[20:])
        else:
            original(self, rec, text)

    monkeypatch.setattr(JsonlOutput, "_write", interrupted_mid_record)
    code, _, err = run_tag(capsys, folder, *out_args(tmp_path), "--batch-size", "1")
    assert code == 130
    (line,) = err.strip().splitlines()
    jsonl, csv_file, html = outs(tmp_path)
    assert line.startswith(f"interrupted: 2 report(s) written whole to {jsonl}, {csv_file}, "
                           f"{html}; resume with: fazhi ")
    recs, rows, page = read_outputs(tmp_path)  # each parses: whole records only
    assert [r["doc_id"] for r in recs] == ["a", "b"]
    assert {r["doc_id"] for r in rows} == {"a", "b"} and page.count("<figure") > 2
    assert hidden(tmp_path) == [".r.html.records.jsonl"]  # kept for --resume

    monkeypatch.setattr(JsonlOutput, "_write", original)
    argv = shlex.split(line.split("resume with: ")[1])
    assert argv[0] == "fazhi" and argv[-1] == "--resume"
    assert main(argv[1:]) == 0
    err = capsys.readouterr().err
    assert "tagged 1 report(s)" in err and "2 already in the output" in err
    assert "resuming from the spill file" in err
    recs, rows, page = read_outputs(tmp_path)
    assert [r["doc_id"] for r in recs] == ["a", "b", "c"]
    assert hidden(tmp_path) == []
    fresh = tmp_path / "fresh.html"
    run_tag(capsys, folder, "--out", fresh)
    assert page == fresh.read_text("utf-8")


def test_ctrl_c_between_reports(capsys, monkeypatch, tmp_path, folder):
    import fazhi.tag

    record, calls = fazhi.tag.record, []

    def stops_at_the_third(doc, report):
        calls.append(report)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return record(doc, report)

    monkeypatch.setattr(fazhi.tag, "record", stops_at_the_third)
    code, out, err = run_tag(capsys, folder, "--batch-size", "1")
    assert code == 130 and len(out.splitlines()) == 2
    assert err.strip().splitlines()[-1] == (
        "interrupted: 2 report(s) written whole to stdout; stdout cannot be resumed: write to "
        "--out FILE, then add --resume")


def test_ctrl_c_before_tagging_changes_nothing(capsys, monkeypatch, tmp_path, good):
    import fazhi.pipeline

    def interrupted(path, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(fazhi.pipeline, "load", interrupted)
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    code, _, err = run_tag(capsys, good, "--out", out)
    assert code == 130 and err.strip() == ("interrupted before any report was tagged; no "
                                           "output was changed")
    assert out.read_text("utf-8") == "previous\n" and sorted(tmp_path.iterdir()) == sorted([good, out])


def test_the_csv_sentence_is_bounded(capsys, tmp_path):
    from fazhi.output import SENTENCE_CHARS, sentence_context

    text = "，".join(f"区司法局办理行政复议案件{n}件" for n in range(100, 400))  # no full stop
    report = tmp_path / "long.txt"
    report.write_text(text, encoding="utf-8")
    csv_out = tmp_path / "e.csv"
    code, _, _ = run_tag(capsys, report, "--out", csv_out)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text("utf-8"))))
    assert len(rows) > 100
    for r in rows:
        assert len(r["sentence"]) <= SENTENCE_CHARS + 2 and r["text"] in r["sentence"]
    assert rows[len(rows) // 2]["sentence"].startswith("…")
    assert rows[len(rows) // 2]["sentence"].endswith("…")
    # around the entity, cut at the sentence's ends, never past them
    assert sentence_context("  abc  ", 0, 7, 2, 3, limit=10) == "abc"
    assert sentence_context("0123456789", 0, 10, 5, 6, limit=4) == "…4567…"
    assert sentence_context("0123456789", 0, 10, 0, 1, limit=4) == "0123…"
    assert sentence_context("0123456789", 0, 10, 9, 10, limit=4) == "…6789"
    assert sentence_context("0123456789", 0, 10, 2, 9, limit=4) == "…2345…"


def test_record_looks_sections_and_sentences_up_once_per_report(nlp, short_report):
    """No `ent.sent` walk and no `ent._.section` list per entity (quadratic in length)."""
    from pathlib import Path

    from spacy.tokens import Span

    from fazhi.tag import ReportFile, record

    doc = nlp(short_report)
    expected = record_before(doc, ReportFile(Path("r.txt"), short_report, "utf-8"))

    def per_entity(span):
        raise AssertionError("looked up per entity")

    doc.user_span_hooks["sent"] = per_entity
    getter = Span.get_extension("section")[2]
    Span.set_extension("section", getter=per_entity, force=True)
    try:
        rec = record(doc, ReportFile(Path("r.txt"), short_report, "utf-8", "x"))
    finally:
        Span.set_extension("section", getter=getter, force=True)
    assert rec.pop("sha256") == "x" and rec == expected and len(rec["entities"]) > 5


def test_threads_are_set_or_follow_the_free_cores(capsys, monkeypatch, good):
    import os

    import torch

    from fazhi.tag import AutoThreads, default_threads

    calls = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    _, _, err = run_tag(capsys, good, "--threads", "1")
    assert calls == [1] and err.strip().endswith("; torch threads: 1")
    _, _, err = run_tag(capsys, good)
    assert err.strip().endswith(" (auto)")
    assert 1 <= default_threads() <= os.cpu_count()

    auto = AutoThreads()
    auto.cores = 2
    # samples: (seconds, busy CPU-seconds of all cores, CPU-seconds of this process)
    alone = auto.free_cores((0.0, 0.0, 0.0), (10.0, 19.0, 18.5))  # we used both cores
    shared = auto.free_cores((0.0, 0.0, 0.0), (10.0, 20.0, 10.0))  # another process: 1 core
    assert auto.choose(alone) == 2 and auto.choose(shared) == 1
    assert auto.choose(auto.free_cores((0.0, 0.0, 0.0), (10.0, 20.0, 0.0))) == 1  # never 0
    auto.cores = 8
    assert auto.choose(auto.free_cores((0.0, 0.0, 0.0), (10.0, 25.0, 0.0))) == 5


# --- outputs and options are checked before any work -------------------------------------------

@pytest.fixture
def never_loaded(monkeypatch):
    import fazhi.pipeline

    def load(path, **kw):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(fazhi.pipeline, "load", load)


@pytest.mark.parametrize("name", ["x.tsv", "x.xlsx", "x"])
def test_an_unknown_output_suffix_is_refused_with_the_formats(capsys, tmp_path, good,
                                                              never_loaded, name):
    code, out, err = run_tag(capsys, good, "--out", tmp_path / name)
    assert code == 2 and out == ""
    assert err.strip() == (
        f"{tmp_path / name}: unknown output format "
        f"({'no suffix' if '.' not in name else 'suffix .' + name.split('.')[1]}); the "
        "formats are jsonl (.jsonl .json), csv (.csv), html (.html .htm), parquet "
        "(.parquet), duckdb (.duckdb), or name one with --format")
    assert sorted(tmp_path.iterdir()) == [good]


def test_unwritable_outputs_are_refused_before_the_model_is_loaded(capsys, tmp_path, good,
                                                                   never_loaded):
    folder = tmp_path / "a-folder.jsonl"
    folder.mkdir()
    code, _, err = run_tag(capsys, good, "--out", folder)
    assert code == 2 and err.strip() == f"{folder}: is a directory"
    under_a_file = good / "out.jsonl"
    code, _, err = run_tag(capsys, good, "--out", tmp_path / "ok.csv", "--out", under_a_file)
    assert code == 2 and err.strip() == f"{under_a_file}: {good} is a file, not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder.jsonl", good.name]
    code, _, err = run_tag(capsys, good, "--out", tmp_path / "x.csv", "--out", tmp_path / "x.csv")
    assert code == 2 and err.strip() == f"{tmp_path / 'x.csv'}: given twice as --out"


def test_an_output_folder_that_cannot_be_written_is_refused(capsys, tmp_path, good,
                                                            never_loaded):
    import os
    from pathlib import Path

    if os.geteuid() == 0:  # root writes anywhere on an ordinary file system; sysfs refuses
        target = Path("/sys/fazhi-test-out.jsonl")
        if not target.parent.is_dir():
            pytest.skip("no folder here that root cannot write")
    else:
        ro = tmp_path / "read-only"
        ro.mkdir()
        ro.chmod(0o555)
        target = ro / "out.jsonl"
    code, _, err = run_tag(capsys, good, "--out", target)
    assert code == 2 and err.strip().startswith(f"{target}: cannot write there (")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("option, value, message", [
    ("--batch-size", "0", "must be at least 1, got 0"),
    ("--max-chars", "-5", "must be at least 1, got -5"),
    ("--threads", "two", "must be a whole number, got 'two'"),
])
def test_numeric_options_are_checked(capsys, good, never_loaded, option, value, message):
    with pytest.raises(SystemExit) as exit_:
        main(["tag", str(good), option, value])
    assert exit_.value.code == 2
    assert f"argument {option}: {message}" in capsys.readouterr().err


def test_the_readme_says_how_to_get_the_cpu_build_and_the_licences():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "--index-url https://download.pytorch.org/whl/cpu" in readme
    for words in ("MIT", "research use", "e5"):
        assert words in readme
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "download.pytorch.org/whl/cpu" in makefile

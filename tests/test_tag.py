"""`fazhi tag`: reports in, one record per report out; a bad file costs one line naming it,
the good ones are still tagged, the exit code says something failed, and an output file is
either written whole or not touched."""

import csv
import io
import json

import pytest

from fazhi.cli import main

from conftest import ROOT


@pytest.fixture(autouse=True)
def shipped_model_loaded_once(monkeypatch, nlp):
    import fazhi.pipeline

    monkeypatch.setattr(fazhi.pipeline, "load", lambda path, **kw: nlp)


@pytest.fixture
def good(tmp_path, short_report):
    path = tmp_path / "延庆区.txt"
    path.write_text(short_report, encoding="utf-8")
    return path


def run(capsys, *args):
    code = main(["tag", *map(str, args)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def test_a_report_becomes_one_json_record_with_sections_and_entities(capsys, good):
    code, out, err = run(capsys, good)
    assert code == 0
    (rec,) = [json.loads(line) for line in out.splitlines()]
    text = good.read_text(encoding="utf-8")
    assert rec["doc_id"] == "延庆区" and rec["encoding"] == "utf-8"
    assert rec["script"] == "traditional" and rec["chars"] == len(text)
    assert rec["sections"][1]["heading"]["text"] == "一、2024年法治政府建設主要舉措和成效"
    for e in rec["entities"]:
        assert text[e["start"]:e["end"]] == e["text"]
        assert rec["sections"][e["section"]]["start"] <= e["start"]
        assert e["sentence"]["start"] <= e["start"] < e["sentence"]["end"]
    ind = next(e for e in rec["entities"] if e["text"] == "24個")
    assert ind["normalized"] == "24个" and ind["value"]["value"] == 24
    assert "tagged 1 report(s)" in err and "INDICATOR" in err  # the summary


def test_gb18030_reports_are_read_and_say_so(capsys, tmp_path, short_report):
    path = tmp_path / "gbk.txt"
    path.write_bytes(short_report.encode("gb18030"))
    code, out, _ = run(capsys, path)
    assert code == 0 and json.loads(out)["encoding"] == "gb18030"


def test_csv_has_one_row_per_entity_and_html_shows_sections(capsys, tmp_path, good):
    csv_out, html_out = tmp_path / "out" / "e.csv", tmp_path / "out" / "r.html"
    code, _, err = run(capsys, good, "--out", csv_out, "--out", html_out)
    assert code == 0 and f"wrote {csv_out}" in err
    code, out, _ = run(capsys, good)
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
    (d / "notes.md").write_text("not a report", encoding="utf-8")  # not *.txt: skipped
    return d


def test_a_folder_mixing_good_and_bad_files(capsys, tmp_path, mixed_folder):
    out_file = tmp_path / "out.jsonl"
    code, _, err = run(capsys, mixed_folder, tmp_path / "missing.txt", "--out", out_file)
    assert code == 1
    problems = [line for line in err.splitlines()
                if line.startswith(str(tmp_path)) and "wrote" not in line]
    assert sorted(problems) == sorted([
        f"{mixed_folder / 'bad-bytes.txt'}: not valid UTF-8 (byte 12) nor GB18030",
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
    code, out, err = run(capsys, big, good)
    assert code == 1
    assert f"{big}: 5.4 MB is too large for one report" in err
    assert json.loads(out)["doc_id"] == "延庆区"


def test_the_length_limit_is_a_setting(capsys, good):
    code, out, err = run(capsys, good, "--max-chars", "100")
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
    code, _, _ = run(capsys, good, "--out", out_file)
    assert code == 0 and json.loads(out_file.read_text(encoding="utf-8"))["doc_id"] == "延庆区"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_a_missing_model_is_one_line(capsys, tmp_path, good, monkeypatch):
    monkeypatch.undo()
    code, _, err = run(capsys, good, "--model", tmp_path)
    assert code == 1 and err.strip() == (
        f"{tmp_path}: cannot load the pipeline ({tmp_path}: not a saved fazhi pipeline "
        "(no config.cfg))")


def test_make_tag_is_the_readme_main_command():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "fazhi tag corpus --out output/reports.jsonl" in makefile
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make tag" in readme[:1500]

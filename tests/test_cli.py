"""`fazhi annotations …` works on the shipped gold and reports problems one line each."""

import json

from fazhi.cli import main

from conftest import ROOT


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_passes_on_the_gold(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, _, err = run(capsys, "annotations", "validate")
    assert code == 0 and "0 problem(s)" in err


def test_validate_fails_with_one_line_per_problem(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    lines = (ROOT / "annotations" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[0])
    rec["entities"][0]["end"] += 1  # swallow the next character
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "annotations", "validate", "--gold", str(bad))
    assert code == 1
    problems = out.strip().splitlines()
    assert problems[0].startswith(rec["doc_id"])
    assert any("no gold annotation" in p for p in problems)  # the other three reports


def test_stats_counts_entities_per_label_per_report(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = run(capsys, "annotations", "stats")
    assert code == 0
    assert "MEASURE" in out and "004_3215153b317be95f" in out and "ACHIEVEMENTS" in out


def test_show_then_import_markup_round_trips(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    code, marked, _ = run(capsys, "annotations", "show", "002")
    assert code == 0 and "[ORG 區水務局]" in marked
    f = tmp_path / "002.marked.txt"
    f.write_text(marked.rstrip("\n") if not marked.endswith("\n\n") else marked[:-1],
                 encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    code, _, err = run(capsys, "annotations", "import-markup", "--gold", str(gold),
                       "002_5ec25145ee5b4dd1", str(f))
    assert code == 0, err
    original = [json.loads(x) for x in (ROOT / "annotations/gold.jsonl").read_text().splitlines()]
    assert json.loads(gold.read_text()) == next(r for r in original if r["doc_id"].startswith("002"))


def test_normalize_prints_clean_text_and_names_what_it_removed(capsys, tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("《报告.docx》由会员分享,可在线阅读\n延慶區推進“證照分離”改革\n", encoding="utf-8")
    code, out, err = run(capsys, "normalize", str(report))
    assert code == 0
    assert out == "延庆区推进「证照分离」改革\n"
    assert f"{report} 0-" in err and "boilerplate" in err


def test_normalize_refuses_a_binary_file_in_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02")
    code, _, err = run(capsys, "normalize", str(bad))
    assert code == 1 and err.strip() == f"{bad}: binary file (NUL bytes), not a text report"

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


# --- gold input is checked before it is used or written ---------------------------------------

import pytest


def _eval_case(tmp_path, short_report, gold, change):
    doc = next(d for d in gold if d.doc_id.startswith("002"))
    report = tmp_path / "yanqing.txt"
    report.write_text(short_report, encoding="utf-8")
    record = doc.to_json()
    record["entities"] = [e for e in record["entities"] if e["end"] <= len(short_report)]
    change(record["entities"])
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return report, path, record


def _past_end(ents):
    ents[-1]["end"] = 10_000


def _person(ents):
    ents[0]["label"] = "PERSON"


def _shifted(ents):
    for e in ents:
        e["start"] += 1
        e["end"] += 1


def _strings(ents):
    ents[0]["start"] = str(ents[0]["start"])


def _floats(ents):
    ents[1]["end"] = ents[1]["end"] + 0.5


@pytest.mark.parametrize("change, expected", [
    (_past_end, "offsets outside the text"),
    (_person, "unknown label 'PERSON'"),
    (_shifted, "offsets look shifted by +1: the recorded text of"),
    (_strings, "offsets are not whole numbers (str, int)"),
    (_floats, "offsets are not whole numbers (int, float)"),
])
def test_eval_checks_the_gold_and_scores_nothing_when_it_is_wrong(
        capsys, monkeypatch, tmp_path, short_report, gold, change, expected):
    import fazhi.pipeline

    def load(*a, **kw):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(fazhi.pipeline, "load", load)
    report, gold_file, record = _eval_case(tmp_path, short_report, gold, change)
    code, out, err = run(capsys, "eval", "--model", str(ROOT / "models" / "fazhi-zh"),
                         "--text", str(report), "--gold", str(gold_file))
    assert code == 1 and out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert any(expected in line for line in lines), lines
    assert all(line.startswith(record["doc_id"]) for line in lines[:-1])
    assert lines[-1] == f"{gold_file}: {len(lines) - 1} problem(s) with {report}; nothing scored"


def test_eval_with_a_model_folder_that_is_missing_is_one_line(
        capsys, tmp_path, short_report, gold):
    report, gold_file, _ = _eval_case(tmp_path, short_report, gold, lambda ents: None)
    missing = tmp_path / "no-model"
    code, out, err = run(capsys, "eval", "--model", str(missing), "--text", str(report),
                         "--gold", str(gold_file))
    assert code == 1 and out == "" and err == (
        f"{missing}: no such model folder or installed model package\n")


def test_a_saved_entity_tagger_is_never_looked_for_on_the_hub(tmp_path, monkeypatch):
    """A pipeline folder without its ner/ folder: transformers would take the path for a hub
    id and retry the network for half a minute."""
    import pytest

    from fazhi.pipeline.ner import NerComponent

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    ner = NerComponent("ner", window=128, stride=64, batch_size=1, quantize=False)
    with pytest.raises(FileNotFoundError, match="no saved entity tagger here"):
        ner.from_disk(tmp_path / "model" / "ner")


def _doccano(tmp_path, corpus_texts, gold, change=None):
    from fazhi.annotations.doccano import to_doccano

    records = to_doccano(gold, corpus_texts)
    if change:
        change(records)
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("change, expected", [
    (lambda rs: rs[0]["label"].append([10, 10_000, "ORG"]), "10-10000: offsets outside the text"),
    (lambda rs: rs[0]["label"].append([20, 10, "ORG"]), "20-10: reversed span"),
    (lambda rs: rs[1]["label"].append(list(rs[1]["label"][0])), "duplicate of the"),
    (lambda rs: rs[1]["label"].append([rs[1]["label"][0][0], rs[1]["label"][0][1] + 2, "ORG"]),
     "overlaps"),
    (lambda rs: rs[2]["label"][0].__setitem__(2, "PERSON"), "unknown label 'PERSON'"),
    (lambda rs: rs[0]["label"][0].__setitem__(0, "3"), "offsets are not whole numbers"),
    (lambda rs: rs[3].__setitem__("text", rs[3]["text"][1:]), "its text differs from the corpus"),
])
def test_import_doccano_writes_nothing_when_any_record_is_wrong(
        capsys, monkeypatch, tmp_path, corpus_texts, gold, change, expected):
    monkeypatch.chdir(ROOT)
    path = _doccano(tmp_path, corpus_texts, gold, change)
    target = tmp_path / "gold.jsonl"
    target.write_text("untouched\n", encoding="utf-8")
    code, _, err = run(capsys, "annotations", "import-doccano", "--gold", str(target), str(path))
    assert code == 1 and "Traceback" not in err
    assert any(expected in line for line in err.splitlines()), err
    assert err.strip().splitlines()[-1].endswith(f"problem(s); nothing written to {target}")
    assert target.read_text(encoding="utf-8") == "untouched\n"


def label_studio(gold, corpus_texts) -> list[dict]:
    """Label Studio's JSON export of the gold (one task per report)."""
    tasks = []
    for k, d in enumerate(gold, 1):
        text = corpus_texts[d.doc_id]
        rec = d.to_json()
        tasks.append({
            "id": k, "data": {"text": text, "doc_id": d.doc_id, "sections": rec["sections"]},
            "annotations": [{"id": k, "was_cancelled": False, "result": [
                {"id": f"r{i}", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": e["start"], "end": e["end"], "text": e["text"],
                           "labels": [e["label"]]}}
                for i, e in enumerate(rec["entities"])]}],
        })
    return tasks


def test_import_doccano_reads_a_label_studio_json_export(capsys, monkeypatch, tmp_path,
                                                         corpus_texts, gold):
    monkeypatch.chdir(ROOT)
    path = tmp_path / "project.json"
    path.write_text(json.dumps(label_studio(gold, corpus_texts), ensure_ascii=False),
                    encoding="utf-8")
    target = tmp_path / "gold.jsonl"
    code, _, err = run(capsys, "annotations", "import-doccano", "--gold", str(target), str(path))
    assert code == 0, err
    assert target.read_text(encoding="utf-8") == \
        (ROOT / "annotations" / "gold.jsonl").read_text(encoding="utf-8")

    tasks = label_studio(gold, corpus_texts)
    for r in tasks[1]["annotations"][0]["result"]:  # every span one character later
        r["value"]["start"] += 1
        r["value"]["end"] += 1
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    target.write_text("untouched\n", encoding="utf-8")
    code, _, err = run(capsys, "annotations", "import-doccano", "--gold", str(target), str(path))
    assert code == 1 and target.read_text(encoding="utf-8") == "untouched\n"
    assert "offsets look shifted by +1" in err.splitlines()[-2]


def test_import_doccano_into_a_gold_file_that_is_not_one_is_one_line(
        capsys, monkeypatch, tmp_path, corpus_texts, gold):
    monkeypatch.chdir(ROOT)
    path = _doccano(tmp_path, corpus_texts, gold)
    target = tmp_path / "gold.jsonl"
    target.write_text("not json\n", encoding="utf-8")
    code, _, err = run(capsys, "annotations", "import-doccano", "--gold", str(target), str(path))
    assert code == 1 and err.strip() == (
        f"{target}:1: not an annotation record (Expecting value: line 1 column 1 (char 0)); "
        f"nothing written to {target}")
    assert target.read_text(encoding="utf-8") == "not json\n"


def test_corpus_unk_without_the_shared_encoder_is_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "corpus", "unk", "--corpus", str(ROOT / "corpus"),
                         "--tokenizer", str(tmp_path / "shared" / "models" / "x"))
    assert code == 1 and out == ""
    assert err.strip() == (f"{tmp_path / 'shared' / 'models' / 'x'}: no tokenizer there; "
                           "`fazhi corpus unk` needs the pretrained encoder of ../shared/models "
                           "beside the checkout (or --tokenizer DIR)")

"""The written training passages: their markup, their checks, and the leakage guard that keeps
held-out numbers honest."""

import json

import pytest

from fazhi.annotations.markup import parse
from fazhi.annotations.synthetic import (
    LEAK_RUN,
    MARKED_DIR,
    build,
    leakage,
    link_subjects,
    read_all,
)
from fazhi.data import GoldReport, make_example
from fazhi.normalize import Normalizer
from training.folds import fold_training

from conftest import ROOT

PASSAGE = ("{PREAMBLE NONE}全年办理{S}行政复议案件{/S}[INDICATOR 31件],审结[INDICATOR 29件]。"
           "涉及[INDICATOR 3个]{S}乡镇{/S}。")


def test_a_subject_belongs_to_the_nearest_indicator_of_its_sentence():
    text, gold = parse(PASSAGE, "t")
    rows, problems = link_subjects("t", text, gold)
    assert problems == []
    assert [(r["text"], r["subject"]) for r in rows] == [
        ("31件", "行政复议案件"), ("29件", None), ("3个", "乡镇")]


def test_a_subject_belongs_to_an_indicator_of_its_own_clause_before_a_nearer_one_across_a_comma():
    text, gold = parse("{PREAMBLE NONE}受理[INDICATOR 452件],{S}平均审理周期{/S}缩短至"
                       "[INDICATOR 43天]。", "t")
    rows, problems = link_subjects("t", text, gold)
    assert problems == []
    assert [(r["text"], r["subject"]) for r in rows] == [("452件", None), ("43天", "平均审理周期")]


def test_a_subject_without_an_indicator_in_its_sentence_is_a_problem():
    text, gold = parse("{PREAMBLE NONE}{S}行政复议案件{/S}增多。办结[INDICATOR 3件]。", "t")
    _, problems = link_subjects("t", text, gold)
    assert len(problems) == 1 and "no INDICATOR" in problems[0]


@pytest.fixture(scope="module")
def passages():
    found, problems = read_all(ROOT / MARKED_DIR)
    return found, problems


def test_every_committed_passage_passes_its_checks(passages):
    found, problems = passages
    assert len(found) >= 60 and problems == []
    assert sum(len(p.text) for p in found) >= 150_000
    assert sum(len(p.gold.entities) for p in found) >= 4000


def test_no_passage_shares_a_long_run_with_a_real_report_or_another_passage(passages,
                                                                          corpus_texts):
    found, _ = passages
    assert leakage(found, corpus_texts) == []


def test_the_guard_catches_a_sentence_copied_from_a_real_report(passages, corpus_texts):
    found, _ = passages
    real = next(iter(corpus_texts.values()))
    copied = found[0]
    stolen = type(copied)(copied.doc_id, copied.text + real[100:100 + LEAK_RUN], copied.gold,
                          copied.meta, copied.subjects)
    problems = leakage([stolen], corpus_texts)
    assert problems and "shares" in problems[0]


def test_the_built_corpus_marks_every_passage_as_synthetic(passages, tmp_path):
    found, _ = passages
    build(found[:3], corpus_dir=tmp_path / "corpus", marked_dir=tmp_path / "ann")
    index = (tmp_path / "corpus" / "index.csv").read_text(encoding="utf-8").splitlines()
    assert index[0].endswith("province,level,origin")
    assert all(row.endswith(",synthetic") for row in index[1:]) and len(index) == 4
    gold = [json.loads(line) for line in (tmp_path / "ann" / "gold.jsonl").open()]
    assert [g["doc_id"] for g in gold] == [p.doc_id for p in found[:3]]
    text = (tmp_path / "corpus" / f"{found[0].doc_id}.txt").read_text(encoding="utf-8")
    assert all(text[e["start"]:e["end"]] == e["text"] for e in gold[0]["entities"])


def _example(doc_id: str, marked: str, origin: str = "real") -> GoldReport:
    text, gold = parse(marked, doc_id)
    return make_example(gold, text, Normalizer(), origin)


def test_a_fold_leaves_out_the_passages_that_name_what_only_its_held_out_report_names():
    held = _example("held", "{PREAMBLE NONE}[ORG 延庆区水务局]与[ORG 区司法局]联合执法。")
    other = _example("other", "{PREAMBLE NONE}[ORG 区司法局]开展培训。")
    telling = _example("p1", "{PREAMBLE NONE}[ORG 延庆区水务局]开展检查。", "synthetic")
    harmless = _example("p2", "{PREAMBLE NONE}[ORG 区司法局]开展检查。", "synthetic")
    train, counts = fold_training(held, [held, other], [telling, harmless])
    assert [e.doc_id for e in train] == ["other", "p2"]
    assert counts == {"real": 1, "synthetic": 1, "synthetic_left_out": 1}


def test_entity_province_folds_train_without_the_held_out_provinces_and_score_them():
    """Each group of provinces is held out in turn; its systems never train on a passage of
    those provinces, and every held-out passage is scored, pooled and per group."""
    from training.folds import entity_province_folds

    real = [_example("r", "{PREAMBLE NONE}[ORG 区司法局]开展培训。")]
    passages = [_example(f"p{i}", f"{{PREAMBLE NONE}}[ORG 第{i}局]开展检查。", "synthetic")
                for i in range(4)]
    province = {"p0": "浙江省", "p1": "浙江省", "p2": "贵州省", "p3": "江苏省"}
    seen = []

    def gold_copier(train):
        seen.append({e.doc_id for e in train})
        gold = {ex.text: [(e.start, e.end, e.label) for e in ex.gold.entities]
                for ex in real + passages}
        return (lambda texts: [gold[t] if any(e.doc_id == "p3" for e in train) else []
                               for t in texts]), None

    results = entity_province_folds(real, passages, province, {"copier": gold_copier}, k=2)
    groups = results["copier"]["groups"]
    assert set(groups) == {"浙江省", "江苏省、贵州省"}
    assert seen == [{"r", "p2", "p3"}, {"r", "p0", "p1"}]  # held-out provinces never trained on
    assert set(results["copier"]["folds"]) == {"p0", "p1", "p2", "p3"}
    assert groups["浙江省"]["strict"]["micro"]["f1"] == 1.0
    assert groups["江苏省、贵州省"]["strict"]["micro"]["f1"] == 0.0
    assert results["copier"]["pooled"]["strict"]["micro"]["f1"] == pytest.approx(2 / 3, abs=1e-4)

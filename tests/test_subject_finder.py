"""The learned indicator-subject finder (fazhi.subjects): candidates, features, fitting,
saving, and the model the shipped pipeline carries."""

import json

from fazhi.subjects import SubjectModel, Words, candidates, example, fit

from conftest import SHIPPED_MODEL


def test_candidates_lie_in_the_clause_next_to_the_indicator_or_its_link_and_none_is_one():
    text = "全年办理行政复议案件达319件,其中8项法规草案"
    start = text.index("319件")
    spans = {c[0] for c in candidates(text, start, start + 4)}
    assert (text.index("行政复议"), text.index("达")) in spans  # before the link 达
    assert (text.index("办理"), start) in spans  # the link inside: a candidate, to be scored
    assert None in spans  # no subject
    assert all(s is None or "," not in text[s[0]:s[1]] for s in spans)  # never past a comma
    assert all(s is None or s[1] <= text.index(",") or s[0] >= start for s in spans)


def test_candidates_never_take_in_another_indicator():
    text = "原法43条增至102条"
    other, this = (text.index("43条"), text.index("43条") + 3), (text.index("102条"), len(text))
    spans = [c[0] for c in candidates(text, *this, blocked=[other, this])]
    assert all(s is None or s[1] <= other[0] or s[0] >= other[1] for s in spans)


def _examples(pairs):
    out = []
    for text, ind, subj in pairs:
        a = text.index(ind)
        gold = (text.index(subj), text.index(subj) + len(subj)) if subj else None
        out.append(example(text, a, a + len(ind), gold=gold, words=Words(text)))
    return out


def test_a_model_fitted_on_a_few_subjects_finds_the_same_pattern_in_a_new_sentence():
    train = _examples([
        ("全年办理行政复议案件319件。", "319件", "行政复议案件"),
        ("依法审结行政诉讼案件45件。", "45件", "行政诉讼案件"),
        ("累计受理信访案件88件。", "88件", "信访案件"),
        ("同比增长12%。", "12%", None),
        ("同比下降5%。", "5%", None),
    ])
    model = fit(train, l2=0.1)
    text = "全年办理行政调解案件27件。"
    a = text.index("27件")
    assert model.find(text, a, a + 3) == (text.index("行政调解案件"), a)
    text = "同比增长7%。"
    assert model.find(text, text.index("7%"), text.index("7%") + 2) is None


def test_a_model_is_saved_as_json_and_loads_back_the_same(tmp_path):
    model = SubjectModel({"side=L": 1.5, "none": -0.25}, {"l2": 0.3})
    model.to_disk(tmp_path / "subjects.json")
    assert json.loads((tmp_path / "subjects.json").read_text(encoding="utf-8"))["weights"]
    back = SubjectModel.from_disk(tmp_path / "subjects.json")
    assert back.weights == model.weights and back.settings == model.settings


def test_the_shipped_model_finds_the_counted_noun_and_leaves_out_verbs_and_scope_words():
    model = SubjectModel.from_disk(SHIPPED_MODEL / "values" / "subjects.json")
    for text, ind, subject in [
        ("全年办理行政复议案件319件。", "319件", "行政复议案件"),
        ("精简行政许可事项140项。", "140项", "行政许可事项"),
        ("合法性审核率达100%。", "100%", "合法性审核率"),
        ("审查8项法规草案。", "8项", "法规草案"),
    ]:
        a = text.index(ind)
        span = model.find(text, a, a + len(ind))
        assert span and text[slice(*span)] == subject, (text, span)


def test_a_second_reader_is_compared_with_the_gold_the_finder_and_the_heuristic():
    """Two readers' exact agreement is what an exact-match score on this gold can show; the
    held-out finder is scored against the second reader on the same indicators."""
    from types import SimpleNamespace

    from training.subjects import second_reader

    def item(doc, start, gold, heuristic, real):
        return SimpleNamespace(doc_id=doc, start=start, end=start + 2, gold=gold,
                               heuristic=heuristic, real=real)

    items = [item("r", 10, (5, 10), (5, 10), True), item("p", 10, (6, 10), (4, 10), False),
             item("p", 30, None, (25, 30), False)]
    held_out = {("r", 10, 12): (5, 10), ("p", 10, 12): (5, 10), ("p", 30, 32): None}
    second = [{"doc_id": "r", "start": 10, "end": 12, "subject": "案件", "subject_start": 5,
               "subject_end": 10},
              {"doc_id": "p", "start": 10, "end": 12, "subject": "案件", "subject_start": 5,
               "subject_end": 10},
              {"doc_id": "p", "start": 30, "end": 32, "subject": None}]
    out = second_reader(items, held_out, second)
    assert out["real"] == {"first reader": [1, 1], "finder": [1, 1], "heuristic": [1, 1],
                           "finder vs first": [1, 1]}
    assert out["synthetic"] == {"first reader": [1, 2], "finder": [2, 2],
                                "heuristic": [0, 2], "finder vs first": [1, 2]}


def test_the_report_puts_the_shipped_finder_first_beside_the_ranker_and_the_heuristic():
    from training.subjects import markdown, pool

    fold = {"encoder": [9, 10], "learned": [8, 10], "heuristic": [5, 10], "l2": 0.3,
            "train": 90}
    results = {"real": {"r1": fold}, "synthetic": {"fold 1: 江苏省": fold}}
    pool(results)
    md = markdown(results, 0.85, 1.0, {"examples": 100, "l2": 0.3, "features": 10,
                                       "seconds": 1.0})
    assert "| held-out set | ranker + encoder head | ranker | heuristic (baseline) |" in md
    assert "| r1 | 9/10 = 0.900 | 8/10 = 0.800 | 5/10 = 0.500 | 0.3 | 90 |" in md
    assert "on both: met" in md and "The shipped finder is the ranker + encoder head." in md
    results["shipped"] = "learned"  # [pipeline] subjects = "learned": the ranker is judged
    md = markdown(results, 0.85, 1.0, {"examples": 100, "l2": 0.3, "features": 10,
                                       "seconds": 1.0})
    assert "The shipped finder is the ranker." in md and "not met" in md
    without_head = {name: {k: {s: v for s, v in r.items() if s != "encoder"}
                           for k, r in results[name].items()} for name in ("real", "synthetic")}
    pool(without_head)
    md = markdown(without_head, 0.85, 1.0, {"examples": 100, "l2": 0.3, "features": 10,
                                            "seconds": 1.0})
    assert "| held-out set | ranker | heuristic (baseline) |" in md and "not met" in md


def test_the_second_reading_names_its_spans_in_the_original_text():
    from fazhi.annotations.schema import read_subjects
    from fazhi.corpus import load_texts
    from fazhi.settings import load_settings

    from conftest import ROOT

    paths = load_settings(ROOT / "configs" / "default.toml").paths
    texts = {**load_texts(ROOT / paths.corpus), **load_texts(ROOT / paths.synthetic_corpus)}
    rows = read_subjects(ROOT / paths.subjects_second)
    assert len(rows) == 3048  # every indicator, real and passage
    for r in rows:
        assert texts[r["doc_id"]][r["start"]:r["end"]] == r["text"]
        if r["subject"] is not None:
            assert texts[r["doc_id"]][r["subject_start"]:r["subject_end"]] == r["subject"]


def test_the_gold_holds_every_adjudicated_subject():
    """Where the two readings differed, the adjudicated subject is the one in the gold."""
    from fazhi.annotations.schema import read_subjects
    from fazhi.settings import load_settings

    from conftest import ROOT

    paths = load_settings(ROOT / "configs" / "default.toml").paths
    gold = {(r["doc_id"], r["start"]): r for path in (paths.subjects, paths.synthetic_subjects)
            for r in read_subjects(ROOT / path)}
    decided = (ROOT / paths.subjects_second).with_name("adjudication.jsonl")
    rows = [json.loads(line) for line in decided.read_text(encoding="utf-8").splitlines()]
    assert rows
    for r in rows:
        g = gold[(r["doc_id"], r["start"])]
        assert (g["subject_start"], g["subject_end"]) == (r["subject_start"], r["subject_end"]), r


def test_segmenting_only_the_indicators_clauses_gives_the_features_the_whole_text_gives():
    """The values component segments only the clauses around numbers (most of its time is
    part-of-speech tagging); every candidate's features are what whole-text segmentation
    gives."""
    text = ("一年来，全区共办理行政复议案件319件，同比增长12%；"
            "法治宣传教育覆盖各街乡，培训“法律明白人”1.2万名。\n结束语：坚持以习近平法治思想"
            "为指导，深入推进依法行政，持续提升行政执法质量和效能，为经济社会发展提供法治保障。")
    spans = [(text.index(x), text.index(x) + len(x)) for x in ("319件", "12%", "1.2万名")]
    whole, around = Words(text), Words(text, around=spans)
    assert len(around.edges) < len(whole.edges)
    for a, b in spans:
        assert (example(text, a, b, spans, words=around).feats
                == example(text, a, b, spans, words=whole).feats)


def test_a_windows_line_break_stays_one_word_at_the_edge_of_a_segmented_stretch():
    # "\r\n" 21 characters before the number and 17 after it: at the stretch's edges
    text = ("前言\r\n全面推进依法行政工作取得明显成效累计达到319件"
            "的全面推进依法行政工作取得明显成效\r\n结束。")
    a = text.index("319件")
    spans = [(a, a + 4)]
    assert (example(text, a, a + 4, spans, words=Words(text, around=spans)).feats
            == example(text, a, a + 4, spans, words=Words(text)).feats)


def test_the_model_card_gets_one_subject_section_and_keeps_the_others(tmp_path):
    from training.subjects import CARD_HEADING, update_card

    card = tmp_path / "README.md"
    card.write_text("# fazhi-zh\n\n## Section tagger\n\ntext\n\nFour reports from one city …\n",
                    encoding="utf-8")
    update_card(card, f"\n{CARD_HEADING}\n\nfirst\n")
    update_card(card, f"\n{CARD_HEADING}\n\nsecond\n")
    text = card.read_text(encoding="utf-8")
    assert text.count(CARD_HEADING) == 1 and "second" in text and "first" not in text
    assert text.index("## Section tagger") < text.index(CARD_HEADING) < text.index("Four reports")

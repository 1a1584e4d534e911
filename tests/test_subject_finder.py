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

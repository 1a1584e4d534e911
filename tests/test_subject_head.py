"""The span head on an encoder (fazhi.subject_head): what it reads, how it is fine-tuned
and saved, and what the shipped one finds."""

import pytest
import torch

from fazhi.subject_head import NONE_SIDE, SubjectHead, window
from fazhi.subjects import SubjectModel, Words, example, fit

from conftest import ENCODER, SHIPPED_MODEL


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(ENCODER)


def _example(text, ind, subject):
    a = text.index(ind)
    gold = (text.index(subject), text.index(subject) + len(subject)) if subject else None
    return text, a, a + len(ind), example(text, a, a + len(ind), gold=gold, words=Words(text))


def test_the_window_marks_the_indicator_and_keeps_every_candidate_of_chinese_text(tokenizer):
    text, a, b, ex = _example("全年办理行政复议案件319件。", "319件", "行政复议案件")
    w = window(text, a, b, ex, tokenizer)
    assert w.spans == ex.spans  # one piece per character: every edge is a piece edge
    assert w.spans[w.gold] == (text.index("行政"), a)
    marked = tokenizer.convert_ids_to_tokens([i for i, t in zip(w.ids, w.types) if t])
    assert "".join(marked).replace("#", "") == "319件"
    assert w.cands[w.spans.index(None)][2] == NONE_SIDE


def test_a_candidate_with_an_edge_inside_a_piece_is_left_out(tokenizer):
    # "APP" is one piece: a span starting at its "PP" cannot be scored, the whole word can
    text, a, b, ex = _example("政务APP注册用户12万人", "12万人", "政务APP注册用户")
    w = window(text, a, b, ex, tokenizer)
    assert (text.index("PP"), a) in ex.spans and (text.index("PP"), a) not in w.spans
    assert (text.index("APP"), a) in w.spans and w.spans[w.gold] == (0, a)


def test_a_head_fine_tuned_briefly_is_saved_in_half_precision_and_loads_back_the_same(
        tmp_path, tokenizer):
    from training.subject_head import train_head

    data = [_example(*t) for t in [
        ("全年办理行政复议案件319件。", "319件", "行政复议案件"),
        ("依法审结行政诉讼案件45件。", "45件", "行政诉讼案件"),
        ("同比增长12%。", "12%", None),
        ("审查8项法规草案。", "8项", "法规草案"),
    ]]
    ranker = fit([ex for *_, ex in data], l2=0.1)
    # confident = 1: the head decides every indicator, however sure the ranker is
    head = train_head([window(*d, tokenizer) for d in data], str(ENCODER), epochs=2,
                      batch_size=2, confident=1.0, progress=False)
    assert head.settings.history["steps"] == 4
    head.to_disk(tmp_path / "head")
    from safetensors.torch import load_file

    assert {t.dtype for t in load_file(tmp_path / "head" / "head.safetensors").values()} == {
        torch.float16}
    back = SubjectHead.from_disk(tmp_path / "head")
    assert back.choose_all(ranker, data) == head.choose_all(ranker, data)
    # confident = 0: the ranker is always sure enough, and the encoder is never run
    back.settings.confident = 0.0
    back.head.forward = None
    assert back.choose_all(ranker, data) == [ranker.choose(ex) for *_, ex in data]


def test_the_shipped_finder_finds_the_counted_noun_and_leaves_out_verbs_and_scope_words():
    ranker = SubjectModel.from_disk(SHIPPED_MODEL / "values" / "subjects.json")
    head = SubjectHead.from_disk(SHIPPED_MODEL / "values" / "subject_head")
    cases = [("全年办理行政复议案件319件。", "319件", "行政复议案件"),
             ("精简行政许可事项140项。", "140项", "行政许可事项"),
             ("合法性审核率达100%。", "100%", "合法性审核率"),
             ("审查8项法规草案。", "8项", "法规草案"),
             ("同比增长7%。", "7%", None)]
    found = head.choose_all(ranker, [_example(*c) for c in cases])
    for (text, _, subject), span in zip(cases, found, strict=True):
        assert (text[slice(*span)] if span else None) == subject, (text, span)


def test_a_pipeline_that_needs_the_head_and_lacks_it_fails_on_loading_naming_the_folder(
        tmp_path):
    from fazhi.pipeline.values import ValuesComponent

    (tmp_path / "values").mkdir()
    ValuesComponent("values", "learned").from_disk(tmp_path / "values")  # the ranker alone
    with pytest.raises(ValueError, match=r"subject_head: missing"):
        ValuesComponent("values", "encoder").from_disk(tmp_path / "values")

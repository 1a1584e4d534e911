import itertools

import spacy

from fazhi.data import GoldReport
from fazhi.evaluation.entities import evaluate
from fazhi.normalize import normalize
from training.baselines.spacy_ner import (
    chunk_bounds,
    make_docs,
    predict_spacy,
    train_spacy_ner,
)


def example(doc_id: str, text: str, surfaces: dict[str, str]) -> GoldReport:
    """An GoldReport whose entities are every occurrence of the given surfaces."""
    norm = normalize(text)
    ents = []
    for surface, label in surfaces.items():
        start = norm.text.find(surface)
        while start >= 0:
            ents.append((start, start + len(surface), label))
            start = norm.text.find(surface, start + 1)
    return GoldReport(doc_id, norm, sorted(ents), gold=None)


SURFACES = {"区司法局": "ORG", "接诉即办": "MEASURE", "行政处罚法": "REGULATION", "140项": "INDICATOR"}
TRAIN = [
    example("a", "区司法局深化接诉即办改革。\n精简行政许可事项140项。\n落实行政处罚法。\n" * 3, SURFACES),
    example("b", "全面推行接诉即办。 区司法局  宣传行政处罚法,办理案件140项。\n\n" * 3, SURFACES),
]

# Sentences of 20-40 characters separated by 。 and newlines, 2,000 characters in all.
LONG = "".join(
    f"第{i}项工作由区司法局负责{'推进' * (i % 7)}。" + ("\n" if i % 3 == 0 else "")
    + ("\n  \n" if i % 11 == 0 else "")
    for i in range(80)
)


def test_chunks_cover_the_text_contiguously_and_respect_the_length_limit():
    bounds = chunk_bounds(LONG, max_chars=100)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(LONG)
    assert all(a < b for a, b in bounds)
    assert all(b == a2 for (_, b), (a2, _) in itertools.pairwise(bounds))
    assert all(b - a <= 100 for a, b in bounds)
    assert "".join(LONG[a:b] for a, b in bounds) == LONG


def test_chunks_end_at_a_sentence_end_or_newline_when_there_is_one():
    for _, b in chunk_bounds(LONG, max_chars=100)[:-1]:
        assert LONG[b - 1] in "。\n"


def test_an_over_long_sentence_is_cut_after_a_clause_and_a_clause_anywhere():
    text = "甲" * 50 + "," + "乙" * 200 + "。"
    bounds = chunk_bounds(text, max_chars=100)
    assert bounds[0] == (0, 51)
    assert all(b - a <= 100 for a, b in bounds)


def test_a_cut_never_falls_inside_a_protected_span_even_one_longer_than_a_chunk():
    text = "甲" * 90 + "乙" * 30 + "丙" * 200 + "丁" * 150
    protected = [(85, 105, "ORG"), (250, 380, "MEASURE")]
    bounds = chunk_bounds(text, max_chars=100, protected=protected)
    cuts = {b for _, b in bounds[:-1]}
    assert not any(s < c < e for c in cuts for s, e, _ in protected)
    assert "".join(text[a:b] for a, b in bounds) == text


def test_training_docs_carry_every_entity_on_the_right_characters_despite_spaces_and_newlines():
    docs, misaligned = make_docs(TRAIN, max_chars=40)
    assert misaligned == 0
    assert sum(len(d.ents) for d in docs) == sum(len(ex.entities) for ex in TRAIN)
    for doc in docs:
        for ent in doc.ents:
            assert SURFACES[ent.text] == ent.label_
            assert doc.text[ent.start_char:ent.end_char] == ent.text


def test_blank_zh_splits_into_characters_and_keeps_every_offset():
    nlp = spacy.blank("zh")
    assert nlp.tokenizer.segmenter == "char"
    doc = nlp.make_doc("区 司法局\n\n办理 140项")
    assert doc.text == "区 司法局\n\n办理 140项"
    assert doc.char_span(2, 5, alignment_mode="strict").text == "司法局"
    assert doc.char_span(10, 14, alignment_mode="strict").text == "140项"


def test_prediction_shifts_each_chunk_back_to_offsets_on_the_whole_text():
    # A rule-based tagger stands in for the model, so any offset error shows as a wrong string.
    nlp = spacy.blank("zh")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "ORG", "pattern": "区司法局"}])
    spans = predict_spacy(nlp, LONG)
    assert len(spans) == LONG.count("区司法局") == 80
    assert all(LONG[s:e] == "区司法局" and label == "ORG" for s, e, label in spans)


def test_a_few_training_steps_give_an_ner_pipeline_with_valid_spans():
    nlp = train_spacy_ner(TRAIN, None, max_steps=3, seed=0)
    assert "ner" in nlp.pipe_names
    assert set(nlp.get_pipe("ner").labels) == set(SURFACES.values())
    assert nlp.meta["fazhi"]["misaligned_spans"] == 0
    text = TRAIN[1].text
    for s, e, label in predict_spacy(nlp, text):
        assert 0 <= s < e <= len(text)
        assert label in SURFACES.values()


def test_training_with_a_dev_set_returns_its_best_checkpoint_that_has_learnt_the_examples():
    nlp = train_spacy_ner(TRAIN, TRAIN, max_steps=100, seed=0)
    for ex in TRAIN:
        scores = evaluate([ex.text], [ex.entities], [predict_spacy(nlp, ex.text)])
        assert scores["strict"]["micro"]["f1"] > 0.8

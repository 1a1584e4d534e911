"""`validate` names every way an annotation can break the guidelines, one line each."""

import pytest

from fazhi.annotations.schema import DocAnnotation, Entity, Section
from fazhi.annotations.validate import validate

TEXT = "区司法局落实《北京市优化营商环境条例》,深化“证照分离”改革,办结319件。"
N = len(TEXT)


def doc(entities=(), sections=None):
    if sections is None:
        sections = [Section(0, N, "ACHIEVEMENTS", "FUNCTIONS")]
    return DocAnnotation("d", list(entities), list(sections))


def ent(surface, label, occurrence=0):
    start = TEXT.index(surface)
    return Entity(start, start + len(surface), label, surface)


def test_a_correct_annotation_has_no_problems():
    good = doc([ent("区司法局", "ORG"), ent("北京市优化营商环境条例", "REGULATION"),
                ent("“证照分离”改革", "MEASURE"), ent("319件", "INDICATOR")])
    assert validate(good, TEXT) == []


@pytest.mark.parametrize("entity, problem", [
    (Entity(70, 80, "ORG"), "outside the text"),
    (Entity(0, 4, "PERSON", "区司法局"), "unknown label"),
    (Entity(0, 4, "ORG", "区政府局"), "differs from the report"),
    (Entity(TEXT.index(","), TEXT.index(",") + 3, "MEASURE", ",深化"), "starts or ends with"),
    (Entity(4, 6, "MEASURE", TEXT[4:6]), None),
    (Entity(TEXT.index("319"), TEXT.index("。") + 1, "INDICATOR", "319件。"), "starts or ends with"),
])
def test_each_entity_problem_is_reported(entity, problem):
    problems = validate(doc([entity]), TEXT)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0] and problems[0].startswith("d ")


def test_regulation_with_its_brackets_is_refused():
    start = TEXT.index("《")
    bad = Entity(start, TEXT.index("》") + 1, "REGULATION", TEXT[start:TEXT.index("》") + 1])
    assert any("《》" in p for p in validate(doc([bad]), TEXT))


def test_overlapping_entities_are_refused():
    problems = validate(doc([Entity(0, 4, "ORG", "区司法局"), Entity(2, 6, "MEASURE", TEXT[2:6])]),
                        TEXT)
    assert any("overlaps" in p for p in problems)


def test_quotes_that_belong_to_a_name_are_allowed_at_its_edges():
    assert validate(doc([ent("“证照分离”", "MEASURE")]), TEXT) == []
    lone = TEXT.index("“")
    assert validate(doc([Entity(lone, lone + 5, "MEASURE", TEXT[lone:lone + 5])]), TEXT)


@pytest.mark.parametrize("sections, problem", [
    ([Section(0, 10, "ACHIEVEMENTS", "FUNCTIONS")], "sections end at 10"),
    ([Section(0, 10, "PREAMBLE", "NONE"), Section(12, N, "PLANS", "RULES")], "gap before"),
    ([Section(0, 12, "PREAMBLE", "NONE"), Section(10, N, "PLANS", "RULES")], "overlap"),
    ([Section(0, N, "PREFACE", "NONE")], "unknown part"),
    ([Section(0, N, "PLANS", "HEALTH")], "unknown topic"),
    ([Section(0, N, "TITLE", "RULES")], "carries no topic"),
    ([Section(0, 10, "OTHER", "NONE", (5, 12)), Section(10, N, "OTHER", "NONE")], "outside its section"),
])
def test_sections_must_cover_every_character_once_with_schema_values(sections, problem):
    problems = validate(doc(sections=sections), TEXT)
    assert any(problem in p for p in problems), problems


def test_the_gold_is_valid(gold, corpus_texts):
    assert {d.doc_id for d in gold} == set(corpus_texts)
    for d in gold:
        assert validate(d, corpus_texts[d.doc_id]) == []


def test_the_gold_has_every_label_in_every_report(gold):
    from fazhi.labels import ENTITY_LABELS

    for d in gold:
        assert {e.label for e in d.entities} == set(ENTITY_LABELS), d.doc_id
        assert any(s.heading for s in d.sections)


@pytest.mark.parametrize("entity, problem", [
    (Entity(N - 2, N + 3, "ORG", ""), f"{N - 2}-{N + 3}: offsets outside the text (past its end"),
    (Entity(6, 2, "ORG", ""), "6-2: reversed span"),
    (Entity(-2, 3, "ORG", ""), "-2-3: negative offset"),
    (Entity(3, 3, "ORG", ""), "3-3: empty span"),
    (Entity("0", "4", "ORG", "区司法局"), "'0'-'4': offsets are not whole numbers (str, str)"),
    (Entity(0.0, 4.0, "ORG", "区司法局"), "0.0-4.0: offsets are not whole numbers (float"),
    (Entity(True, 4, "ORG", "区司法局"), "True-4: offsets are not whole numbers (bool"),
    (Entity(0, 4, "PERSON", "区司法局"), "0-4: unknown label 'PERSON' (labels: MEASURE,"),
])
def test_unusable_spans_are_one_line_each_with_doc_id_and_offsets(entity, problem):
    problems = validate(doc([entity]), TEXT, sections=False, guidelines=False)
    assert len(problems) == 1 and problems[0].startswith(f"d {problem}"), problems


def test_duplicated_spans_are_named_as_such():
    problems = validate(doc([ent("区司法局", "ORG"), ent("区司法局", "ORG")]), TEXT)
    assert problems == ["d 0-4: duplicate of the ORG span 0-4: ⟦区司法局⟧落实《北京市优化营商环境"]


def test_offsets_all_shifted_by_one_are_caught_with_a_hint():
    good = [ent("区司法局", "ORG"), ent("“证照分离”改革", "MEASURE"), ent("319件", "INDICATOR")]
    shifted = [Entity(e.start + 1, e.end + 1, e.label, e.text) for e in good]
    problems = validate(doc(shifted), TEXT, sections=False, guidelines=False)
    assert sum("differs from the report" in p for p in problems) == 3
    assert problems[-1].startswith("d 1-")
    assert problems[-1].endswith("offsets look shifted by +1: the recorded text of 3 span(s) "
                                 "is found 1 character(s) earlier in the report")


def test_sections_can_be_left_out_of_the_check():
    assert validate(doc([ent("区司法局", "ORG")], sections=[]), TEXT, sections=False) == []
    assert validate(doc([ent("区司法局", "ORG")], sections=[]), TEXT)  # they do not cover it

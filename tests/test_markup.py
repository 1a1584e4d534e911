"""The review markup reads back into exactly the annotation it was written from."""

import pytest

from fazhi.annotations.markup import MarkupError, move_subjects, parse, render

ORIGINAL = "2022年,区委、区政府坚持。一、主要举措(一)依法全面履行政府职能一是精简行政许可事项140项"
MARKED = ("{PREAMBLE NONE}2022年,[ORG 区委]、[ORG 区政府]坚持。{ACHIEVEMENTS NONE}{H}一、主要举措{/H}"
          "{ACHIEVEMENTS FUNCTIONS}{H}(一)依法全面履行政府职能{/H}一是精简行政许可事项[INDICATOR 140项]")


def test_markup_parses_to_offsets_on_the_original():
    text, ann = parse(MARKED, "x", original=ORIGINAL)
    assert text == ORIGINAL
    assert [(e.text, e.label) for e in ann.entities] == [
        ("区委", "ORG"), ("区政府", "ORG"), ("140项", "INDICATOR")]
    assert [(s.part, s.topic) for s in ann.sections] == [
        ("PREAMBLE", "NONE"), ("ACHIEVEMENTS", "NONE"), ("ACHIEVEMENTS", "FUNCTIONS")]
    assert ann.sections[-1].end == len(ORIGINAL)
    h = ann.sections[2].heading
    assert ORIGINAL[h[0]:h[1]] == "(一)依法全面履行政府职能"


def test_render_is_the_inverse_of_parse():
    text, ann = parse(MARKED, "x")
    assert render(text, ann) == MARKED


def test_brackets_in_the_report_are_escaped():
    text = "见附件[1]{注}"
    _, ann = parse("{OTHER NONE}" + text.replace("[", "\\[").replace("]", "\\]")
                   .replace("{", "\\{").replace("}", "\\}"), "x")
    assert parse(render(text, ann), "x")[0] == text


def test_an_edited_character_is_reported_with_its_offset():
    with pytest.raises(MarkupError, match="offset 8"):
        parse(MARKED.replace("区委", "区委会"), "x", original=ORIGINAL)


@pytest.mark.parametrize("bad", [
    "{OTHER NONE}[PERSON 张三]",
    "{OTHER NONE}[ORG 区委",
    "{OTHER NONE}区委]",
    "{NOPART NONE}文本",
])
def test_malformed_markup_is_refused(bad):
    with pytest.raises(MarkupError):
        parse(bad)


def test_subjects_are_moved_and_every_other_mark_stays_as_written():
    marked = "制定[ORG 省政府]规章[INDICATOR 6件]，办理{S}行政复议案件{/S}[INDICATOR 319件]。"
    text, ann = parse(marked)
    old = ann.subjects[0]
    case = text.index("复议案件")
    moved = move_subjects(marked, remove=[old], add=[(case, case + 4)])
    assert moved == "制定[ORG 省政府]规章[INDICATOR 6件]，办理行政{S}复议案件{/S}[INDICATOR 319件]。"
    # A subject starting at an entity's edge takes the entity in whole.
    rules = (text.index("省政府"), text.index("规章") + 2)
    added = move_subjects(moved, remove=[], add=[rules])
    assert added.startswith("制定{S}[ORG 省政府]规章{/S}[INDICATOR 6件]")
    assert parse(added)[0] == text
    assert sorted(parse(added)[1].subjects) == sorted([rules, (case, case + 4)])
    # Replacing a subject by one that starts where it started.
    same_start = move_subjects(marked, remove=[old], add=[(old[0], old[1] - 2)])
    assert "{S}行政复议{/S}案件" in same_start


def test_moving_a_subject_that_is_not_there_is_an_error():
    with pytest.raises(MarkupError, match="no subject"):
        move_subjects("办理{S}案件{/S}3件。", remove=[(0, 2)], add=[])


def test_a_subject_overlapping_another_cannot_be_written():
    with pytest.raises(MarkupError):
        move_subjects("办理{S}行政复议案件{/S}3件。", remove=[], add=[(4, 8)])

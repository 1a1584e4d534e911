"""The review markup reads back into exactly the annotation it was written from."""

import pytest

from fazhi.annotations.markup import MarkupError, parse, render

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

"""Structured values for INDICATOR spans (fazhi.indicators)."""

import json

import pytest

from fazhi.indicators import IndicatorValue, chinese_number, indicator_subject, parse_indicator

from conftest import ROOT

SUBJECTS = ROOT / "annotations" / "indicator_subjects.jsonl"


# --- parse_indicator ---------------------------------------------------------------------

@pytest.mark.parametrize("surface, value, unit", [
    ("319件", 319, "件"),
    ("98.65%", 98.65, "%"),
    ("3.41亿元", 341_000_000, "元"),
    ("7423万元", 74_230_000, "元"),
    ("2.4万人次", 24_000, "人次"),
    ("46.2亿美元", 4_620_000_000, "美元"),
    ("39微克/立方米", 39, "微克/立方米"),
    ("1034", 1034, ""),
])
def test_arabic_numbers_take_their_multiplier_and_keep_the_unit(surface, value, unit):
    v = parse_indicator(surface)
    assert v.value == pytest.approx(value)
    assert v.unit == unit
    assert (v.bound, v.approx, v.fraction) == (None, False, False)


@pytest.mark.parametrize("surface, value, unit", [
    ("两批", 2, "批"), ("四次", 4, "次"), ("十六个", 16, "个"), ("一百二十", 120, ""),
    ("四届", 4, "届"), ("十个", 10, "个"),
])
def test_chinese_numerals_are_read_as_numbers(surface, value, unit):
    v = parse_indicator(surface)
    assert (v.value, v.unit) == (value, unit)


@pytest.mark.parametrize("surface, value, unit, bound, approx", [
    ("1.9万余件", 19_000, "件", "余", True),
    ("500余万条", 5_000_000, "条", "余", True),
    ("两万余张", 20_000, "张", "余", True),
    ("千余套", 1000, "套", "余", True),
    ("100多项", 100, "项", "多", True),
    ("近20件", 20, "件", "近", True),
    ("约600个", 600, "个", "约", True),
    ("90%以上", 90, "%", "以上", False),
    ("70%以下", 70, "%", "以下", False),
    ("5万元以上", 50_000, "元", "以上", False),
    ("最快45分钟", 45, "分钟", "最快", False),
    ("15个工作日内", 15, "工作日", "内", False),
])
def test_bound_words_are_recorded_and_only_rounding_ones_mark_the_value_approximate(
        surface, value, unit, bound, approx):
    v = parse_indicator(surface)
    assert v.value == pytest.approx(value)
    assert (v.unit, v.bound, v.approx) == (unit, bound, approx)


def test_a_fraction_is_a_share_with_its_bound():
    assert parse_indicator("近三分之一") == IndicatorValue(
        value=pytest.approx(1 / 3), unit="", bound="近", approx=True, fraction=True)
    assert parse_indicator("三分之一").bound is None


def test_percentage_points_are_a_unit_of_their_own():
    v = parse_indicator("19.72个百分点")
    assert (v.value, v.unit) == (pytest.approx(19.72), "百分点")


def test_around_the_clock_is_the_product_of_its_factors():
    assert parse_indicator("7*24小时") == IndicatorValue(168.0, "小时", None, False, False)


def test_a_vague_quantity_has_no_value_but_is_approximate():
    v = parse_indicator("数十个")
    assert (v.value, v.unit, v.approx) == (None, "个", True)


def test_traditional_and_full_width_input_is_normalised_first():
    assert parse_indicator("1.9萬餘件") == parse_indicator("1.9万余件")
    assert parse_indicator("１９.７２個百分點") == parse_indicator("19.72个百分点")


def test_ocr_spaces_and_page_markers_inside_a_span_do_not_change_the_number():
    assert parse_indicator("28. 76亿元").value == pytest.approx(2_876_000_000)
    assert parse_indicator("43\n4、名") == parse_indicator("43名")


def test_a_surface_without_a_number_is_rejected():
    with pytest.raises(ValueError):
        parse_indicator("行政复议案件")


@pytest.mark.parametrize("numeral, value", [
    ("十", 10), ("十六", 16), ("二十", 20), ("一百零五", 105), ("一千二百", 1200),
    ("两万", 20_000), ("三亿五千万", 350_000_000), ("二〇二二", 2022),
])
def test_chinese_numerals_follow_the_positional_units(numeral, value):
    assert chinese_number(numeral) == value


def test_every_annotated_indicator_surface_parses(gold):
    surfaces = [e.text for doc in gold for e in doc.entities if e.label == "INDICATOR"]
    values = [parse_indicator(s) for s in surfaces]
    assert all(v.value is not None or v.approx for v in values)


# --- indicator_subject ---------------------------------------------------------------------

def _subject(sentence: str, indicator: str) -> str | None:
    start = sentence.index(indicator)
    span = indicator_subject(sentence, start, start + len(indicator))
    return sentence[span[0]:span[1]] if span else None


def test_the_counted_noun_before_the_number_stops_at_the_governing_verb():
    assert _subject("办理行政复议案件319件,同比增长87.5%", "319件") == "行政复议案件"
    assert _subject("精简行政许可事项140项。", "140项") == "行政许可事项"


def test_a_noun_after_the_number_is_what_it_counts():
    assert _subject("市区两级90%以上事项实现网上办理", "90%以上") == "事项"
    assert _subject("提请审议8项法规草案,完成", "8项") == "法规草案"


def test_a_linking_verb_between_noun_and_number_is_skipped():
    assert _subject("合法性审核率达100%。", "100%") == "合法性审核率"
    assert _subject("违法行为共4788项,", "4788项") == "违法行为"
    assert _subject("PM2.5年均浓度为39微克/立方米,", "39微克/立方米") == "PM2.5年均浓度"


def test_an_elided_noun_gives_no_subject():
    assert _subject("一审行政应诉案件8889件、审结7195件,", "7195件") is None
    assert _subject("受理案件319件,同比增长87.5%,", "87.5%") is None


def test_the_subject_file_is_read_from_the_corpus_over_all_four_reports(corpus_texts):
    rows = [json.loads(line) for line in SUBJECTS.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 60
    assert len({r["doc_id"] for r in rows}) == 4
    for r in rows:
        text = corpus_texts[r["doc_id"]]
        assert text[r["start"]:r["end"]] == r["text"]
        if r["subject"] is None:
            assert r["subject_start"] is None and r["subject_end"] is None
        else:
            assert text[r["subject_start"]:r["subject_end"]] == r["subject"]


def test_the_heuristic_accuracy_against_the_read_subjects_is_measured(corpus_texts):
    from fazhi.annotations.schema import read_subjects
    from fazhi.evaluation.subjects import score_subjects

    result = score_subjects(read_subjects(SUBJECTS), corpus_texts)
    print(f"indicator subject exact match: {result['hits']}/{result['total']}")
    assert result["total"] == 391  # every INDICATOR of the four reports
    # 215/391 against the subjects read twice and adjudicated
    # (annotations/subjects_second/ADJUDICATION.md); a change to the heuristic that loses
    # subjects shows here
    assert result["hits"] >= 215
    assert len(result["misses"]) == result["total"] - result["hits"]

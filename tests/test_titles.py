"""Structured values for REGULATION spans (fazhi.titles)."""

import pytest

from fazhi.titles import TitleValue, parse_title


@pytest.mark.parametrize("surface, kind, period", [
    ("法治社会建设实施纲要(2020-2025年)", "纲要", "2020-2025年"),
    ("朝阳区依法治区规划(2021—2025年)", "规划", "2021—2025年"),
    ("北京市优化营商环境条例", "条例", None),
    ("区重大行政决策程序规定实施细则(试行)", "细则", "(试行)"),
    ("北京市野生动物保护条例(草案)", "条例", "(草案)"),
    ("市政府2022年立法工作计划", "计划", "2022年"),
    ("优化营商环境3.0版汇编", "汇编", "3.0版"),
    ("区社会信用体系建设十四五规划", "规划", "十四五"),
    ("条例", "条例", None),
    ("行政处罚法", "法", None),
    ("民法典", "法典", None),
    ("区权责清单动态管理办法", "办法", None),
    ("区政务服务事项目录", "目录", None),
])
def test_gold_titles_give_their_kind_and_period(surface, kind, period):
    v = parse_title(surface)
    assert (v.title, v.kind, v.period) == (surface, kind, period)


def test_outer_brackets_are_dropped_and_the_title_is_simplified():
    assert parse_title("《區政府重大行政決策事項目錄》") == TitleValue(
        "区政府重大行政决策事项目录", "目录", None)


def test_full_width_parentheses_fold_to_the_gold_form():
    assert parse_title("《法治社会建设实施纲要（2020-2025年）》").title == \
        "法治社会建设实施纲要(2020-2025年)"


def test_a_bracketed_period_after_the_title_wins_over_a_year_inside_it():
    v = parse_title("关于加强北京市物业管理工作提升物业服务水平三年行动计划(2020-2022年)")
    assert (v.kind, v.period) == ("计划", "2020-2022年")


def test_a_nested_title_does_not_decide_the_kind():
    v = parse_title("中共中央办公厅国务院办公厅印发〈关于推进基层整合审批服务执法力量的实施意见〉的通知")
    assert v.kind == "通知"


def test_a_target_year_is_not_the_documents_period():
    v = parse_title("中共中央关于制定国民经济和社会发展第十四个五年规划和2035年远景目标的建议")
    assert (v.kind, v.period) == ("建议", None)


def test_a_title_without_a_kind_suffix_has_no_kind():
    assert parse_title("推进关键领域多点突破,加快建设更高层次的法治政府").kind is None


def test_quotation_marks_stay_as_written():
    assert parse_title("“十四五”时期应急救援力量建设规划").title == "“十四五”时期应急救援力量建设规划"


def test_an_empty_title_is_rejected():
    with pytest.raises(ValueError):
        parse_title("《》")

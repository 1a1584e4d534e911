"""Who reported and when (fazhi.document): the issuing unit, resolved against the
administrative divisions, and the report year, from the title, dateline or opening
sentence; None with a reason when the report does not say."""

import json

import pytest

from fazhi.document import PlaceTable, extract
from fazhi.normalize import normalize

PLACES = [
    ("浙江省", "province", "浙江省", ""), ("杭州市", "prefecture", "浙江省", "浙江省"),
    ("桐庐县", "county", "浙江省", "杭州市"), ("西湖区", "county", "浙江省", "杭州市"),
    ("转塘街道", "township", "浙江省", "西湖区"),
    ("北京市", "province", "北京市", ""), ("朝阳区", "county", "北京市", "市辖区"),
    ("吉林省", "province", "吉林省", ""), ("长春市", "prefecture", "吉林省", "吉林省"),
    ("朝阳区", "county", "吉林省", "长春市"),
    ("贵州省", "province", "贵州省", ""),
    ("黔东南苗族侗族自治州", "prefecture", "贵州省", "贵州省"),
    ("江苏省", "province", "江苏省", ""), ("苏州市", "prefecture", "江苏省", "江苏省"),
]


@pytest.fixture(scope="module")
def table():
    return PlaceTable(PLACES)


def fields(text, table):
    rec = extract(normalize(text), table)
    unit = rec["unit"] or {}
    return (unit.get("name"), unit.get("level"), unit.get("province"),
            rec["year"]["value"] if rec["year"] else None), rec


@pytest.mark.parametrize("text, expected", [
    ("杭州市2021年法治政府建设年度情况报告\n2021年是开局之年。",
     ("杭州市人民政府", "prefecture_city", "浙江省", 2021)),
    ("桐庐县人民政府关于2022年度法治政府建设工作情况的报告\n",
     ("桐庐县人民政府", "county", "浙江省", 2022)),
    ("浙江省司法厅2022年度法治政府建设工作报告\n", ("浙江省司法厅", "province_department", "浙江省", 2022)),
    ("黔东南州2022年法治政府建设年度报告\n", ("黔东南苗族侗族自治州人民政府", "autonomous_prefecture",
                                              "贵州省", 2022)),
    ("杭州市西湖区转塘街道办事处2024年法治政府建设工作报告\n",
     ("杭州市西湖区转塘街道办事处", "street", "浙江省", 2024)),
    ("苏州工业园区2021年法治政府建设工作报告\n", ("苏州工业园区管理委员会", "development_zone", "江苏省", 2021)),
    # no title: the opening sentence; a district named alone takes its city
    ("2020年,朝阳区坚持依法行政,北京市……北京", ("北京市朝阳区人民政府", "district", "北京市", 2020)),
    # a web page with no year in its title: the year before its publication date
    ("杭州市人民政府\n首页 > 法治政府建设\n发布时间:2021-02-03\n今年以来,杭州市人民政府坚持……\n",
     ("杭州市人民政府", "prefecture_city", "浙江省", 2020)),
])
def test_unit_and_year_are_found_and_resolved(table, text, expected):
    got, rec = fields(text, table)
    assert got == expected
    assert rec["reason"] == {"unit": None, "year": None}


def test_offsets_point_at_the_words_as_written_in_traditional_script(table):
    text = "黔東南州二〇二二年法治政府建設年度報告\n"
    _, rec = fields(text, table)
    unit, year = rec["unit"], rec["year"]
    assert text[unit["start"]:unit["end"]] == unit["text"] == "黔東南州"
    assert unit["normalized"] == "黔东南州"
    assert text[year["start"]:year["end"]] == year["text"] == "二〇二二年"
    assert year["value"] == 2022


def test_a_report_that_names_no_unit_gets_none_with_the_reason(table):
    got, rec = fields("1、2022年法治政府建设情况报告2022年,区委、区政府坚持依法行政。", table)
    assert got == (None, None, None, 2022)
    assert rec["unit"] is None and "区委、区政府" in rec["reason"]["unit"]
    got, rec = fields("二、主要负责同志履职情况\n区委、区政府主要负责同志……", table)
    assert rec["year"] is None and rec["reason"]["year"]


def test_the_place_table_is_saved_as_json_and_read_back(tmp_path, table):
    table.to_disk(tmp_path / "places.json")
    rows = json.loads((tmp_path / "places.json").read_text(encoding="utf-8"))
    assert len(rows) == len(PLACES)
    back = PlaceTable.from_disk(tmp_path / "places.json")
    assert back.by_name.keys() == table.by_name.keys()


def test_the_training_stage_scores_the_real_reports_and_the_passages(tmp_path, monkeypatch):
    """`training.run`'s document stage (also `python -m training.document`): exact match per
    field on both sets, written as reports/document.{md,json}."""
    from fazhi.settings import load_settings
    from training.document import stage

    from conftest import ROOT

    monkeypatch.chdir(ROOT)
    results = stage(load_settings(ROOT / "configs" / "default.toml"), tmp_path)
    assert results["real reports"]["all"]["total"] == 4
    assert results["written passages"]["all"]["total"] == 63
    assert "| real reports |" in (tmp_path / "document.md").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "document.json").read_text())["real reports"]

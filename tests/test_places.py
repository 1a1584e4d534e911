"""China's places as knowledge: the data packages, organisation names anchored on them, and
place-name augmentation of training text."""

import pytest

from fazhi.data import GoldReport
from fazhi.normalize import Normalizer
from fazhi.places import load_places, place_names, province_short, short_form
from fazhi.rules import RuleTagger
from fazhi.rules.orgs import PlaceIndex, org_names


@pytest.fixture(scope="module")
def names():
    return place_names()


def test_the_divisions_reach_from_provinces_to_streets_with_former_names(names):
    levels = {p.level for p in load_places()}
    assert levels == {"province", "prefecture", "county", "township"}
    for name in ("广西壮族自治区", "黔东南苗族侗族自治州", "锡林郭勒盟", "鄂温克族自治旗",
                 "桐庐县", "分水镇", "转塘街道", "湟中区", "湟中县"):
        assert name in names, name
    assert "城区" not in names and "新区街道" not in names  # too generic to anchor on
    assert province_short("广西壮族自治区") == "广西" and province_short("浙江省") == "浙江"


def test_an_organisation_keeps_its_whole_place_prefix(names):
    index = PlaceIndex(names)
    text = "浙江省杭州市桐庐县司法局会同分水镇人民政府和市司法局开展检查。"
    spans, _ = org_names(text, index)
    assert {text[a:b] for a, b, _ in spans} == {"浙江省杭州市桐庐县司法局", "分水镇人民政府",
                                                 "市司法局"}


def test_the_rules_tagger_knows_places_no_training_report_names(names):
    text = Normalizer()("广东省司法厅指导韶关市乐昌市人民政府推进工作。").text
    bare = RuleTagger().fit([])
    national = RuleTagger(national_places=True).fit([])
    assert {text[a:b] for a, b, lab in national.predict(text) if lab == "ORG"} == {
        "广东省司法厅", "韶关市乐昌市人民政府"}
    assert {text[a:b] for a, b, lab in bare.predict(text) if lab == "ORG"} != {
        "广东省司法厅", "韶关市乐昌市人民政府"}


def test_the_national_places_travel_with_a_saved_rules_tagger(tmp_path):
    tagger = RuleTagger(national_places=True).fit([])
    tagger.to_disk(tmp_path)
    again = RuleTagger().from_disk(tmp_path)
    text = "乐昌市司法局开展培训。"
    assert again.national_places and again.predict(text) == tagger.predict(text)


def test_swapped_places_keep_every_entity_on_its_words(names):
    from training.augment import PlaceSwapper

    text = "延庆区司法局与朝阳区水务局落实北京市行政执法监督办法,全区办结319件。"
    spans = [(0, 6, "ORG"), (7, 13, "ORG"), (15, 26, "REGULATION"), (31, 35, "INDICATOR")]
    norm = Normalizer()(text)
    ex = GoldReport("t", norm, spans, None)
    new = PlaceSwapper(names, seed=3)(ex)
    assert new.text != text
    got = [(new.text[s:e], lab) for s, e, lab in new.entities]
    assert got[0][0].endswith("司法局") and got[1][0].endswith("水务局")
    assert got[2][0].endswith("行政执法监督办法") and got[3] == ("319件", "INDICATOR")
    assert "延庆区" not in new.text and "朝阳区" not in new.text


@pytest.mark.parametrize("name, short", [
    ("大理白族自治州", "大理州"), ("伊犁哈萨克自治州", "伊犁州"), ("黔东南苗族侗族自治州", "黔东南州"),
    ("巴音郭楞蒙古自治州", "巴音郭楞州"), ("长阳土家族自治县", "长阳县"), ("北京市", None),
])
def test_an_autonomous_area_is_also_known_by_its_short_name(name, short):
    assert short_form(name) == short

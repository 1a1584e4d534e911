"""The rules-and-gazetteers baseline tagger (src/fazhi/rules/).

Sentences are written in review markup, `[LABEL text]`, on already normalised text
(「」 quotes, half-width ASCII), so each test reads as the tagging it expects.
"""

import itertools
import re

import pytest

from fazhi.data import GoldReport
from fazhi.normalize import Normalized
from fazhi.rules import RuleTagger, resolve
from fazhi.rules.measures import verb_led_measures

MARK = re.compile(r"\[([A-Z]+) ([^\[\]]+)\]")


def parse(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    text, spans, pos = [], [], 0
    for m in MARK.finditer(marked):
        text.append(marked[pos:m.start()])
        start = sum(map(len, text))
        text.append(m.group(2))
        spans.append((start, start + len(m.group(2)), m.group(1)))
        pos = m.end()
    text.append(marked[pos:])
    return "".join(text), spans


def example(marked: str, doc_id: str = "t") -> GoldReport:
    text, spans = parse(marked)
    norm = Normalized(text, text, list(range(len(text))), list(range(1, len(text) + 1)))
    return GoldReport(doc_id, norm, spans, gold=None)


def tagged(tagger: RuleTagger, marked: str, label: str | None = None) -> tuple[set, set]:
    """(predicted, expected) spans of one label (all labels when None)."""
    text, gold = parse(marked)
    pred = tagger.predict(text)
    keep = (lambda s: s[2] == label) if label else (lambda s: True)
    return {s for s in pred if keep(s)}, {s for s in gold if keep(s)}


@pytest.fixture
def untrained():
    return RuleTagger()


# --- REGULATION -----------------------------------------------------------------------------

def test_a_bracketed_title_is_tagged_without_its_brackets(untrained):
    pred, gold = tagged(untrained, "贯彻落实《[REGULATION 北京市优化营商环境条例]》,持续优化营商环境。",
                        "REGULATION")
    assert pred == gold


def test_a_title_nested_in_a_title_stays_inside_the_outer_one(untrained):
    pred, gold = tagged(
        untrained, "印发《[REGULATION 朝阳区落实〈「健康朝阳2030」规划纲要〉实施方案]》(朝政发〔2020〕1号)。")
    assert pred == gold


def test_an_unbracketed_law_after_a_governing_verb_leaves_the_verb_and_its_attribute_out(
        untrained):
    pred, gold = tagged(untrained, "组织执法人员落实新修订[REGULATION 行政处罚法],规范执法行为。",
                        "REGULATION")
    assert pred == gold


def test_an_unbracketed_title_ends_before_deng(untrained):
    pred, gold = tagged(untrained, "推进[REGULATION 数字经济促进条例]等重要立法。", "REGULATION")
    assert pred == gold


def test_words_ending_in_fa_that_name_no_law_are_not_titles(untrained):
    pred, _ = tagged(untrained, "深入贯彻习近平法治思想,落实严格规范公正文明执法。", "REGULATION")
    assert pred == set()


def test_national_laws_are_titles_wherever_a_report_names_them(untrained):
    pred, gold = tagged(untrained, "依据[REGULATION 传染病防治法]、[REGULATION 突发事件应对法]和"
                        "[REGULATION 价格法]开展执法,组织[REGULATION 宪法]学习和[REGULATION 民法典]宣讲。",
                        "REGULATION")
    assert pred == gold


def test_a_law_in_a_quoted_campaign_or_a_day_is_no_title(untrained):
    pred, _ = tagged(untrained, "开展「我与宪法」主题活动,组织国家宪法日宣传。", "REGULATION")
    assert pred == set()


def test_a_law_keeps_its_state_prefix_and_its_implementing_rules(untrained):
    pred, gold = tagged(untrained, "学习[REGULATION 中华人民共和国行政处罚法]和[REGULATION 土地管理法实施条例]。",
                        "REGULATION")
    assert pred == gold


def test_titles_joined_by_a_conjunction_are_two_titles_without_what_is_said_of_them(
        untrained):
    pred, gold = tagged(untrained, "认真贯彻[REGULATION 旅游法]和[REGULATION 海南经济特区旅游条例],"
                        "落实[REGULATION 安全生产法]和4月1日起施行的[REGULATION 生产安全事故应急条例]。",
                        "REGULATION")
    assert pred == gold


def test_a_units_own_regulation_needs_no_governing_verb(untrained):
    pred, gold = tagged(untrained, "其中[REGULATION 北京市公共数据条例]在全国率先立法;北京市司法局启动"
                        "[REGULATION 北京市安全生产条例]修订。", "REGULATION")
    assert pred == gold


def test_a_bare_back_reference_to_the_followed_title_is_a_title(untrained):
    pred, gold = tagged(untrained, "对照[REGULATION 纲要]目标查找差距,修订后的[REGULATION 条例]对此作出规定。",
                        "REGULATION")
    assert pred == gold


def test_a_title_ending_in_banfa_after_a_verb_is_a_title_not_a_word_ending_in_fa(untrained):
    pred, gold = tagged(untrained, "出台[REGULATION 深化政务公开促进政策服务工作办法],做好公开服务。", "REGULATION")
    assert pred == gold


def test_a_units_own_document_named_by_its_bare_level_is_a_title(untrained):
    pred, gold = tagged(untrained, "严格按照[REGULATION 区权责清单动态管理办法]精神,完成[REGULATION 区社会信用体系建设十四五规划]"
                        "后评估,征求各县(市)区和市直部门意见。", "REGULATION")
    assert pred == gold


def test_asking_for_opinions_is_no_title(untrained):
    pred, _ = tagged(untrained, "起草环节广泛征求基层立法联系点和行业协会意见。", "REGULATION")
    assert pred == set()


# --- INDICATOR ------------------------------------------------------------------------------

def test_numbers_keep_their_unit_and_the_bound_words_touching_them(untrained):
    marked = ("全年办理案件[INDICATOR 1.9万余件],[INDICATOR 90%以上]事项网上可办,"
              "新开办企业[INDICATOR 最快20分钟]办结,[INDICATOR 15个工作日内]报送,"
              "发现率增长[INDICATOR 19.72个百分点],[INDICATOR 近三分之一]的争议,"
              "实行[INDICATOR 7*24小时]值班,开展[INDICATOR 四次]培训。")
    pred, gold = tagged(untrained, marked, "INDICATOR")
    assert pred == gold


def test_verbs_before_a_number_stay_outside_it(untrained):
    pred, gold = tagged(untrained, "罚没款超过[INDICATOR 523.58万元],共计[INDICATOR 30多家]单位。",
                        "INDICATOR")
    assert pred == gold


def test_dates_ordinals_and_numbers_inside_names_are_not_indicators(untrained):
    text = "2022年6月5日,第三次会议研究「6+4」一体化监管和12345热线,推进「十四五」规划,位居第一。"
    assert [s for s in untrained.predict(text) if s[2] == "INDICATOR"] == []


def test_a_count_that_is_part_of_a_name_is_not_an_indicator(untrained):
    pred, _ = tagged(untrained, "严格落实三项制度。", "INDICATOR")
    assert pred == set()


def test_units_seen_in_training_are_learned():
    train = [example("年均浓度为[INDICATOR 39微克/立方米],下降[INDICATOR 9.3%]。")]
    sentence = "二氧化氮浓度为[INDICATOR 33微克/立方米]。"
    assert tagged(RuleTagger(), sentence, "INDICATOR")[0] == set()
    pred, gold = tagged(RuleTagger().fit(train), sentence, "INDICATOR")
    assert pred == gold


# --- ORG ------------------------------------------------------------------------------------

def test_an_organisation_seen_in_training_is_tagged_in_new_text():
    train = [example("主动服务[ORG 欧梯克]、[ORG 伟星管业]等重点企业。")]
    sentence = "组织[ORG 伟星管业]开展合规培训。"
    assert tagged(RuleTagger(), sentence, "ORG")[0] == set()
    pred, gold = tagged(RuleTagger().fit(train), sentence, "ORG")
    assert pred == gold


def test_place_anchored_names_with_an_organisation_suffix_are_orgs(untrained):
    # 朝阳区 opens clauses again and again, so the tagger reads it as a place name.
    marked = ("朝阳区坚持依法行政。[ORG 区司法局]会同[ORG 朝阳区市场监管局]检查,报[ORG 市政府]备案。"
              "朝阳区组织培训,朝阳区推动落实。")
    pred, gold = tagged(untrained, marked, "ORG")
    assert pred == gold


def test_central_bodies_are_orgs_without_a_place_to_anchor_on(untrained):
    pred, gold = tagged(untrained, "落实[ORG 中办]、[ORG 国办]印发的意见和[ORG 交通运输部]的部署,集中办理审批,"
                        "按照国办发〔2019〕1号文件。", "ORG")
    assert pred == gold


def test_short_forms_of_central_bodies_and_the_world_bank_are_orgs(untrained):
    pred, gold = tagged(untrained, "森林防火工作法获选[ORG 应急部]案例,推进[ORG 世行]新评价研究。", "ORG")
    assert pred == gold


def test_a_body_named_with_a_post_after_it_is_a_person_not_an_org(untrained):
    pred, _ = tagged(untrained, "三、市政府主要负责人履行推进法治建设第一责任人职责情况", "ORG")
    assert pred == set()


def test_a_department_name_with_he_inside_is_one_body_two_bodies_joined_by_he_are_two(
        untrained):
    pred, gold = tagged(untrained, "。[ORG 北京市自然资源和规划局]会同[ORG 区教委]和卫健委检查。", "ORG")
    assert pred == gold


def test_a_body_and_its_own_unit_written_together_are_one_name(untrained):
    pred, gold = tagged(untrained, "[ORG 北京市人民法院诉调对接中心]分流案件,[ORG 北京市公安局"
                        "执法办案管理中心]建成,[ORG 北京市人民法院]设立诉调对接中心。", "ORG")
    assert pred == gold


def test_a_development_zone_named_after_a_known_place_anchors_its_bodies():
    tagger = RuleTagger(national_places=True).fit([])
    pred, gold = tagged(tagger, "[ORG 苏州工业园区管委会]率先试行,[ORG 大理州人民政府]批准。", "ORG")
    assert pred == gold


def test_a_zone_anchors_its_own_bodies_as_a_level_does(untrained):
    # not after a word it may close (工业园区, 推进园区建设)
    pred, gold = tagged(untrained, "[ORG 园区纪工委]开展监督,[ORG 高新区公共法律服务中心]举办宣讲,推进园区建设,"
                        "工业园区管理办公室成立。", "ORG")
    assert pred == gold


def test_the_body_under_whose_leadership_a_unit_works_is_an_org(untrained):
    pred, gold = tagged(untrained, "在[ORG 区委]领导下,区委领导带头学法。", "ORG")
    assert pred == gold


def test_a_central_body_and_its_local_branch_written_together_are_one_name():
    tagger = RuleTagger(national_places=True).fit([])
    pred, gold = tagged(tagger, "[ORG 国家税务总局宁波市税务局]持续推进,[ORG 国家税务总局]部署。", "ORG")
    assert pred == gold


def test_bodies_that_are_parties_of_a_mechanism_stay_outside_it(untrained):
    pred, gold = tagged(untrained,
                        "建立[ORG 区水务局]与[ORG 区城管执法局][MEASURE 协同执法机制],厘清职责。")
    assert pred == gold


def test_bodies_written_together_are_separate_spans(untrained):
    pred, gold = tagged(untrained, "2020年,[ORG 区委]、[ORG 区政府]高度重视。", "ORG")
    assert pred == gold


def test_organisations_naming_a_meeting_or_a_post_are_not_tagged():
    train = [example("[ORG 区政府]审议通过,报[ORG 区委]同意。")]
    tagger = RuleTagger().fit(train)
    for sentence in ("召开区政府常务会议9次。", "区委书记、区长进行动员部署。", "区人大代表视察。"):
        assert [s for s in tagger.predict(sentence) if s[2] == "ORG"] == [], sentence


def test_a_level_that_closes_a_word_starts_no_organisation(untrained):
    pred, _ = tagged(untrained, "全市政府系统和各区政府加强社区居委会建设。", "ORG")
    assert pred == set()


# --- MEASURE --------------------------------------------------------------------------------

def test_a_quoted_name_with_its_head_noun_keeps_the_quotation_marks(untrained):
    pred, gold = tagged(untrained, "深化[MEASURE 「证照分离」改革],建成[MEASURE 「朝阳通」公共服务平台]。",
                        "MEASURE")
    assert pred == gold


def test_a_quoted_name_before_a_generic_de_moshi_is_only_the_quotation(untrained):
    pred, gold = tagged(untrained, "采取[MEASURE 「一街乡一对策」]的模式开展工作。", "MEASURE")
    assert pred == gold


def test_a_named_measure_after_a_governing_verb_leaves_the_verb_out(untrained):
    pred, gold = tagged(untrained, "深化[MEASURE 行政审批制度改革],精简事项。", "MEASURE")
    assert pred == gold


def test_two_measures_with_their_own_head_nouns_are_two_spans(untrained):
    pred, gold = tagged(untrained, "落实[MEASURE 市场准入负面清单]和[MEASURE 新增产业禁限目录制度]。",
                        "MEASURE")
    assert pred == gold


def test_a_quoted_working_method_put_into_practice_is_a_measure(untrained):
    pred, gold = tagged(untrained, "全面推行[MEASURE 「扫码入企」],巩固成果;防止「层层加码」。", "MEASURE")
    assert pred == gold


def test_the_field_written_before_a_practised_quotation_is_part_of_its_name(untrained):
    pred, gold = tagged(untrained, "全面推行[MEASURE 涉企行政检查「扫码入企」],深化[MEASURE 企业开办「一窗通办」]。",
                        "MEASURE")
    assert pred == gold


def test_the_items_a_quoted_pledge_covers_are_no_field(untrained):
    pred, gold = tagged(untrained, "推行政务服务事项[MEASURE 「跨省通办」]。", "MEASURE")
    assert pred == gold


def test_a_nationwide_measure_is_known_before_any_training(untrained):
    pred, gold = tagged(untrained, "推行[MEASURE 容缺受理]和[MEASURE 并联审批],以[MEASURE 「证照分离」改革]为契机。",
                        "MEASURE")
    assert pred == gold


def test_a_nationwide_measure_the_training_text_leaves_untagged_is_dropped():
    train = [example("开展法治督察。完成法治督察3次。法治督察发现问题。推行[MEASURE 容缺受理]。")]
    tagger = RuleTagger().fit(train)
    assert "法治督察" not in tagger.measures and "容缺受理" in tagger.measures
    assert tagger.predict("开展法治督察。") == []


def test_a_service_hotline_is_a_measure(untrained):
    pred, gold = tagged(untrained, "[MEASURE 12345政务服务便民热线]受理来电3万件,[MEASURE 全国12315平台]同步受理。",
                        "MEASURE")
    assert pred == gold


def test_a_list_or_platform_issued_published_or_used_is_a_measure(untrained):
    pred, gold = tagged(untrained, "出台[MEASURE 生态环境轻微违法行为不予行政处罚清单],公布调整后的[MEASURE 权责清单],"
                        "依托[MEASURE 冷链食品追溯管理平台]。", "MEASURE")
    assert pred == gold


def test_a_measure_name_does_not_end_inside_a_quotation():
    # with 代办 as a head noun the name would end at 项目审批「帮代办
    assert verb_led_measures("推行项目审批「帮代办」服务。", ["代办"]) == []


def test_a_quoted_name_takes_in_the_noun_phrase_after_it_that_training_ends_measures_with():
    train = [example("推行[MEASURE 「一窗」综合受理],实行[MEASURE 「一门」集中受理]。推行「好差评」。")]
    tagger = RuleTagger().fit(train)
    assert tagger.quote_heads == ["受理"]
    pred, gold = tagged(tagger, "推行[MEASURE 「一网」分类综合受理],办件3200余件。", "MEASURE")
    assert pred == gold


def test_a_quoted_name_keeps_no_tail_that_does_not_reach_the_clause_end_or_holds_a_count():
    train = [example("推行[MEASURE 「一窗」综合受理],实行[MEASURE 「一门」集中受理]。")]
    tagger = RuleTagger().fit(train)
    for text in ("推行「一网」受理提质增效。", "推行「一网」受理1200件。"):
        assert [text[s:e] for s, e, label in tagger.predict(text) if label == "MEASURE"] == ["「一网」"]


def test_head_nouns_written_together_after_a_quoted_name_all_belong_to_it(untrained):
    pred, gold = tagged(untrained, "擦亮[MEASURE 「法治社区」平台品牌],推进工作。", "MEASURE")
    assert pred == gold


def test_a_head_noun_inside_a_bodys_name_or_after_de_with_a_generic_head_names_no_measure(untrained):
    for text in ("推进市场监管所标准化建设。", "建立齐抓共管的工作机制。"):
        assert [s for s in untrained.predict(text) if s[2] == "MEASURE"] == []


def test_an_inline_heading_ends_the_name_before_it(untrained):
    pred, _ = tagged(untrained, "(二)全力打造一流营商环境一是加大简政放权力度。", "MEASURE")
    assert all("一是" not in "(二)全力打造一流营商环境一是加大简政放权力度。"[s:e] for s, e, _ in pred)


def test_a_measure_seen_in_training_is_tagged_wherever_it_recurs():
    train = [example("健全[MEASURE 接诉快办]诉求分类处理机制,推动[MEASURE 接诉快办]提质。")]
    pred, gold = tagged(RuleTagger().fit(train), "全市以[MEASURE 接诉快办]为抓手。", "MEASURE")
    assert pred == gold


def test_a_surface_mostly_untagged_in_training_is_not_learned():
    train = [example("推进[MEASURE 信用监管]。加强信用监管。信用监管覆盖全区。做好信用监管。")]
    assert "信用监管" not in RuleTagger().fit(train).gazetteer
    train = [example("推进[MEASURE 信用监管]。深化[MEASURE 信用监管]。信用监管覆盖全区。")]
    assert RuleTagger().fit(train).gazetteer["信用监管"] == "MEASURE"


# --- overlaps -------------------------------------------------------------------------------

def test_overlaps_resolve_to_the_longer_span_then_by_label_priority():
    cands = [(0, 8, "REGULATION", 1), (0, 3, "ORG", 0), (4, 6, "INDICATOR", 1),
             (10, 14, "INDICATOR", 1), (10, 14, "MEASURE", 1), (13, 16, "ORG", 1)]
    assert resolve(cands) == [(0, 8, "REGULATION"), (10, 14, "MEASURE")]


def test_a_span_learned_in_training_beats_a_pattern_of_the_same_extent():
    assert resolve([(0, 4, "REGULATION", 1), (0, 4, "MEASURE", 0)]) == [(0, 4, "MEASURE")]


def test_an_organisation_and_a_year_inside_a_title_give_way_to_the_title(untrained):
    pred, gold = tagged(untrained, "落实《[REGULATION 市政府2022年立法工作计划]》。")
    assert pred == gold


def test_predictions_never_overlap_on_a_real_report():
    from fazhi.data import load_examples

    examples = load_examples()
    tagger = RuleTagger().fit(examples[1:])
    spans = tagger.predict(examples[0].text)
    assert spans == sorted(spans)
    assert all(e1 <= s2 for (_, e1, _), (s2, _, _) in itertools.pairwise(spans))


# --- persistence and scoring ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["rules.json", "model_dir"])
def test_a_tagger_read_back_from_disk_tags_as_the_saved_one(tmp_path, name):
    train = [example("主动服务[ORG 欧梯克]。深化[MEASURE 接诉即办]改革,办理[INDICATOR 39微克/立方米]。"),
             example("推进[MEASURE 「一次办」],[MEASURE 「网上办」]事项[INDICATOR 81项]。")]
    tagger = RuleTagger(min_precision=0.4).fit(train)
    tagger.to_disk(tmp_path / name)
    loaded = RuleTagger().from_disk(tmp_path / name)
    text = "欧梯克推行「马上办」和接诉即办,浓度33微克/立方米。"
    assert loaded.predict(text) == tagger.predict(text)
    assert loaded.gazetteer == tagger.gazetteer and loaded.min_precision == 0.4


def test_the_knowledge_lists_are_written_once_in_simplified_script():
    # the rules read normalised (simplified) text, so a traditional title would never match
    from opencc import OpenCC

    from fazhi.bodies import CENTRAL_BODIES
    from fazhi.laws import CENTRAL_DOCUMENTS, NATIONAL_LAWS
    from fazhi.measures import NATIONAL_MEASURES

    to_simplified = OpenCC("t2s")
    for names in (NATIONAL_LAWS + CENTRAL_DOCUMENTS, CENTRAL_BODIES, NATIONAL_MEASURES):
        assert len(set(names)) == len(names)
        assert [n for n in names if to_simplified.convert(n) != n] == []

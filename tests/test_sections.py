"""The section tagger: candidates, heading ends, coverage, learning, the baseline, evaluation."""

import json

import numpy as np
import pytest

from fazhi.annotations.schema import DocAnnotation, Section
from fazhi.annotations.validate import validate
from fazhi.evaluation.sections import score_counts, summarise
from fazhi.sections import SectionTagger, heading_end, segment
from fazhi.sections.keywords import names_part
from fazhi.sections.loglinear import fit_loglinear
from fazhi.settings import Targets
from training.baselines.section_keywords import KeywordSectionTagger
from training.folds import section_folds
from training.reporting import write_section_reports
from training.sections import train_section_tagger

from conftest import ROOT


@pytest.fixture(scope="session")
def examples():
    from fazhi.data import load_examples

    return load_examples(ROOT / "corpus", ROOT / "annotations" / "gold.jsonl")


@pytest.fixture(scope="session")
def tagger(examples):
    return train_section_tagger(examples, {"iterations": 300})


def headings(text: str, sections: list[Section]) -> list[str]:
    return [text[s.heading[0]:s.heading[1]] for s in sections if s.heading]


def section_of(text: str, sections: list[Section], heading: str) -> Section:
    return next(s for s in sections if s.heading and text[s.heading[0]:s.heading[1]] == heading)


def assert_covers_once(text: str, sections: list[Section]) -> None:
    assert validate(DocAnnotation("doc", sections=sections), text) == []


# --- structure on constructed reports --------------------------------------------------------

def test_headings_run_together_on_one_line_open_a_section_each(tagger):
    text = ("2023年法治政府建设情况报告2023年,区政府坚持依法行政,各项工作取得新进展。"
            "一、党政主要负责人履行推进法治建设第一责任人职责情况\n区长切实履行第一责任人职责。\n"
            "二、推进法治政府建设的主要举措(一)依法全面履行政府职能一是深化机构改革。完成机构改革"
            "任务。二是优化营商环境。推进放管服改革,压减审批时限。")
    secs = tagger.predict(text)
    assert_covers_once(text, secs)
    found = headings(text, secs)
    for h in ("二、推进法治政府建设的主要举措", "(一)依法全面履行政府职能", "一是深化机构改革",
              "二是优化营商环境"):
        assert h in found
    assert section_of(text, secs, "一是深化机构改革").part == "ACHIEVEMENTS"
    assert section_of(text, secs, "(一)依法全面履行政府职能").topic == "FUNCTIONS"


def test_a_traditional_report_is_tagged_on_its_own_characters(tagger):
    text = ("2024年,本區深入學習貫徹習近平法治思想,法治政府建設取得新成效。\n"
            "一、2024年法治政府建設主要舉措和成效\n(一)政府職能依法全面履行\n"
            "一是完善行政權力運作機制。高質效完成機構改革,精簡證明事項。\n"
            "二、2024年法治政府建設存在的問題和不足\n(一)行政執法質效還需提升\n"
            "部分單位執法程式不嚴格,行政執法文書製作不規範。\n")
    secs = tagger.predict(text)
    assert_covers_once(text, secs)
    found = headings(text, secs)
    assert "一、2024年法治政府建設主要舉措和成效" in found
    assert "一是完善行政權力運作機制" in found
    assert section_of(text, secs, "(一)政府職能依法全面履行").part == "ACHIEVEMENTS"
    problems = section_of(text, secs, "(一)行政執法質效還需提升")
    assert (problems.part, problems.topic) == ("PROBLEMS", "ENFORCEMENT")
    assert secs[0].heading is None and secs[0].part == "PREAMBLE"


WHITE_PAPER = ("2021年某区法治政府建设白皮书\n2021年6月\n目 录\n前 言.......... 1\n"
               "一、总报告.......... 3\n(一)坚持党的领导.......... 3\n"
               "(二)依法全面履行政府职能.......... 4\n前 言\n"
               "2021年是十四五开局之年,全区坚持依法行政,法治政府建设迈出新步伐。\n"
               "一、总报告\n(一)坚持党的领导\n区委统筹推进法治政府建设,健全考核机制。\n"
               "(二)依法全面履行政府职能\n深化放管服改革,优化营商环境。\n"
               "结束语\n新的一年,我们将继续努力。")


def test_a_title_table_of_contents_and_foreword_get_sections_of_their_own(tagger):
    secs = tagger.predict(WHITE_PAPER)
    assert_covers_once(WHITE_PAPER, secs)
    assert (secs[0].part, secs[0].heading) == ("TITLE", None)
    toc = section_of(WHITE_PAPER, secs, "目 录")
    assert toc.part == "OTHER"
    assert "(二)依法全面履行政府职能.......... 4" in WHITE_PAPER[toc.start:toc.end]
    assert section_of(WHITE_PAPER, secs, "前 言").part == "PREAMBLE"
    assert section_of(WHITE_PAPER, secs, "结束语").part == "OTHER"
    assert section_of(WHITE_PAPER, secs, "(一)坚持党的领导").part == "ACHIEVEMENTS"
    assert headings(WHITE_PAPER, secs).count("一、总报告") == 1  # not its contents entry


def test_lookalikes_inside_running_text_are_not_headings(tagger):
    text = ("一、主要举措和成效\n(一)优化营商环境\n营商环境评价位居亚洲第二、全球第七。"
            "实现工作流程统一、工作标准统一。编写《执法指导手册(一)》等工具书。\n")
    assert headings(text, tagger.predict(text)) == ["一、主要举措和成效", "(一)优化营商环境"]


def test_a_letter_the_normaliser_drops_after_a_percentage_ends_the_sentence(tagger):
    text = ("一、主要举措和成效\n(一)优化营商环境\n一是加大简政放权力度。办理时限压缩至98.65%o"
            "二是着力加强公正监管。实施随机抽查。\n")
    assert "二是着力加强公正监管" in headings(text, tagger.predict(text))


def test_a_heading_ends_before_its_body_and_long_lead_sentences_at_their_first_comma():
    inline = "(一)加强统筹谋划和协调推动。将习近平法治思想作为必学内容。"
    assert inline[:heading_end(inline, 0, 3, 60)] == "(一)加强统筹谋划和协调推动"
    run_on = "二是继续加大对街乡的联合培训力度," + "重点加强常态化培训" * 8 + "。下一句。"
    assert run_on[:heading_end(run_on, 0, 2, 60)] == "二是继续加大对街乡的联合培训力度"
    item = "一是区域间法治政府建设水平不平衡,特别是基层政府依法行政能力亟待进一步提升。\n"
    assert item[:heading_end(item, 0, 2, 60)] == item[:-2]
    line = "1.进一步健全完善依法治区工作机制,积极推进依法治区各项工作落地落实\n2020年,区委…"
    assert line[:heading_end(line, 0, 2, 60)] == line.split("\n")[0]


def test_a_heading_that_names_a_part_is_recognised_in_any_script_and_year():
    assert names_part("2024年法治政府建设存在的问题和不足")
    assert names_part("未来展望") and names_part(" 主要举措和成效")
    assert not names_part("紧盯重点问题")


def test_enumerator_levels_nest_in_order_of_first_use():
    text = "一、甲\n(一)乙\n1.丙\n2.丁\n(二)戊\n二、己\n"
    nodes = segment(text, lambda c, f: "H" if c.kind != "LINE" else "O")
    names = [text[n.marker_end:n.heading[1]] for n in nodes]
    parents = [names[n.parent] if n.parent is not None else None for n in nodes]
    assert dict(zip(names, parents)) == {"甲": None, "乙": "甲", "丙": "乙", "丁": "乙",
                                         "戊": "甲", "己": None}


# --- the corpus, saving, training ------------------------------------------------------------

def test_every_character_of_every_corpus_report_is_covered_once(tagger, examples):
    for ex in examples:
        secs = tagger.predict_normalized(ex.norm)
        assert_covers_once(ex.norm.original, secs)
    web = next(ex for ex in examples if ex.doc_id.startswith("001"))
    first = tagger.predict_normalized(web.norm)[0]
    assert first.part == "OTHER" and "由会员分享" in web.norm.original[first.start:first.end]


def test_a_saved_tagger_predicts_the_same_after_loading(tagger, tmp_path):
    tagger.to_disk(tmp_path / "sections")
    loaded = SectionTagger(run_on_chars=tagger.run_on_chars).from_disk(tmp_path / "sections")
    assert loaded.predict(WHITE_PAPER) == tagger.predict(WHITE_PAPER)
    # weights in safetensors, feature names in JSON: nothing to unpickle
    assert {p.suffix for p in (tmp_path / "sections").iterdir()} == {".json", ".safetensors"}


def test_a_tiny_training_run_gives_a_working_tagger(examples):
    small = train_section_tagger(examples[:1], {"iterations": 20})
    held = examples[2]
    assert_covers_once(held.norm.original, small.predict_normalized(held.norm))


def test_a_tied_vote_learns_one_weight_for_every_label():
    rows = [["=>A|vote", "x"], ["=>B|vote", "x"], ["=>A|vote"], ["=>B|vote"]] * 3
    model = fit_loglinear(rows, ["A", "B", "A", "B"] * 3, ("A", "B", "C"), 0.1, 300, 0.1)
    assert model.tied_weights[model.tied["vote"]] > 1.0
    assert model.best(["=>C|vote", "x"]) == "C"  # never a training label, still voted for
    assert np.isfinite(model.scores(["unseen"])).all()


# --- the baseline and the evaluation ---------------------------------------------------------

def test_the_rules_baseline_heads_every_enumerator_and_reads_parts_from_keywords():
    from fazhi.normalize import normalize

    text = ("北京市2022年法治政府建设年度情况报告\n2022年,北京市坚持依法行政,取得积极成效。\n"
            "一、主要举措和成效\n(一)深化放管服改革。优化营商环境。\n"
            "二、存在问题与不足\n一是行政执法规范化水平有待提升。\n"
            "三、2023年工作安排\n(一)加强行政复议工作。化解矛盾纠纷。\n")
    secs = KeywordSectionTagger().predict_normalized(normalize(text))
    assert_covers_once(text, secs)
    labels = {text[s.heading[0]:s.heading[1]]: (s.part, s.topic) for s in secs if s.heading}
    assert labels == {"一、主要举措和成效": ("ACHIEVEMENTS", "NONE"),
                      "(一)深化放管服改革": ("ACHIEVEMENTS", "FUNCTIONS"),
                      "二、存在问题与不足": ("PROBLEMS", "NONE"),
                      "一是行政执法规范化水平有待提升": ("PROBLEMS", "ENFORCEMENT"),
                      "三、2023年工作安排": ("PLANS", "NONE"),
                      "(一)加强行政复议工作": ("PLANS", "DISPUTES")}
    assert [s.part for s in secs[:2]] == ["TITLE", "PREAMBLE"]


def test_scores_count_characters_and_exact_heading_spans():
    text = "x" * 100
    gold = [Section(0, 10, "TITLE", "NONE"), Section(10, 60, "ACHIEVEMENTS", "RULES", (10, 20)),
            Section(60, 100, "PLANS", "RULES", (60, 70))]
    pred = [Section(0, 10, "TITLE", "NONE"), Section(10, 60, "ACHIEVEMENTS", "RULES", (10, 20)),
            Section(60, 100, "ACHIEVEMENTS", "DISPUTES", (60, 65))]
    m = summarise(score_counts(text, gold, pred))
    assert m["part"]["accuracy"] == 0.6
    assert m["topic"]["per_label"]["RULES"]["r"] == round(50 / 90, 4)
    assert (m["heading"]["p"], m["heading_start"]["f1"], m["boundary"]["f1"]) == (0.5, 1.0, 1.0)


def test_held_out_folds_score_model_and_baseline_and_write_both_reports(examples, tmp_path):
    small = [ex for ex in examples if ex.doc_id[:3] in ("000", "002")]
    systems = {"model": lambda train: train_section_tagger(train, {"iterations": 50}),
               "rules": lambda train: KeywordSectionTagger()}
    results = section_folds(small, systems)
    assert set(results) == {"model", "rules"}
    for system in results.values():
        assert set(system["folds"]) == {ex.doc_id for ex in small}
        assert all(f["coverage_problems"] == 0 for f in system["folds"].values())
        assert 0.0 <= system["pooled"]["part"]["accuracy"] <= 1.0
    write_section_reports(results, Targets(sections={"part_accuracy": 0.95}), tmp_path,
                          seconds=1.0)
    assert "model" in json.loads((tmp_path / "sections.json").read_text())["systems"]
    assert "## Pooled" in (tmp_path / "sections.md").read_text()


# --- web-site chrome, heading ends, leadership topics (issue 16) -------------------------------

CHROME_PAGE = ("某市人民政府门户网站\n无障碍  简体  繁体\n首页 > 政务公开 > 法治政府建设\n"
               "2023年2月10日 星期五\n来源:市司法局    发布时间:2023-02-10 09:30    浏览次数:120\n"
               "字号:大 中 小\n某市2022年法治政府建设年度报告\n(2023年2月10日)\n"
               "2022年,市政府坚持依法行政,各项工作取得新进展。\n一、主要举措和成效\n"
               "(一)优化营商环境。推进放管服改革,压减审批时限。\n")


def test_site_chrome_above_a_report_is_other_and_its_title_is_title(tagger):
    text = CHROME_PAGE
    secs = tagger.predict(text)
    assert_covers_once(text, secs)
    title_at = text.index("某市2022年")

    def part_at(i):
        return next(s.part for s in secs if s.start <= i < s.end)

    for line in ("某市人民政府门户网站", "无障碍", "首页 >", "2023年2月10日 星期五", "来源:",
                 "字号"):
        assert part_at(text.index(line)) == "OTHER", line
    assert part_at(title_at) == "TITLE"
    assert part_at(text.index("(2023年2月10日)")) == "TITLE"  # the report's own dateline
    # chrome after the title line (source and date under the title) is OTHER too
    after = "某区2022年法治政府建设情况报告\n信息来源:区司法局  发布日期:2023-01-31\n" \
            "2022年,区政府坚持依法行政。\n一、主要成效\n(一)优化营商环境。推进改革。\n"
    secs = tagger.predict(after)
    src = after.index("信息来源")
    assert next(s.part for s in secs if s.start <= src < s.end) == "OTHER"
    assert next(s.part for s in secs if s.start <= 0 < s.end) == "TITLE"


def test_a_lead_sentence_that_runs_on_is_cut_at_its_first_clause(tagger):
    text = ("一、主要举措和成效\n(一)严格规范公正文明执法\n"
            "一是加强行政执法监督,全年开展案卷评查两次,发现并督促整改问题三十余个。"
            "同时组织执法人员培训。二是强化制度建设,确保工作有依据。区政府制定工作规则。\n")
    found = headings(text, tagger.predict(text))
    assert "一是加强行政执法监督" in found  # 35 characters to the 。, and the paragraph goes on
    assert "二是强化制度建设,确保工作有依据" in found  # a short lead sentence stays whole


def test_leadership_mechanisms_are_leadership_org(tagger):
    text = ("2022年法治政府建设情况报告\n2022年,区政府坚持依法行政。\n一、主要举措和成效\n"
            "(一)坚持高位推动。区委、区政府主要负责同志四次专题研究法治政府建设。\n"
            "(二)深化法治政府示范创建。对照指标体系逐项整改,补齐短板。\n"
            "(三)加强法治建设督察考核。将法治建设纳入绩效考核,权重提高至5%。\n"
            "(四)优化营商环境。推进放管服改革,压减审批时限。\n")
    secs = tagger.predict(text)
    for h in ("(一)坚持高位推动", "(二)深化法治政府示范创建", "(三)加强法治建设督察考核"):
        assert section_of(text, secs, h).topic == "LEADERSHIP_ORG", h
    assert section_of(text, secs, "(四)优化营商环境").topic == "FUNCTIONS"


def test_passages_are_held_out_by_province_in_groups_of_about_equal_size():
    from types import SimpleNamespace

    from training.folds import province_groups

    province = {f"p{i}": prov for i, prov in enumerate(
        ["江苏省"] * 6 + ["浙江省"] * 5 + ["广东省"] * 4 + ["四川省"] * 3 + ["甘肃省"] * 2
        + ["青海省"])}
    passages = [SimpleNamespace(doc_id=d) for d in province]
    groups = province_groups(passages, province, 3)
    assert sorted(p for g in groups for p in g) == sorted(set(province.values()))
    sizes = [sum(1 for d in province if province[d] in g) for g in groups]
    assert max(sizes) - min(sizes) <= 1  # 21 passages: 7 each

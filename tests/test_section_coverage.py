"""Every character of a report belongs to exactly one section, in what `fazhi tag` writes.

The tagger's sections tile the text; spaCy spans are whole tokens, and a space after a token is
that token's trailing whitespace, so the record takes each section's extent, not its span."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fazhi.tag import ReportFile, record

# Pieces reports are made of: headings of every kind, inline and on their own lines, paragraphs,
# web-site chrome, blank lines, indentation, spaces before and after headings, CRLF and CR.
PIECES = [
    "某市2023年法治政府建设年度情况报告", "（2024年1月15日）", "某市人民政府门户网站",
    "首页 > 政务公开", "来源:市司法局  发布时间:2024-01-15", "字号:大 中 小", "无障碍 简体 繁体",
    "一、主要举措和成效", "二、存在的问题和不足", "三、2024年工作安排", "(一)优化营商环境",
    "(二)严格规范执法。", "1.深化改革", "(1)完善制度", "一是强化组织领导。", "二是加强考核,",
    "——坚持高位推动。", "第一,开展示范创建。", "全年办理行政复议案件319件。",
    "区政府坚持依法行政,推进放管服改革。", "目 录", "前 言", "结束语", "2023年案件占比",
    "扫一扫分享本页", "【打印本页】【关闭窗口】",
]
SEPARATORS = ["", "\n", "\n\n", " ", "  ", " \n", "\n  ", "\r\n", "\r", "\t", "　"]


def assert_tiles(rec: dict, text: str) -> None:
    ends = [0] + [s["end"] for s in rec["sections"]]
    starts = [s["start"] for s in rec["sections"]] + [len(text)]
    assert all(s["start"] < s["end"] for s in rec["sections"])
    assert ends == starts, "sections leave a gap or overlap"
    for e in rec["entities"]:
        assert e["section"] is not None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS)),
                min_size=1, max_size=12),
       st.sampled_from(SEPARATORS))
def test_sections_tile_constructed_reports(nlp, pieces, lead):
    text = lead + "".join(p + sep for p, sep in pieces)
    with nlp.select_pipes(disable=["ner", "values"]):  # the sections need no entities
        assert_tiles(record(nlp(text), ReportFile(Path("r.txt"), text, "utf-8")), text)


def test_sections_tile_the_corpus_reports(nlp, corpus_texts):
    for doc_id, text in corpus_texts.items():
        doc = nlp(text)
        assert_tiles(record(doc, ReportFile(Path(f"{doc_id}.txt"), text, "utf-8")), text)
        # the spans themselves leave out whitespace only
        covered = {i for s in doc.spans["sections"] for i in range(s.start_char, s.end_char)}
        assert all(text[i].isspace() for i in range(len(text)) if i not in covered)

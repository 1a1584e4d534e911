"""The normaliser gives the models clean simplified text and maps every span back exactly."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fazhi.normalize import Normalized, _apply, normalize, to_simplified

from conftest import ENCODER


def test_traditional_becomes_simplified_with_one_to_one_offsets():
    n = normalize("延慶區深入學習貫徹黨的二十大精神,推進依法行政。")
    assert n.text == "延庆区深入学习贯彻党的二十大精神,推进依法行政。"
    i = n.text.index("依法行政")
    assert n.original[slice(*n.to_original(i, i + 4))] == "依法行政"


def test_simplified_text_is_left_alone():
    text = "北京市2022年法治政府建设年度情况报告\n精简行政许可事项140项。"
    assert normalize(text).text == text


def test_a_conversion_that_changes_length_is_aligned_not_assumed():
    # OpenCC converts phrases; feed a converter that turns one character into two.
    text = "甲乙丙\n丁戊"
    edits = to_simplified(text, convert=lambda line: line.replace("乙", "XY"))
    start = Normalized(text, text, list(range(len(text))), list(range(1, len(text) + 1)))
    n = _apply(start, edits)
    assert n.text == "甲XY丙\n丁戊"
    assert n.to_original(1, 3) == (1, 2)          # both new characters come from 乙
    assert n.to_original(3, 4) == (2, 3)          # 丙 is still where it was
    assert n.to_normalized(1, 2) == (1, 3)


def test_full_width_ascii_and_digits_become_half_width():
    n = normalize("（一）完成ＡＢＣ项目１２３件，占９８％")
    assert n.text == "(一)完成ABC项目123件,占98%"
    assert len(n.text) == len(n.original)


def test_characters_the_encoder_cannot_read_get_covered_equivalents():
    n = normalize("深化“证照分离”改革——全面推行…")
    assert n.text == "深化「证照分离」改革--全面推行..."
    # `…` became three characters; all three map back to the one original character.
    k = n.text.index("...")
    assert n.to_original(k, k + 3) == (len(n.original) - 1, len(n.original))


@pytest.mark.skipif(not ENCODER.exists(), reason="needs ../shared/models")
def test_normalised_corpus_has_no_unknown_tokens(corpus_texts):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(ENCODER))
    for doc_id, text in corpus_texts.items():
        before = tok(text, add_special_tokens=False)["input_ids"]
        after = tok(normalize(text).text, add_special_tokens=False)["input_ids"]
        assert before.count(tok.unk_token_id) > 0, doc_id
        assert after.count(tok.unk_token_id) == 0, doc_id


# --- conversion artefacts, on constructed cases rather than the one file that has them -----

BANNER = "《年度报告.docx》由会员分享,可在线阅读,更多相关《年度报告.docx(9页)》请在某某文库上搜索。\n"


def test_site_banner_and_share_links_are_removed():
    n = normalize(BANNER + "正文第一句。\n扫一扫分享本页")
    assert n.text == "正文第一句。"
    reasons = {r for _, _, r in n.removed}
    assert reasons == {"boilerplate"}


def test_page_markers_glued_into_words_are_removed():
    body = ("1、区政府全面落实责任落\n2、实。推进行政编制43\n3、名调整,召开会议9次,研究议题\n"
            "4、106项。")
    n = normalize(body)
    assert n.text == "区政府全面落实责任落实。推进行政编制43名调整,召开会议9次,研究议题106项。"
    k = n.text.index("43名")
    s, e = n.to_original(k, k + 3)
    assert n.original[s:e] == "43\n3、名"


def test_real_numbered_lists_are_not_page_markers():
    text = "主要措施如下:\n1、完善制度。\n2、加强监督。\n3、严格执法。"
    assert normalize(text).text == text


def test_ocr_slips_are_repaired():
    n = normalize("审核率达到98.65%o二是加强监督,覆盖率100%O。\n(一)甲。(二)乙。(S)丙。"
                  "二。三五年远景目标")
    assert "98.65%二是" in n.text and "100%。" in n.text
    assert "(三)丙" in n.text
    assert "二〇三五年" in n.text


def test_arabic_sub_enumerators_after_chinese_ones_are_not_ocr_slips():
    text = "(一)甲。\n(二)乙。\n1.背景\n(1)简化登记。\n(2)创造模式。"
    assert normalize(text).text == text


def test_percent_followed_by_a_word_is_not_touched():
    assert normalize("占比10%Open数据").text == "占比10%Open数据"


# --- the alignment property ---------------------------------------------------------------

FRAGMENTS = [
    "延慶區", "深入學習貫徹", "“證照分離”改革", "精简行政许可事项140项", "（二）", "ＡＢＣ１２３",
    "——", "…", "98.65%o", "\n", "。", "区司法局", "《北京市优化营商环境条例》", "二。三五年",
    "\u3000", "责任落\n2、实", "扫一扫分享本页", "法治政府", "(S)", "13992件",
]


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=30),
       seed=st.integers(0, 10**6))
def test_spans_map_back_and_forth_to_the_same_characters(parts, seed):
    n = normalize("".join(parts))
    assert len(n.starts) == len(n.ends) == len(n.text)
    rng = random.Random(seed)
    for _ in range(20):
        if not n.text:
            break
        a = rng.randrange(len(n.text))
        b = rng.randrange(a, len(n.text)) + 1
        o_start, o_end = n.to_original(a, b)
        assert 0 <= o_start < o_end <= len(n.original)
        back = n.to_normalized(o_start, o_end)
        # Back lands on a span that covers the original one and maps to the same characters.
        assert back[0] <= a and back[1] >= b
        assert n.to_original(*back) == (o_start, o_end)
        # Where every character was kept one-to-one, the round trip is exact.
        if all(n.ends[i] - n.starts[i] == 1 for i in range(a, b)) and \
                len({n.starts[i] for i in range(back[0], back[1])}) == back[1] - back[0]:
            assert back == (a, b)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.sampled_from([*FRAGMENTS, "\r", "\u2060", "\r\n"]), min_size=1,
                      max_size=30),
       seed=st.integers(0, 10**6))
def test_original_to_normalised_by_bisection_is_the_walk_it_replaces(parts, seed):
    """Origins run in reading order, so to_normalized bisects; the general walk over the
    span (kept for any order) gives the same answer."""
    n = normalize("".join(parts))
    assert n._monotonic
    walk = Normalized(n.original, n.text, n.starts, n.ends)
    walk._cached_monotonic = False
    rng = random.Random(seed)
    for _ in range(30):
        a = rng.randrange(len(n.original) + 1)
        b = rng.randrange(a, len(n.original) + 1)
        assert n.to_normalized(a, b) == walk.to_normalized(a, b)


def test_whole_corpus_maps_back_exactly(corpus_texts):
    for doc_id, text in corpus_texts.items():
        n = normalize(text)
        rng = random.Random(doc_id)
        for _ in range(500):
            a = rng.randrange(len(n.text))
            b = min(len(n.text), a + rng.randrange(1, 40))
            s, e = n.to_original(a, b)
            back = n.to_normalized(s, e)
            assert back[0] <= a and back[1] >= b and n.to_original(*back) == (s, e)


def test_unknown_settings_are_refused():
    from fazhi.normalize import NormalizerConfig

    with pytest.raises(ValueError, match="unknown"):
        NormalizerConfig.from_dict({"fold_widht": False})


def test_cr_only_line_ends_become_line_feeds_one_to_one():
    lf = "一、主要举措\n(一)依法行政\n办理案件319件。"
    n = normalize(lf.replace("\n", "\r"))
    assert n.text == lf and n.to_original(0, len(lf)) == (0, len(lf))
    assert normalize(lf.replace("\n", "\r\n")).text == lf.replace("\n", "\r\n")  # CRLF as it was


def test_a_cr_only_report_is_tagged_as_its_lf_version(nlp, short_report):
    from pathlib import Path

    from fazhi.tag import ReportFile, record

    lf, cr = (short_report.replace("\n", nl) for nl in ("\n", "\r"))
    a, b = (record(nlp(t), ReportFile(Path("r.txt"), t, "utf-8")) for t in (lf, cr))
    # Every offset and every field the same; the record's `text` is each file's own.
    assert (a.pop("text"), b.pop("text")) == (lf, cr)
    assert a == b and len(a["sections"]) > 2


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_characters_including_the_word_joiner_are_removed(char):
    n = normalize(f"办理行政{char}复议案件319件")
    assert n.text == "办理行政复议案件319件"
    assert n.removed == [(4, 5, "zero-width")]
    k = n.text.index("复议")
    assert n.original[slice(*n.to_original(k, k + 2))] == "复议"
    # also when the configured equivalents are empty (the surface forms of entities)
    from fazhi.normalize import NormalizerConfig

    assert normalize(f"行政{char}复议", NormalizerConfig(equivalents={})).text == "行政复议"

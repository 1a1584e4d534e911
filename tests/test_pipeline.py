"""The spaCy pipeline: a report in any script in, a Doc over the original text out, with
sections, entities, their values, sections and sentences; saved and loaded with spaCy's own
to_disk / spacy.load."""

import subprocess
import sys

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from fazhi.labels import ENTITY_LABELS, PARTS, TOPICS
from fazhi.pipeline import assemble
from fazhi.pipeline.tokens import split_at

from conftest import ROOT, SHIPPED_MODEL, subprocess_env


def test_the_shipped_model_is_a_spacy_pipeline_with_every_component(nlp):
    assert nlp.pipe_names == ["normalizer", "sections", "ner", "values", "document",
                              "sentences"]
    # the ranker and the encoder head; "learned" is the ranker alone, "heuristic" the baseline
    assert nlp.get_pipe("values").subjects == "encoder"
    assert nlp.lang == "zh"
    assert nlp.config["nlp"]["tokenizer"]["segmenter"] == "char"


def test_doc_keeps_the_original_traditional_text_and_offsets_point_into_it(nlp, short_report):
    doc = nlp(short_report)
    assert doc.text == short_report
    assert doc._.normalized.text.startswith("2024年,延庆区")  # the models read simplified
    assert len(doc.ents) >= 8
    for ent in doc.ents:
        assert short_report[ent.start_char:ent.end_char] == ent.text
        assert ent.label_ in ENTITY_LABELS
    by_text = {e.text: e for e in doc.ents}
    assert by_text["24個"].label_ == "INDICATOR"


def test_sections_cover_the_report_with_part_topic_and_heading(nlp, short_report):
    doc = nlp(short_report)
    sections = list(doc.spans["sections"])
    assert [s.label_ for s in sections[:3]] == ["PREAMBLE", "ACHIEVEMENTS", "ACHIEVEMENTS"]
    for s in sections:
        assert s.label_ in PARTS and s._.topic in TOPICS
    top, sub = sections[1], sections[2]
    assert short_report[slice(*top._.heading)] == "一、2024年法治政府建設主要舉措和成效"
    assert short_report[slice(*sub._.heading)] == "(一)政府職能依法全面履行"
    assert sub._.topic == "FUNCTIONS"


def test_each_entity_knows_its_section_and_sentence(nlp, short_report):
    doc = nlp(short_report)
    for ent in doc.ents:
        assert ent._.section is not None
        assert ent._.section.start_char <= ent.start_char < ent._.section.end_char
        assert ent.sent.start_char <= ent.start_char and ent.end_char <= ent.sent.end_char
    ent = next(e for e in doc.ents if e.text == "24個")
    assert ent.sent.text == "高質效完成24個涉改部門機構改革,精簡優化社區(村)組織工作事務、機制牌子和證明事項。"
    assert short_report[slice(*ent._.section._.heading)].startswith("一是完善行政權力運作機制")


def test_headings_are_sentences_of_their_own(nlp):
    doc = nlp("一、主要举措\n全面推进依法行政。他说:「建立制度。」然后完成3项任务")
    assert [s.text.strip() for s in doc.sents] == [
        "一、主要举措", "全面推进依法行政。", "他说:「建立制度。」", "然后完成3项任务"]


def test_entities_carry_normalised_values(nlp, short_report):
    doc = nlp(short_report)
    ind = next(e for e in doc.ents if e.text == "24個")
    assert ind._.normalized == "24个"
    assert ind._.value["value"] == 24 and ind._.value["unit"] == "个"
    subject = ind._.value["subject"]
    assert short_report[subject["start"]:subject["end"]] == subject["text"]  # as written
    assert subject["text"].startswith("涉改部門")
    assert subject["normalized"].startswith("涉改部门")  # simplified
    doc = nlp("全面贯彻《中华人民共和国行政复议法》,修订《北京市法治政府建设实施方案(2021-2025年)》。")
    values = {e.text: e._.value for e in doc.ents if e.label_ == "REGULATION"}
    assert values["中华人民共和国行政复议法"]["kind"] == "法"  # 《》 stay outside the span
    plan = values["北京市法治政府建设实施方案(2021-2025年)"]
    assert plan["kind"] == "方案" and plan["period"] == "2021-2025年"


def test_tokens_are_split_at_given_offsets_and_text_is_unchanged():
    nlp = spacy.blank("zh")
    doc = nlp.make_doc("ab")
    words = ["办理", "案件", "319件", "。"]
    doc = spacy.tokens.Doc(nlp.vocab, words=words, spaces=[False] * 4)
    split_at(doc, [4, 7, 8, 0, 9])  # 319 | 件 ; 0 and 9 are already edges
    assert [t.text for t in doc] == ["办理", "案件", "319", "件", "。"]
    assert doc.text == "办理案件319件。"


def test_a_saved_pipeline_loads_in_a_fresh_process(tmp_path, nlp):
    nlp.to_disk(tmp_path / "pipe")
    code = (
        "import spacy, json\n"
        f"nlp = spacy.load({str(tmp_path / 'pipe')!r})\n"
        "doc = nlp('市司法局办理行政复议案件319件。')\n"
        "print(json.dumps([(e.text, e.label_) for e in doc.ents], ensure_ascii=False))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, check=True, env=subprocess_env()).stdout
    assert '["319件", "INDICATOR"]' in out


@pytest.fixture(scope="module")
def pkuseg_model(tmp_path_factory):
    """A tiny pkuseg model trained here: spacy-pkuseg's own models download at run time."""
    import spacy_pkuseg

    d = tmp_path_factory.mktemp("pkuseg")
    lines = ["市 司法局 办理 行政 复议 案件 319件", "全面 推进 依法 行政", "延庆区 政府 完成 24个 部门 改革",
             "建立 接诉即办 制度"] * 3  # pkuseg's trainer needs at least ten sentences
    (d / "train.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    spacy_pkuseg.train(str(d / "train.txt"), str(d / "train.txt"), str(d / "model"),
                       train_iter=2)
    return d / "model"


def test_pkuseg_segmentation_keeps_every_entity_of_character_segmentation(
        nlp, pkuseg_model, short_report, tmp_path):
    seg = assemble(SHIPPED_MODEL / "ner", SHIPPED_MODEL / "sections", segmenter="pkuseg",
                   pkuseg_model=pkuseg_model)
    words = seg.make_doc(short_report)
    assert any(len(t) > 1 for t in words)  # real word segmentation
    chars, doc = nlp(short_report), seg(short_report)
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == \
        [(e.start_char, e.end_char, e.label_) for e in chars.ents]
    # and the pkuseg model travels with the saved pipeline
    seg.to_disk(tmp_path / "pipe")
    again = spacy.load(tmp_path / "pipe")(short_report)
    assert [t.text for t in again] == [t.text for t in doc]


def test_fazhi_loads_a_safe_pkuseg_model_given_or_saved(nlp, pkuseg_model, short_report,
                                                        tmp_path):
    """msgpack and npz only: a pkuseg model without pickles is read, from --pkuseg-model or
    from a saved pipeline whose segmenter is pkuseg."""
    from fazhi.pipeline import load

    given = load(SHIPPED_MODEL, pkuseg_model=pkuseg_model)
    assert any(len(t) > 1 for t in given.make_doc(short_report))
    given.to_disk(tmp_path / "pipe")
    assert (tmp_path / "pipe" / "tokenizer" / "pkuseg_model").is_dir()
    saved = load(tmp_path / "pipe")
    assert [t.text for t in saved.make_doc(short_report)] == \
        [t.text for t in given.make_doc(short_report)]


def test_a_folder_that_is_not_a_pipeline_is_refused_clearly(tmp_path):
    from fazhi.pipeline import load

    with pytest.raises(FileNotFoundError, match="not a saved fazhi pipeline"):
        load(tmp_path)


def test_the_pipeline_is_rebuilt_from_the_model_parts_with_the_configs_settings(tmp_path):
    """training.package: [pipeline], [normalize] and the section decoder's [sections] settings
    become the saved config.cfg, the model's only description."""
    import shutil
    from dataclasses import replace

    from fazhi.settings import load_settings
    from training.package import package

    for part in ("ner", "sections", "values"):  # values: the subject ranker and its head
        shutil.copytree(SHIPPED_MODEL / part, tmp_path / part)
    settings = load_settings(ROOT / "configs" / "default.toml")
    settings = replace(settings, pipeline=replace(settings.pipeline, window=100, stride=90))
    package(tmp_path, settings)
    nlp = spacy.load(tmp_path)
    assert (nlp.get_pipe("ner").tagger.window, nlp.get_pipe("ner").tagger.stride) == (100, 90)
    assert nlp.config["components"]["sections"]["run_on_chars"] == \
        settings.table("sections")["run_on_chars"]
    assert dict(map(tuple, nlp.config["components"]["normalizer"]["equivalents"])) == \
        settings.normalize.equivalents


def test_fazhi_eval_scores_the_saved_pipeline_as_fazhi_tag_runs_it(tmp_path, short_report, gold,
                                                                   capsys):
    import json

    from fazhi.cli import main

    doc = next(d for d in gold if d.doc_id.startswith("002"))
    report = tmp_path / "yanqing.txt"
    report.write_text(short_report, encoding="utf-8")
    record = doc.to_json()
    record["entities"] = [e for e in record["entities"] if e["end"] <= len(short_report)]
    record["sections"] = []  # entities only: the gold's sections run past the excerpt
    (tmp_path / "gold.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    assert main(["eval", "--model", str(SHIPPED_MODEL), "--text", str(report),
                 "--gold", str(tmp_path / "gold.jsonl")]) == 0
    micro = next(line for line in capsys.readouterr().out.splitlines()
                 if line.startswith("micro"))
    # the shipped model was trained on this report: a high score, but a real one
    assert float(micro.split()[3]) > 0.5


def test_nlp_evaluate_scores_entities_and_sections_through_the_components(nlp, corpus_texts,
                                                                           gold):
    """`score()` of the ner and sections components: what `fazhi eval` reports."""
    from fazhi.evaluation.pipeline import evaluate_reports

    doc = next(d for d in gold if d.doc_id.startswith("000"))
    scores, (example,) = evaluate_reports(nlp, [corpus_texts[doc.doc_id]], [doc])
    assert 0.5 < scores["ents_f"] <= 1.0
    assert set(scores["ents_per_type"]) <= {"MEASURE", "INDICATOR", "ORG", "REGULATION"}
    assert 0.5 < scores["sections_part_acc"] <= 1.0
    assert example.predicted.ents  # the pipeline's own output, kept for error lists


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("法治政府 \n\r\t　319件。“”")), max_size=40),
       cuts=st.lists(st.integers(0, 40), max_size=6))
def test_the_linear_word_alignment_is_spacys(text, cuts):
    """fazhi's tokenizer aligns words to the text in one pass (spaCy's copies the rest of
    the text for every word: 36 s for a 1M-character report); the tokens are the same."""
    from spacy.util import get_words_and_spaces

    from fazhi.pipeline.tokens import words_and_spaces

    def outcome(align, words):
        # Words that cannot be aligned (a word starting with a space: '11', ' 1') are an
        # error in spaCy's function; the linear one must refuse them with the same message.
        try:
            return align(words, text)
        except ValueError as err:
            return f"ValueError: {err}"

    words = [text[a:b] for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(text)])
             if text[a:b]]
    assert outcome(words_and_spaces, words) == outcome(get_words_and_spaces, words)
    assert outcome(words_and_spaces, list(text)) == outcome(get_words_and_spaces, list(text))


def test_the_loaded_pipeline_has_the_linear_tokenizer(nlp, short_report):
    from fazhi.pipeline.tokens import LinearChineseTokenizer

    assert type(nlp.tokenizer) is LinearChineseTokenizer
    spacy_own = spacy.blank("zh")
    assert [(t.text, t.whitespace_) for t in nlp.make_doc(short_report)] == \
        [(t.text, t.whitespace_) for t in spacy_own.make_doc(short_report)]


def test_every_text_field_is_the_original_at_its_offsets_and_normalized_is_simplified(nlp):
    """A traditional-script report: entities, subjects, headings and the document's unit
    and year keep the script they are written in; `normalized` carries the simplified form."""
    from pathlib import Path

    from fazhi.tag import ReportFile, record

    text = "青島市2024年法治政府建設情況報告\n一、主要舉措\n全年辦理行政複議案件319件。\n"
    rec = record(nlp(text), ReportFile(Path("q.txt"), text, "utf-8"))
    texts = []
    for e in rec["entities"]:
        texts.append((e, e["normalized"]))
        subject = (e["value"] or {}).get("subject")
        if subject:
            texts.append((subject, subject["normalized"]))
    for s in rec["sections"]:
        if s["heading"]:
            texts.append((s["heading"], s["heading"]["normalized"]))
    doc = rec["document"]
    texts += [(doc["unit"], doc["unit"]["normalized"]), (doc["year"], doc["year"]["normalized"])]
    for item, simplified in texts:
        assert text[item["start"]:item["end"]] == item["text"]
        assert simplified == _simplified(item["text"])
    ind = next(e for e in rec["entities"] if e["text"] == "319件")
    assert ind["value"]["subject"]["text"] == "行政複議案件"
    assert ind["value"]["subject"]["normalized"] == "行政复议案件"
    assert doc["unit"]["text"] == "青島市" and doc["unit"]["name"] == "青岛市人民政府"
    assert doc["unit"]["level"] == "prefecture_city" and doc["unit"]["province"] == "山东省"
    assert doc["year"]["value"] == 2024


def _simplified(text):
    from fazhi.pipeline.values import surface

    return surface(text)


def test_words_that_cannot_be_aligned_are_refused_as_spacy_refuses_them():
    from spacy.util import get_words_and_spaces

    from fazhi.pipeline.tokens import words_and_spaces

    for align in (words_and_spaces, get_words_and_spaces):
        with pytest.raises(ValueError, match="E194"):
            align(["11", " 1"], "11 1")


def test_a_model_folder_without_subject_models_is_packaged_with_a_finder_it_can_serve(
        tmp_path, caplog):
    """A run with --no-values into a new folder: the saved pipeline still loads, with the
    heuristic finder, and the warning names the folder."""
    import shutil

    from fazhi.settings import load_settings
    from training.package import package

    shutil.copytree(SHIPPED_MODEL / "ner", tmp_path / "ner")
    package(tmp_path, load_settings(ROOT / "configs" / "default.toml"))
    assert "no saved encoder finder" in caplog.text and str(tmp_path / "values") in caplog.text
    assert spacy.load(tmp_path).get_pipe("values").subjects == "heuristic"

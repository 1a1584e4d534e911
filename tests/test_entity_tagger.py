"""The transformer entity tagger: word pieces ↔ characters, windows, and a tiny training run."""

import numpy as np
import pytest

from fazhi.data import GoldReport, bio_spans, char_bio
from fazhi.entity_tagger import EntityTagger, decode, merge_windows, piece_labels, windows
from fazhi.normalize import normalize

from conftest import ENCODER

TEXT = "区司法局办理行政复议案件13992件,深化「证照分离」改革,落实行政处罚法,占98.65%。"


def spans_of(text, *surfaces_labels):
    return [(text.index(s), text.index(s) + len(s), lab) for s, lab in surfaces_labels]


GOLD = spans_of(TEXT, ("区司法局", "ORG"), ("13992件", "INDICATOR"),
                ("「证照分离」改革", "MEASURE"), ("行政处罚法", "REGULATION"),
                ("98.65%", "INDICATOR"))


def test_iob2_round_trip_on_characters():
    assert bio_spans(char_bio(len(TEXT), GOLD)) == GOLD


def test_a_stray_inside_tag_starts_an_entity_rather_than_vanishing():
    assert bio_spans(["O", "I-ORG", "I-ORG", "B-MEASURE", "I-ORG"]) == [
        (1, 3, "ORG"), (3, 4, "MEASURE"), (4, 5, "ORG")]


def test_windows_cover_every_piece_and_end_flush():
    assert windows(5, 10, 4) == [(0, 5)]
    ws = windows(23, 10, 6)
    assert ws[0] == (0, 10) and ws[-1] == (13, 23)
    covered = set().union(*(range(s, e) for s, e in ws))
    assert covered == set(range(23))
    assert all(e - s == 10 for s, e in ws)


def test_each_piece_takes_the_window_where_it_is_most_central():
    a = np.tile([1.0, 0.0], (6, 1))   # window over pieces 0-5 votes label 0
    b = np.tile([0.0, 1.0], (6, 1))   # window over pieces 4-9 votes label 1
    merged = merge_windows([(0, a), (4, b)], 10)
    # Piece 4 is 1 from a's edge and 0 from b's: a wins. Piece 5 is a's last: b wins.
    assert merged.argmax(1).tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]


def test_viterbi_keeps_one_label_across_a_name_where_argmax_would_fragment_it():
    from fazhi.entity_tagger import BIO_LABELS, viterbi

    def row(**probs):
        r = np.full(len(BIO_LABELS), 0.01)
        for lab, p in probs.items():
            r[BIO_LABELS.index(lab.replace("_", "-"))] = p
        return np.log(r)

    scores = np.stack([row(O=0.9), row(B_REGULATION=0.5, B_MEASURE=0.4),
                       row(I_MEASURE=0.5, I_REGULATION=0.45), row(I_REGULATION=0.6),
                       row(O=0.9)])
    assert [BIO_LABELS[i] for i in scores.argmax(1)] == [
        "O", "B-REGULATION", "I-MEASURE", "I-REGULATION", "O"]
    assert viterbi(scores) == ["O", "B-REGULATION", "I-REGULATION", "I-REGULATION", "O"]
    # An I- tag never opens the sequence.
    assert viterbi(np.stack([row(I_ORG=0.9), row(I_ORG=0.9)]))[0] != "I-ORG"


def test_viterbi_finds_the_best_valid_path_by_exhaustive_search():
    from itertools import product

    from fazhi.entity_tagger import BIO_LABELS, viterbi

    def valid(path):
        return all(not b.startswith("I-") or a in (f"B-{b[2:]}", b)
                   for a, b in zip(("O", *path), path))

    rng = np.random.default_rng(0)
    for _ in range(20):
        scores = rng.normal(size=(4, len(BIO_LABELS))) * 3
        logp = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
        best = max((p for p in product(BIO_LABELS, repeat=4) if valid(p)),
                   key=lambda p: sum(logp[t, BIO_LABELS.index(lab)] for t, lab in enumerate(p)))
        assert viterbi(scores) == list(best)


def test_grouped_digits_decode_to_whole_character_spans():
    # 13992件 is three pieces: 139 ##92 件
    offsets = [(0, 2), (2, 5), (5, 7), (7, 8)]
    tags = ["O", "B-INDICATOR", "I-INDICATOR", "I-INDICATOR"]
    assert decode(tags, offsets) == [(2, 8, "INDICATOR")]


@pytest.fixture(scope="module")
def encoder_tokenizer():
    if not ENCODER.exists():
        pytest.skip("needs ../shared/models")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(ENCODER))


def test_labels_align_on_grouped_digits_and_quotes(encoder_tokenizer):
    from fazhi.entity_tagger import encode

    enc = encode(TEXT, encoder_tokenizer)
    labels = piece_labels(enc.offsets, char_bio(len(TEXT), GOLD))
    pieces = [TEXT[a:b] for a, b in enc.offsets]
    by_piece = dict(zip(pieces, labels))
    assert pieces[pieces.index("139"):pieces.index("139") + 3] == ["139", "92", "件"]
    assert by_piece["139"] == "B-INDICATOR" and by_piece["92"] == "I-INDICATOR"
    assert by_piece["「"] == "B-MEASURE" and by_piece["」"] == "I-MEASURE"
    assert decode(labels, enc.offsets) == GOLD


def test_dev_rule_tags_come_from_rules_that_never_saw_the_report(encoder_tokenizer):
    from fazhi.annotations.schema import DocAnnotation
    from fazhi.entity_tagger import LABEL2ID
    from fazhi.rules import RuleTagger
    from training.entities import EntityTrainConfig, build_datasets

    # 接诉快办 has no quotation marks and no head noun: only a gazetteer finds it.
    line = "全面推行接诉快办,群众满意。"
    norm = normalize(line * 10)
    name = [(k * len(line) + 4, k * len(line) + 8, "MEASURE") for k in range(10)]
    with_name = GoldReport("a", norm, name, DocAnnotation("a"))
    other = GoldReport("b", normalize("召开专题会议。" * 10), [], DocAnnotation("b"))
    cfg = EntityTrainConfig(rule_features=True, jackknife=False, dev_fraction=0.3,
                            train_window=20, train_stride=15)
    rules = RuleTagger().fit([with_name, other])
    assert "接诉快办" in rules.gazetteer
    train, dev = build_datasets([with_name, other], encoder_tokenizer, cfg, rules)
    tagged = LABEL2ID["B-MEASURE"]
    assert any(tagged in row["feature_ids"] for row in train)
    assert dev is not None and not any(tagged in row["feature_ids"] for row in dev)
    assert any(LABEL2ID["B-MEASURE"] in row["labels"] for row in dev)


def test_no_gold_entity_edge_falls_inside_a_word_piece(encoder_tokenizer):
    from fazhi.data import load_examples
    from fazhi.entity_tagger import encode

    from conftest import ROOT

    for ex in load_examples(ROOT / "corpus", ROOT / "annotations" / "gold.jsonl"):
        enc = encode(ex.text, encoder_tokenizer)
        starts = {a for a, _ in enc.offsets}
        ends = {b for _, b in enc.offsets}
        assert all(s in starts and e in ends for s, e, _ in ex.entities), ex.doc_id


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    """A tiny randomly initialised BERT with a vocabulary of the test text's characters."""
    from transformers import BertConfig, BertForTokenClassification, BertTokenizerFast

    path = tmp_path_factory.mktemp("tiny-base")
    chars = sorted(set(TEXT) | set("0123456789"))
    (path / "vocab.txt").write_text("\n".join(
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]) + "\n", encoding="utf-8")
    BertTokenizerFast(str(path / "vocab.txt")).save_pretrained(path)
    config = BertConfig(vocab_size=len(chars) + 5, hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=512)
    BertForTokenClassification(config).save_pretrained(path)
    return str(path)


def test_a_few_training_steps_give_a_tagger_that_saves_and_loads(tiny_base, tmp_path):
    from fazhi.annotations.schema import DocAnnotation
    from training.entities import EntityTrainConfig, train_entity_tagger

    norm = normalize(TEXT * 3)
    gold = [(s + k * len(TEXT), e + k * len(TEXT), lab) for k in range(3) for s, e, lab in GOLD]
    ex = GoldReport("tiny", norm, gold, DocAnnotation("tiny"))
    cfg = EntityTrainConfig(max_steps=4, batch_size=2, train_window=20, train_stride=15,
                            learning_rate=1e-3, dev_fraction=0.2)
    result = train_entity_tagger([ex], cfg, tiny_base, progress=False)
    result.tagger.window, result.tagger.stride = 30, 20
    assert 1 <= len(result.history) and result.history[-1]["steps"] <= 4
    spans = result.tagger.predict([ex.text, ""])
    assert spans[1] == []
    assert all(0 <= s < e <= len(ex.text) for s, e, _ in spans[0])
    result.tagger.to_disk(tmp_path / "ner")
    again = EntityTagger(window=30, stride=20).from_disk(tmp_path / "ner")
    # Saved weights are rounded to int8 once (fazhi.weights); saving again changes nothing.
    assert again.predict([ex.text]) == saved_again(again, tmp_path).predict([ex.text])
    # the prediction settings are the pipeline's config, not a file beside the weights
    assert not list((tmp_path / "ner").glob("fazhi*.json"))


def tiny_example():
    from fazhi.annotations.schema import DocAnnotation

    norm = normalize(TEXT * 3)
    gold = [(s + k * len(TEXT), e + k * len(TEXT), lab) for k in range(3) for s, e, lab in GOLD]
    return GoldReport("tiny", norm, gold, DocAnnotation("tiny"))


def test_rule_features_travel_with_the_saved_tagger(tiny_base, tmp_path):
    from training.entities import EntityTrainConfig, train_entity_tagger

    ex = tiny_example()
    cfg = EntityTrainConfig(max_steps=3, batch_size=2, train_window=20, train_stride=15,
                            rule_features=True, word_dropout=0.3)
    result = train_entity_tagger([ex, ex], cfg, tiny_base, progress=False)
    assert result.tagger.rules is not None and result.tagger.features is not None
    result.tagger.to_disk(tmp_path / "ner")
    assert (tmp_path / "ner" / "rules.json").exists()
    again = EntityTagger().from_disk(tmp_path / "ner")
    assert again.features is not None
    assert again.predict([ex.text]) == saved_again(again, tmp_path).predict([ex.text])


def saved_again(tagger, tmp_path):
    tagger.to_disk(tmp_path / "again")
    return EntityTagger(window=tagger.window, stride=tagger.stride).from_disk(tmp_path / "again")


def test_the_hub_config_trains_with_a_tiny_stand_in(tiny_base):
    from fazhi.settings import load_settings
    from training.entities import EntityTrainConfig, train_entity_tagger

    from conftest import ROOT

    settings = load_settings(ROOT / "configs" / "hub-base.toml")
    assert settings.table("entities")["base_model"] == "hfl/chinese-roberta-wwm-ext"
    assert settings.pipeline.window == 254
    cfg = EntityTrainConfig.from_dict({**settings.table("entities"), "max_steps": 2,
                                       "threads": 1})
    result = train_entity_tagger([tiny_example()], cfg, tiny_base, progress=False)
    assert result.history


def test_fazhi_eval_scores_a_model_against_one_annotated_report(tiny_base, tmp_path, capsys):
    import json

    from fazhi.cli import main
    from fazhi.pipeline import assemble
    from training.entities import EntityTrainConfig, train_entity_tagger

    cfg = EntityTrainConfig(max_steps=2, batch_size=2, train_window=20, train_stride=15)
    train_entity_tagger([tiny_example()], cfg, tiny_base, progress=False).tagger \
        .to_disk(tmp_path / "ner")
    assemble(tmp_path / "ner", None).to_disk(tmp_path / "model")
    report = tmp_path / "district.txt"
    report.write_text(TEXT, encoding="utf-8")
    gold = tmp_path / "district.jsonl"
    gold.write_text(json.dumps({"doc_id": "district", "entities": [
        {"start": s, "end": e, "label": lab} for s, e, lab in GOLD]}) + "\n")
    code = main(["eval", "--model", str(tmp_path / "model"), "--text", str(report),
                 "--gold", str(gold), "--errors"])
    out = capsys.readouterr().out
    assert code == 0 and "micro" in out and "false negatives" in out
    assert main(["eval", "--model", str(tmp_path / "model"), "--text",
                 str(tmp_path / "missing.txt"), "--gold", str(gold)]) == 1


def test_an_entity_that_begins_inside_a_word_piece_begins_at_the_piece():
    # 在北京市司法局: pieces 在北京市 | 司法 | 局; the ORG begins at 北, inside the first piece.
    text = "在北京市司法局"
    offsets = [(0, 4), (4, 6), (6, 7)]
    labels = piece_labels(offsets, char_bio(len(text), [(1, 7, "ORG")]))
    assert labels == ["B-ORG", "I-ORG", "I-ORG"]
    assert decode(labels, offsets) == [(0, 7, "ORG")]


def test_a_piece_that_begins_an_entity_keeps_it_over_one_beginning_inside():
    offsets = [(0, 3), (3, 4)]
    tags = char_bio(4, [(0, 2, "ORG"), (2, 4, "MEASURE")])
    assert piece_labels(offsets, tags) == ["B-ORG", "I-MEASURE"]


def test_a_tagger_that_combines_with_the_rules_keeps_its_policy_and_rules(tiny_base, tmp_path):
    from training.entities import EntityTrainConfig, train_entity_tagger

    ex = tiny_example()
    cfg = EntityTrainConfig(max_steps=2, batch_size=2, train_window=20, train_stride=15,
                            combine="choose", dev_fraction=0.3)
    tagger = train_entity_tagger([ex, ex], cfg, tiny_base, progress=False).tagger
    assert tagger.features is None and tagger.rules is not None
    assert set(tagger.policy) == {"MEASURE", "INDICATOR", "ORG", "REGULATION"}
    tagger.to_disk(tmp_path / "ner")
    again = EntityTagger().from_disk(tmp_path / "ner")
    assert again.policy == tagger.policy and again.rules is not None
    # With the rules switched off: the encoder alone (a barely trained one finds less).
    with_rules = again.predict([ex.text])[0]
    assert again.predict([ex.text], with_rules=False)[0] != with_rules or \
        set(again.policy.values()) == {"model"}


def test_a_tagger_saved_over_another_leaves_none_of_its_files(tiny_base, tmp_path):
    """Saving over a folder that held a tagger with a rule-tag input: the new tagger has
    none, and the old embedding must not be loaded with it (it was, and its shape did not
    fit the new encoder)."""
    from training.entities import EntityTrainConfig, train_entity_tagger

    ex = tiny_example()
    small = {"max_steps": 2, "batch_size": 2, "train_window": 20, "train_stride": 15}
    old = train_entity_tagger([ex, ex], EntityTrainConfig(**small, rule_features=True),
                              tiny_base, progress=False).tagger
    old.to_disk(tmp_path / "ner")
    (tmp_path / "ner" / "notes.txt").write_text("a stray file", encoding="utf-8")
    new = train_entity_tagger([ex, ex], EntityTrainConfig(**small), tiny_base,
                              progress=False).tagger
    new.to_disk(tmp_path / "ner")
    assert sorted(p.name for p in (tmp_path / "ner").iterdir()) == sorted(
        p.name for p in saved_folder(new, tmp_path / "fresh").iterdir())
    assert EntityTagger().from_disk(tmp_path / "ner").features is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def saved_folder(tagger, path):
    tagger.to_disk(path)
    return path

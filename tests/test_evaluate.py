"""Entity scores: seqeval strict on characters, partial overlap, and error lists."""

import pytest

from fazhi.evaluation.bootstrap import paired_bootstrap
from fazhi.evaluation.entities import errors, evaluate

TEXT = "区司法局深化接诉即办改革,办结319件。"
GOLD = [(0, 4, "ORG"), (6, 10, "MEASURE"), (15, 19, "INDICATOR")]


def test_a_perfect_prediction_scores_one():
    s = evaluate([TEXT], [GOLD], [GOLD])["strict"]
    assert s["micro"]["f1"] == 1.0 and s["ORG"]["support"] == 1


def test_strict_counts_only_exact_spans_and_partial_counts_overlaps():
    pred = [(0, 4, "ORG"), (6, 12, "MEASURE"), (15, 19, "ORG")]
    result = evaluate([TEXT], [GOLD], [pred])
    assert result["strict"]["micro"]["p"] == pytest.approx(1 / 3, abs=1e-3)
    assert result["strict"]["MEASURE"]["f1"] == 0.0
    assert result["partial"]["MEASURE"]["f1"] == 1.0          # overlaps, same label
    assert result["partial"]["INDICATOR"]["r"] == 0.0         # overlap with another label
    assert result["partial"]["micro"]["p"] == pytest.approx(2 / 3, abs=1e-3)


def test_scores_pool_over_several_reports():
    result = evaluate([TEXT, TEXT], [GOLD, GOLD], [GOLD, []])
    assert result["strict"]["micro"]["r"] == 0.5 and result["strict"]["micro"]["p"] == 1.0


def test_errors_list_false_positives_and_negatives_with_context():
    e = errors(TEXT, GOLD, [(0, 4, "ORG"), (6, 12, "MEASURE")])
    assert [x["text"] for x in e["false_positives"]] == ["接诉即办改革"]
    assert [x["text"] for x in e["false_negatives"]] == ["接诉即办", "319件"]
    assert "⟦319件⟧" in e["false_negatives"][1]["context"]


def test_a_paired_bootstrap_gives_the_difference_with_an_interval_over_paragraphs():
    texts = [TEXT + "\n" + TEXT] * 3
    golds = [GOLD + [(s + len(TEXT) + 1, e + len(TEXT) + 1, lab) for s, e, lab in GOLD]] * 3
    misses_one = [g[:-1] for g in golds]
    same = paired_bootstrap(texts, golds, golds, golds, samples=200)
    assert same["diff"] == same["low"] == same["high"] == 0.0 and same["paragraphs"] == 6
    better = paired_bootstrap(texts, golds, golds, misses_one, samples=200)
    assert better["diff"] > 0 and 0 <= better["low"] <= better["diff"] <= better["high"]
    assert better["a_better"] > 0.5
    worse = paired_bootstrap(texts, golds, misses_one, golds, samples=200)
    assert worse["diff"] == -better["diff"] and worse["a_better"] == 0.0

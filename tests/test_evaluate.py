"""Entity scores: seqeval strict on characters, partial overlap, and error lists."""

import pytest

from fazhi.evaluate import errors, evaluate

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

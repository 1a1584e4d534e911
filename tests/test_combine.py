"""The encoder's and the rules' spans put together label by label (fazhi.combine)."""

from itertools import pairwise

from fazhi.combine import POLICIES, choose_policy, combine

MODEL = [(0, 4, "ORG"), (10, 16, "MEASURE")]
RULES = [(0, 6, "ORG"), (12, 14, "INDICATOR"), (20, 25, "REGULATION")]


def test_each_label_takes_the_source_its_policy_names():
    policy = {"ORG": "model", "MEASURE": "model", "INDICATOR": "rules", "REGULATION": "rules"}
    # The model's MEASURE is placed first (longer), so the rules' INDICATOR inside it goes.
    assert combine(MODEL, RULES, policy) == [(0, 4, "ORG"), (10, 16, "MEASURE"),
                                             (20, 25, "REGULATION")]


def test_second_choice_spans_fill_only_the_gaps():
    policy = dict.fromkeys(("ORG", "MEASURE", "INDICATOR", "REGULATION"), "rules+model")
    assert combine(MODEL, RULES, policy) == [(0, 6, "ORG"), (12, 14, "INDICATOR"),
                                             (20, 25, "REGULATION")]
    policy = dict.fromkeys(policy, "model+rules")
    assert combine(MODEL, RULES, policy) == [(0, 4, "ORG"), (10, 16, "MEASURE"),
                                             (20, 25, "REGULATION")]


def test_the_result_never_overlaps():
    for choice in POLICIES:
        spans = combine(MODEL, RULES, dict.fromkeys(("ORG", "MEASURE", "INDICATOR",
                                                      "REGULATION"), choice))
        assert all(a[1] <= b[0] for a, b in pairwise(spans))


def test_the_policy_is_chosen_by_f1_on_development_texts():
    gold = [[(0, 6, "ORG"), (10, 16, "MEASURE")]]
    policy, f1 = choose_policy(gold, [MODEL], [RULES])
    assert f1 == 1.0
    assert combine(MODEL, RULES, policy) == gold[0]
    assert policy["ORG"] in ("rules", "rules+model") and policy["REGULATION"] in (
        "model", "model+rules")


def test_ties_keep_the_encoder_alone():
    policy, _ = choose_policy([[]], [[]], [[]])
    assert set(policy.values()) == {"model"}

"""`python -m training.run` evaluates by held-out report and writes both reports."""

import json

from training.run import main

from conftest import ROOT


def test_a_rules_only_run_scores_every_held_out_report(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["--systems", "rules", "--no-final", "--reports", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "entities.json").read_text())
    rules = result["systems"]["rules"]
    assert len(rules["folds"]) == 4
    assert set(rules["pooled"]["strict"]) == {"MEASURE", "INDICATOR", "ORG", "REGULATION",
                                              "micro"}
    assert rules["pooled"]["strict"]["micro"]["support"] == 1146
    fold = next(iter(rules["folds"].values()))
    assert {"false_positives", "false_negatives"} <= set(fold["errors"])
    md = (tmp_path / "entities.md").read_text()
    assert "| rules |" in md and "peak memory" in md
    out = capsys.readouterr().out
    assert "rules" in out and "wall time" in out

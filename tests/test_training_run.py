"""`python -m training.run` evaluates by held-out report and writes both reports."""

import json

from fazhi.settings import load_settings
from training.reporting import against_baselines, target_lines
from training.run import main

from conftest import ROOT


def test_a_rules_only_run_scores_every_held_out_report(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    # the real reports only, to stay quick (the written passages' part: test_synthetic.py)
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "configs" / "default.toml").read_text(encoding="utf-8")
                      .replace("synthetic = true", "synthetic = false"), encoding="utf-8")
    assert main(["--config", str(config), "--systems", "rules", "--no-final", "--no-values",
                 "--reports", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "entities.json").read_text())
    rules = result["systems"]["rules"]
    assert len(rules["folds"]) == 4
    assert set(rules["pooled"]["strict"]) == {"MEASURE", "INDICATOR", "ORG", "REGULATION",
                                              "micro"}
    assert rules["pooled"]["strict"]["micro"]["support"] == 1146
    errors = json.loads((tmp_path / "errors" / "entities.json").read_text())["rules"]
    assert {"false_positives", "false_negatives"} <= set(next(iter(errors.values())))
    md = (tmp_path / "entities.md").read_text()
    assert "| rules |" in md and "peak memory" in md
    out = capsys.readouterr().out
    assert "rules" in out and "wall time" in out


def _pooled(**f1):
    return {name: {"pooled": {"strict": {"micro": {"f1": v}, "MEASURE": {"f1": v},
                                         "INDICATOR": {"f1": v}, "ORG": {"f1": v},
                                         "REGULATION": {"f1": v}}}} for name, v in f1.items()}


def test_the_report_says_by_how_much_the_transformer_beats_or_trails_each_baseline():
    results = _pooled(transformer=0.8041, rules=0.8052, spacy_ner=0.499, random_init=0.8039)
    assert against_baselines(results) == (
        "The transformer (0.804) trails rules by 0.001, beats spacy_ner by 0.305, "
        "ties random_init.")


def test_each_target_is_reported_as_met_or_not_with_the_measured_value():
    targets = load_settings(ROOT / "configs" / "default.toml").evaluation.targets
    lines = target_lines(_pooled(transformer=0.94), targets, {"seconds": 709, "peak_mb": 920})
    assert "- micro ≥ 0.88: met (0.940)" in lines
    assert "- REGULATION ≥ 0.95: not met (0.940)" in lines
    assert "- wall time ≤ 5400 s: met (709 s)" in lines
    assert "- peak memory ≤ 6144 MB: met (920 MB)" in lines


def test_the_lead_over_the_rules_needs_its_interval_above_zero():
    targets = load_settings(ROOT / "configs" / "default.toml").evaluation.targets
    results = _pooled(transformer=0.90, rules=0.80, rules_blank=0.82)
    results["rules"]["pooled"]["versus_transformer"] = {
        "diff": 0.10, "low": 0.06, "high": 0.14, "a_better": 1.0, "samples": 1000}
    lines = target_lines(results, targets)
    assert "- rules switched off: micro ≥ 0.8: met (0.820)" in lines
    assert "- micro ≥ rules + 0.05, interval above 0: met (+0.100, interval low +0.060)" in lines
    results["rules"]["pooled"]["versus_transformer"]["low"] = -0.01
    assert "- micro ≥ rules + 0.05, interval above 0: not met (+0.100, interval low -0.010)" \
        in target_lines(results, targets)


def test_a_difference_comes_with_its_paragraph_bootstrap_interval_when_one_was_run():
    results = _pooled(transformer=0.8037, rules=0.8052)
    results["rules"]["pooled"]["versus_transformer"] = {
        "diff": -0.0015, "low": -0.0041, "high": 0.0, "a_better": 0.0, "samples": 1000}
    assert against_baselines(results) == (
        "The transformer (0.804) trails rules by 0.001 (95 % interval of the difference "
        "-0.004 to +0.000; ahead on 0% of 1000 paragraph resamples).")


def test_a_kept_baseline_is_scored_again_without_training(tmp_path, monkeypatch):
    """Predictions stored by `--keep` come back as a system of a later run, with the
    interval against that run's transformer."""
    from fazhi.data import load_examples
    from fazhi.evaluation.entities import errors, evaluate
    from training import kept

    monkeypatch.chdir(ROOT)
    settings = load_settings(ROOT / "configs" / "default.toml")
    examples = load_examples(settings.paths.corpus, settings.paths.gold, settings.normalize)

    def results_for(name, drop):
        folds = {}
        for ex in examples:
            gold = [(e.start, e.end, e.label) for e in ex.gold.entities]
            pred = gold[drop:]
            folds[ex.doc_id] = {**evaluate([ex.norm.original], [gold], [pred]),
                                "errors": errors(ex.norm.original, gold, pred)}
        return {name: {"folds": folds, "pooled": None}}

    path = tmp_path / "kept.json"
    kept.store(results_for("random_init", 20), examples, ["random_init"], path, "a test")
    results = results_for("transformer", 0)
    kept.add_kept(results, examples, path, {"samples": 50, "seed": 0})
    r = results["random_init"]
    assert r["kept"] == "a test"
    assert r["pooled"]["strict"]["micro"]["f1"] < 1.0
    assert r["pooled"]["versus_transformer"]["diff"] > 0

"""One settings source: configs/default.toml, typed by fazhi.settings."""

import pytest

from fazhi.settings import load_settings

from conftest import ROOT


def test_the_project_config_loads_into_typed_tables():
    s = load_settings(ROOT / "configs" / "default.toml")
    assert s.paths.gold == "annotations/gold.jsonl" and s.pipeline.window > 0
    assert s.evaluation.targets.entities["micro"] > 0 and s.rules.national_places
    assert "base_model" in s.table("entities") and "random_init" not in s.table("entities")


def test_a_misspelt_setting_is_refused(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[pipeline]\nwindw = 100\n', encoding="utf-8")
    with pytest.raises(ValueError, match="windw"):
        load_settings(config)


def test_a_missing_config_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="no project config"):
        load_settings(tmp_path / "absent.toml")


def test_a_variant_config_states_only_what_it_changes(tmp_path):
    base = load_settings(ROOT / "configs" / "default.toml")
    variant = load_settings(ROOT / "configs" / "e5-small.toml")
    assert variant.table("entities")["base_model"] == "e5-small-zh"
    assert variant.table("entities")["batch_size"] == base.table("entities")["batch_size"]
    assert variant.paths == base.paths and variant.evaluation == base.evaluation
    # a variant of a variant: the experiment changes the layers, keeps the rest of both
    experiment = load_settings(ROOT / "configs" / "experiments" / "e5-6layers.toml")
    assert experiment.table("entities")["epochs"] == 6
    assert experiment.table("entities")["layers"] == variant.table("entities")["layers"] == 6
    assert experiment.table("entities")["learning_rate"] == \
        variant.table("entities")["learning_rate"]

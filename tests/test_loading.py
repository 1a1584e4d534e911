"""Loading a model folder never runs code from it, and a damaged one is one line naming the
file: `fazhi tag` exits 1 before reading any report."""

import os
import pickle

import pytest

from fazhi.cli import main
from fazhi.pipeline import ModelError, load
from fazhi.weights import WEIGHTS

from conftest import SHIPPED_MODEL


class _Planted:
    """Unpickling this creates the marker file: what a malicious pickle could do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def plant(folder, marker):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "features.pkl", "wb") as f:
        pickle.dump(_Planted(marker), f)


def model_copy(tmp_path, replace=()):
    """The shipped model folder, its parts linked rather than copied, except `replace`."""
    copy = tmp_path / "model"
    copy.mkdir()
    for item in SHIPPED_MODEL.iterdir():
        if item.name in replace:
            continue
        (copy / item.name).symlink_to(item)
    return copy


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "MARKER"
    yield path
    assert not path.exists(), "a pickle from the model folder was loaded"


def test_a_pickle_that_runs_code_is_really_run_by_unpickling(tmp_path):
    """The test's own check: loading the planted file does create the marker."""
    plant(tmp_path / "p", tmp_path / "ran")
    with open(tmp_path / "p" / "features.pkl", "rb") as f:
        pickle.load(f).close()
    assert (tmp_path / "ran").exists()


def test_a_pkuseg_folder_the_config_does_not_ask_for_is_ignored(tmp_path, marker):
    model = model_copy(tmp_path, replace={"tokenizer"})
    (model / "tokenizer").mkdir()
    (model / "tokenizer" / "cfg").write_text('{"segmenter": "char"}', encoding="utf-8")
    plant(model / "tokenizer" / "pkuseg_model", marker)
    nlp = load(model)
    assert [e.text for e in nlp("办理行政复议案件319件。").ents] == ["319件"]


def test_a_pkuseg_folder_holding_a_pickle_is_refused(tmp_path, marker):
    model = model_copy(tmp_path, replace={"tokenizer"})
    (model / "tokenizer").mkdir()
    (model / "tokenizer" / "cfg").write_text('{"segmenter": "pkuseg"}', encoding="utf-8")
    plant(model / "tokenizer" / "pkuseg_model", marker)
    with pytest.raises(ModelError) as err:
        load(model)
    pkl = model / "tokenizer" / "pkuseg_model" / "features.pkl"
    assert str(err.value).startswith(f"{pkl}: the pkuseg model holds a pickle")


def test_a_pkuseg_model_given_by_the_user_holding_a_pickle_is_refused(capsys, tmp_path, marker):
    report = tmp_path / "r.txt"
    report.write_text("办理行政复议案件319件。", encoding="utf-8")
    plant(tmp_path / "pkuseg", marker)
    code = main(["tag", str(report), "--model", str(SHIPPED_MODEL),
                 "--pkuseg-model", str(tmp_path / "pkuseg")])
    out = capsys.readouterr()
    assert code == 1 and out.out == ""
    assert out.err.strip() == (
        f"{SHIPPED_MODEL}: cannot load the pipeline ({tmp_path / 'pkuseg' / 'features.pkl'}: "
        "the pkuseg model holds a pickle, which spacy-pkuseg would load and run; fazhi "
        "refuses it (features.msgpack and weights.npz are read safely))")


def test_pickled_weights_in_the_model_folder_are_refused(tmp_path, marker):
    model = model_copy(tmp_path, replace={"ner"})
    (model / "ner").mkdir()
    for f in (SHIPPED_MODEL / "ner").iterdir():
        (model / "ner" / f.name).symlink_to(f)
    with open(model / "ner" / "pytorch_model.bin", "wb") as f:
        pickle.dump(_Planted(marker), f)
    with pytest.raises(ModelError, match="pytorch_model.bin: a pickle-format file"):
        load(model)


@pytest.mark.parametrize("part, damage, message", [
    (f"ner/{WEIGHTS}", lambda b: b[:len(b) // 2], "truncated or damaged safetensors"),
    (f"ner/{WEIGHTS}", lambda b: b[:5], "truncated or not a safetensors file"),
    ("ner/rule_features.safetensors", lambda b: b"\x00" * len(b), "not a valid safetensors"),
    ("sections/topic.json", lambda b: b[:-10], "not valid JSON"),
    ("sections/topic.safetensors", lambda b: b[:len(b) // 2], "truncated or damaged safetensors"),
    ("ner/tokenizer.json", lambda b: b[:1000], "not valid JSON"),
])
def test_a_damaged_model_file_is_one_line_naming_it(capsys, tmp_path, part, damage, message):
    folder, name = part.split("/")
    model = model_copy(tmp_path, replace={folder})
    (model / folder).mkdir()
    for f in (SHIPPED_MODEL / folder).iterdir():
        if f.name != name:
            (model / folder / f.name).symlink_to(f)
    (model / part).write_bytes(damage((SHIPPED_MODEL / part).read_bytes()))
    report = tmp_path / "r.txt"
    report.write_text("办理行政复议案件319件。", encoding="utf-8")
    out_file = tmp_path / "out.jsonl"
    code = main(["tag", str(report), "--model", str(model), "--out", str(out_file)])
    err = capsys.readouterr().err
    assert code == 1 and not out_file.exists()
    (line,) = err.strip().splitlines()
    assert line.startswith(f"{model}: cannot load the pipeline ({model / part}: {message}")


def test_anything_else_that_fails_to_load_is_one_line_too(capsys, tmp_path):
    model = model_copy(tmp_path, replace={"config.cfg"})
    cfg = (SHIPPED_MODEL / "config.cfg").read_text(encoding="utf-8")
    (model / "config.cfg").write_text(cfg.replace('factory = "fazhi_values"',
                                                  'factory = "no_such_factory"'))
    with pytest.raises(ModelError) as err:
        load(model)
    assert str(err.value).startswith(f"{model}: ") and "\n" not in str(err.value)
    assert "no_such_factory" in str(err.value)


def test_the_shipped_model_holds_no_pickle():
    from fazhi.pipeline.assemble import check_model_files

    check_model_files(SHIPPED_MODEL)
    names = [name for _, _, files in os.walk(SHIPPED_MODEL) for name in files]
    assert not any(name.endswith((".pkl", ".pickle", ".pt", ".pth")) for name in names)

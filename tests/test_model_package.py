"""The shipped pipeline as an installable spaCy model package, and which model `fazhi tag` and
`fazhi eval` load when none is named: --model, else the installed package, else a checkout's
models/fazhi-zh, else one line saying how to get one. Nothing comes from a hub."""

import json
import subprocess
import sys
import zipfile

import pytest

from fazhi.pipeline import PACKAGE, ModelError, locate
from fazhi.pipeline.locate import HOW_TO_GET_ONE, locate_model
from fazhi.weights import WEIGHTS

from conftest import SHIPPED_MODEL, subprocess_env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The model package built from models/fazhi-zh and installed into a folder of its own
    (no dependencies: fazhi and spaCy are this environment's)."""
    from training.package import build_model_package

    tmp = tmp_path_factory.mktemp("model-package")
    wheel = build_model_package(SHIPPED_MODEL, tmp / "dist")
    site = tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--target", str(site), str(wheel)], check=True)
    return wheel, site


def test_the_wheel_holds_the_pipeline_and_requires_fazhi(installed):
    wheel, _ = installed
    assert wheel.name == f"{PACKAGE}-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(f"{PACKAGE}-0.1.0.dist-info/METADATA").decode()
    data = f"{PACKAGE}/{PACKAGE}-0.1.0"
    assert {f"{data}/config.cfg", f"{data}/ner/{WEIGHTS}",
            f"{data}/sections/topic.safetensors", f"{PACKAGE}/__init__.py"} <= names
    assert "Requires-Dist: fazhi" in meta and "Requires-Dist: spacy" in meta
    assert "research use only" in meta  # the model card's licence travels with it


def test_spacy_load_finds_the_installed_package_from_any_directory(installed, tmp_path):
    _, site = installed
    script = """
import json, spacy
from fazhi.pipeline import locate_model
nlp = spacy.load("zh_fazhi")
doc = nlp("区司法局办理行政复议案件319件。")
print(json.dumps({"ents": [(e.text, e.label_) for e in doc.ents],
                  "value": [e._.value for e in doc.ents if e.label_ == "INDICATOR"][0],
                  "default": str(locate_model())}, ensure_ascii=False))
"""
    env = subprocess_env()
    env["PYTHONPATH"] = f"{site}:{env['PYTHONPATH']}"
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert ["319件", "INDICATOR"] in out["ents"]
    assert out["value"]["value"] == 319 and out["value"]["subject"]["text"] == "行政复议案件"
    # fazhi tag's default, outside the checkout: the installed package
    assert out["default"] == str(site / PACKAGE / f"{PACKAGE}-0.1.0")


# --- which model, in one place --------------------------------------------------------------

@pytest.fixture
def nothing_installed(monkeypatch):
    monkeypatch.setattr(locate, "installed_model", lambda name=PACKAGE: None)


def test_a_named_model_wins_then_the_package_then_the_checkout(monkeypatch, tmp_path,
                                                              nothing_installed):
    assert locate_model(tmp_path) == tmp_path
    assert locate_model().resolve() == SHIPPED_MODEL  # the checkout's
    monkeypatch.setattr(locate, "installed_model",
                        lambda name=PACKAGE: tmp_path if name == PACKAGE else None)
    assert locate_model() == tmp_path
    assert locate_model(PACKAGE) == tmp_path  # --model may name an installed package
    with pytest.raises(ModelError, match="^not-a-model: no such model folder or installed "
                                         "model package$"):
        locate_model("not-a-model")  # never a hub id


def test_outside_a_checkout_the_checkout_model_is_the_installed_fazhis(monkeypatch, tmp_path,
                                                                     nothing_installed):
    monkeypatch.chdir(tmp_path)
    assert locate_model().resolve() == SHIPPED_MODEL


def test_without_any_model_tag_and_eval_say_how_to_get_one_in_one_line(
        capsys, monkeypatch, tmp_path, nothing_installed):
    from fazhi.cli import main

    monkeypatch.setattr(locate, "checkout_model", lambda: None)
    monkeypatch.chdir(tmp_path)
    report = tmp_path / "r.txt"
    report.write_text("区司法局办理行政复议案件319件。\n", encoding="utf-8")
    gold = tmp_path / "r.jsonl"
    gold.write_text(json.dumps({"doc_id": "r", "text": report.read_text("utf-8"),
                                "entities": [], "sections": []}) + "\n", encoding="utf-8")
    message = f"no fazhi model found: {HOW_TO_GET_ONE}"
    assert "make model-package" in message and "--model" in message
    for argv in (["tag", str(report)], ["eval", "--text", str(report), "--gold", str(gold)]):
        assert main(argv) == 1
        out = capsys.readouterr()
        assert out.err.strip() == message and out.out == ""


def test_the_package_requires_fazhi_even_when_spacy_cannot_tell(tmp_path):
    from training.package import _require_fazhi

    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"requirements": ["spacy>=3.8.18,<3.9.0"]}), encoding="utf-8")
    _require_fazhi(meta)
    assert json.loads(meta.read_text("utf-8"))["requirements"] == ["spacy>=3.8.18,<3.9.0",
                                                                   "fazhi"]
    meta.write_text(json.dumps({"requirements": ["fazhi>=0.1.0,<0.2.0"]}), encoding="utf-8")
    _require_fazhi(meta)
    assert json.loads(meta.read_text("utf-8"))["requirements"] == ["fazhi>=0.1.0,<0.2.0"]

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ENCODER = SHARED / "models" / "ltp-tiny-electra-zh"


@pytest.fixture(scope="session")
def corpus_texts():
    from fazhi.corpus import load_texts

    return load_texts(ROOT / "corpus")


@pytest.fixture(scope="session")
def gold():
    from fazhi.annotations.schema import read_jsonl

    return read_jsonl(ROOT / "annotations" / "gold.jsonl")


SHIPPED_MODEL = ROOT / "models" / "fazhi-zh"


def subprocess_env() -> dict:
    """The environment for a child Python that must import this tree's fazhi, whatever its
    working directory (a relative PYTHONPATH, or an editable install of another checkout,
    would give it another one)."""
    paths = [str(ROOT / "src"), str(ROOT)] + [
        str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


@pytest.fixture(scope="session")
def nlp():
    """The shipped pipeline, loaded once (about two seconds)."""
    from fazhi.pipeline import load

    return load(SHIPPED_MODEL)


@pytest.fixture
def shipped_model_loaded_once(monkeypatch, nlp):
    """`fazhi tag` (any CLI command) gets the session's shipped pipeline instead of loading
    it again from disk."""
    import fazhi.pipeline

    monkeypatch.setattr(fazhi.pipeline, "load", lambda path, **kw: nlp)


def run_tag(capsys, *args):
    """`fazhi tag ARGS…`: (exit code, stdout, stderr), never a traceback."""
    from fazhi.cli import main

    code = main(["tag", *map(str, args)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


@pytest.fixture(scope="session")
def short_report(corpus_texts):
    """The opening of the traditional-script report: a title-less preamble, two heading
    levels and 一是… items, with figures, names and quoted measures."""
    text = next(t for k, t in corpus_texts.items() if k.startswith("002"))
    return text[:text.index("二是")]

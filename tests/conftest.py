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

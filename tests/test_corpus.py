"""The corpus is the four seed reports, byte for byte, with their metadata."""

import pytest

from fazhi.corpus import load_index

from conftest import ROOT, SHARED


def test_index_lists_four_reports_with_metadata():
    reports = load_index(ROOT / "corpus")
    assert len(reports) == 4
    assert {r.script for r in reports} == {"simplified", "traditional"}
    assert all(r.path.exists() and r.unit and r.year >= 2020 for r in reports)


@pytest.mark.skipif(not (SHARED / "seeds").exists(), reason="needs ../shared/seeds")
def test_reports_are_byte_identical_to_the_seeds():
    for r in load_index(ROOT / "corpus"):
        assert r.path.read_bytes() == (SHARED / "seeds" / r.path.name).read_bytes()

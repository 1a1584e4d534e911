"""The report corpus: `corpus/index.csv` and the report files it lists."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from fazhi.io import read_report

INDEX_COLUMNS = ("doc_id", "unit", "unit_type", "year", "script", "file", "notes")


@dataclass(frozen=True)
class Report:
    doc_id: str
    unit: str
    unit_type: str
    year: int
    script: str
    path: Path
    notes: str = ""

    @property
    def text(self) -> str:
        return read_report(self.path)[0]


def load_index(corpus_dir: str | Path = "corpus") -> list[Report]:
    corpus_dir = Path(corpus_dir)
    index = corpus_dir / "index.csv"
    with open(index, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = set(INDEX_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{index}: missing columns {sorted(missing)}")
        return [
            Report(row["doc_id"], row["unit"], row["unit_type"], int(row["year"]),
                   row["script"], corpus_dir / row["file"], row["notes"])
            for row in reader
        ]


def load_texts(corpus_dir: str | Path = "corpus") -> dict[str, str]:
    """doc_id → original text, for every report in the index."""
    return {r.doc_id: r.text for r in load_index(corpus_dir)}

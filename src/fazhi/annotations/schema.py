"""The gold annotation format: one JSON object per report in a JSONL file.

    {"doc_id": "000_54d204fc9b6b9db1",
     "entities": [{"start": 10, "end": 13, "label": "ORG", "text": "市政府"}, ...],
     "sections": [{"start": 0, "end": 20, "part": "TITLE", "topic": "NONE",
                   "heading": null}, ...]}

Offsets are character offsets into the original report in corpus/, end-exclusive.
`text` repeats the covered characters so that a shifted offset is caught on load;
`heading` is {"start", "end"} inside the section, or null.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Entity:
    start: int
    end: int
    label: str
    text: str = ""


@dataclass(frozen=True, order=True)
class Section:
    start: int
    end: int
    part: str
    topic: str
    heading: tuple[int, int] | None = None


@dataclass
class DocAnnotation:
    doc_id: str
    entities: list[Entity] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    # Indicator subjects read from markup ({S}…{/S}); stored apart from the gold, as
    # subject rows (annotations/indicator_subjects.jsonl), so not part of to_json.
    subjects: list[tuple[int, int]] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "entities": [asdict(e) for e in sorted(self.entities)],
            "sections": [
                {
                    "start": s.start,
                    "end": s.end,
                    "part": s.part,
                    "topic": s.topic,
                    "heading": None if s.heading is None
                    else {"start": s.heading[0], "end": s.heading[1]},
                }
                for s in sorted(self.sections)
            ],
        }

    @classmethod
    def from_json(cls, obj: dict) -> DocAnnotation:
        return cls(
            doc_id=obj["doc_id"],
            entities=[Entity(e["start"], e["end"], e["label"], e.get("text", ""))
                      for e in obj.get("entities", [])],
            sections=[
                Section(s["start"], s["end"], s["part"], s.get("topic", "NONE"),
                        None if not s.get("heading")
                        else (s["heading"]["start"], s["heading"]["end"]))
                for s in obj.get("sections", [])
            ],
        )


def read_jsonl(path: str | Path) -> list[DocAnnotation]:
    docs = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                docs.append(DocAnnotation.from_json(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise ValueError(f"{path}:{lineno}: not an annotation record ({err})") from err
    return docs


def write_jsonl(path: str | Path, docs: list[DocAnnotation]) -> None:
    from fazhi.io import atomic_write_text

    atomic_write_text(
        path,
        "".join(json.dumps(d.to_json(), ensure_ascii=False) + "\n" for d in docs),
    )


def read_subjects(path: str | Path) -> list[dict]:
    """Indicator-subject rows (annotations/indicator_subjects.jsonl): one per INDICATOR, with
    the subject's original offsets, or null where the clause names no counted noun."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip()]

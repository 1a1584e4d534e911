"""Conversion to and from doccano's sequence-labelling JSONL (also importable in Label Studio).

One line per report: {"text": …, "label": [[start, end, "ORG"], …], "doc_id": …,
"sections": […]}. doccano keeps extra keys as metadata, so the sections travel along
untouched; doccano's newer export form ("entities" with start_offset/end_offset) is read too.
"""

from __future__ import annotations

import json
from pathlib import Path

from fazhi.annotations.schema import DocAnnotation, Entity
from fazhi.io import atomic_write_text


def to_doccano(docs: list[DocAnnotation], texts: dict[str, str]) -> list[dict]:
    out = []
    for d in docs:
        rec = d.to_json()
        out.append({
            "doc_id": d.doc_id,
            "text": texts[d.doc_id],
            "label": [[e["start"], e["end"], e["label"]] for e in rec["entities"]],
            "sections": rec["sections"],
        })
    return out


def from_doccano(records: list[dict], texts: dict[str, str]) -> list[DocAnnotation]:
    docs = []
    for k, rec in enumerate(records, 1):
        doc_id = rec.get("doc_id") or rec.get("meta", {}).get("doc_id")
        if doc_id not in texts:
            raise ValueError(f"record {k}: doc_id {doc_id!r} is not in the corpus")
        text = texts[doc_id]
        if rec.get("text") != text:
            raise ValueError(f"record {k} ({doc_id}): its text differs from corpus/{doc_id}.txt")
        spans = rec.get("label")
        if spans is None:
            spans = [(e["start_offset"], e["end_offset"], e["label"]) for e in rec.get("entities", [])]
        ents = [Entity(int(s), int(e), lab, text[int(s):int(e)]) for s, e, lab in spans]
        ann = DocAnnotation.from_json({"doc_id": doc_id, "sections": rec.get("sections", [])})
        ann.entities = ents
        docs.append(ann)
    return docs


def write_doccano(path: str | Path, docs: list[DocAnnotation], texts: dict[str, str]) -> None:
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                    for r in to_doccano(docs, texts)))


def read_doccano(path: str | Path, texts: dict[str, str]) -> list[DocAnnotation]:
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return from_doccano(records, texts)

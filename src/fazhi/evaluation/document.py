"""Scoring the document metadata (`fazhi.document`): exact-match accuracy of the issuing
unit's name, level and province and of the report year, against the real reports' gold
(annotations/documents.jsonl) and the written passages' metadata (`<id>.meta.json`).

A field whose gold is null (a report that names no unit) is right when the prediction is
null too."""

from __future__ import annotations

import json
from pathlib import Path

FIELDS = ("name", "level", "province", "year")


def gold_from_rows(path: str | Path) -> dict[str, dict]:
    """doc_id → {name, level, province, year} from annotations/documents.jsonl."""
    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        unit = r["unit"] or {}
        out[r["doc_id"]] = {"name": unit.get("name"), "level": unit.get("level"),
                            "province": unit.get("province"),
                            "year": r["year"]["value"] if r["year"] else None}
    return out


def gold_from_passages(folder: str | Path) -> dict[str, dict]:
    """doc_id → {name, level, province, year} from the passages' <id>.meta.json."""
    out = {}
    for p in sorted(Path(folder).glob("*.meta.json")):
        m = json.loads(p.read_text(encoding="utf-8"))
        out[p.name.removesuffix(".meta.json")] = {
            "name": m["unit"], "level": m["level"], "province": m["province"], "year": m["year"]}
    return out


def predicted_fields(record: dict) -> dict:
    unit = record["unit"] or {}
    return {"name": unit.get("name"), "level": unit.get("level"),
            "province": unit.get("province"),
            "year": record["year"]["value"] if record["year"] else None}


def score_documents(gold: dict[str, dict], predicted: dict[str, dict]) -> dict:
    """Per field: hits, total, accuracy; `all`: documents with every field right; misses."""
    out = {f: {"hits": 0, "total": 0} for f in (*FIELDS, "all")}
    misses = []
    for doc_id, g in sorted(gold.items()):
        p = predicted_fields(predicted[doc_id])
        wrong = [f for f in FIELDS if p[f] != g[f]]
        for f in FIELDS:
            out[f]["total"] += 1
            out[f]["hits"] += f not in wrong
        out["all"]["total"] += 1
        out["all"]["hits"] += not wrong
        if wrong:
            misses.append({"doc_id": doc_id, "wrong": wrong, "gold": g, "predicted": p,
                           "reason": predicted[doc_id]["reason"]})
    for f in out.values():
        f["accuracy"] = f["hits"] / f["total"] if f["total"] else 0.0
    out["misses"] = misses
    return out

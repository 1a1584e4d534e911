"""Output formats of `fazhi tag`: JSONL (one record per report), CSV (one row per entity)
and HTML (displaCy's entity view, one block per section under its heading)."""

from __future__ import annotations

import csv
import io
import json

FORMATS = ("jsonl", "csv", "html")

CSV_COLUMNS = (
    "file", "doc_id", "start", "end", "label", "text", "normalized",
    "value", "unit", "bound", "approx", "subject", "title", "kind", "period",
    "section", "part", "topic", "heading", "sentence",
)

COLORS = {"MEASURE": "#a6d8f0", "INDICATOR": "#ffd27f", "ORG": "#c7e9b4",
          "REGULATION": "#f4b6c2"}


def format_for(path: str | None, requested: str | None) -> str:
    """The format asked for, else the one the file name's suffix names, else JSONL."""
    if requested:
        return requested
    suffix = (path or "").rsplit(".", 1)[-1].lower()
    return {"json": "jsonl", "jsonl": "jsonl", "csv": "csv", "html": "html", "htm": "html"
            }.get(suffix, "jsonl")


def to_jsonl(reports: list[tuple[dict, str]]) -> str:
    return "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec, _ in reports)


def csv_rows(rec: dict, text: str):
    for e in rec["entities"]:
        value = e["value"] or {}
        sec = rec["sections"][e["section"]] if e["section"] is not None else None
        subject = value.get("subject")
        yield {
            "file": rec["file"], "doc_id": rec["doc_id"], "start": e["start"], "end": e["end"],
            "label": e["label"], "text": e["text"], "normalized": e["normalized"],
            "value": value.get("value"), "unit": value.get("unit"),
            "bound": value.get("bound"), "approx": value.get("approx"),
            "subject": subject["text"] if subject else None,
            "title": value.get("title"), "kind": value.get("kind"),
            "period": value.get("period"),
            "section": e["section"],
            "part": sec["part"] if sec else None, "topic": sec["topic"] if sec else None,
            "heading": sec["heading"]["text"] if sec and sec["heading"] else None,
            "sentence": text[e["sentence"]["start"]:e["sentence"]["end"]].strip(),
        }


def to_csv(reports: list[tuple[dict, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for rec, text in reports:
        writer.writerows(csv_rows(rec, text))
    return out.getvalue()


def to_html(reports: list[tuple[dict, str]]) -> str:
    """One page; each section is a displaCy block titled with the report, the section's
    heading, part and topic."""
    from spacy import displacy

    blocks = []
    for rec, text in reports:
        ents = rec["entities"]
        for sec in rec["sections"]:
            a, b = sec["start"], sec["end"]
            heading = sec["heading"]["text"] if sec["heading"] else "(no heading)"
            topic = "" if sec["topic"] == "NONE" else f" / {sec['topic']}"
            blocks.append({
                "text": text[a:b],
                "ents": [{"start": e["start"] - a, "end": min(e["end"], b) - a,
                          "label": e["label"]} for e in ents if e["section"] == sec["index"]],
                "title": f"{rec['doc_id']} · {heading} [{sec['part']}{topic}]",
            })
    return displacy.render(blocks, style="ent", manual=True, page=True, minify=True,
                           options={"colors": COLORS})


WRITERS = {"jsonl": to_jsonl, "csv": to_csv, "html": to_html}


def render(reports: list[tuple[dict, str]], fmt: str) -> str:
    return WRITERS[fmt](reports)

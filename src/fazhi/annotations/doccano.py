"""Conversion to and from doccano's sequence-labelling JSONL (also importable in Label Studio).

One line per report: {"text": …, "label": [[start, end, "ORG"], …], "doc_id": …,
"sections": […]}. doccano keeps extra keys as metadata, so the sections travel along
untouched; doccano's newer export form ("entities" with start_offset/end_offset) is read too,
and so is Label Studio's JSON export (one array of tasks: "data" with the text, doc_id and
sections, "annotations" with "labels" results).

Every record is checked before anything is returned: the text against the corpus, then each
span with the validator behind `fazhi annotations validate`; any problem is one line, and
none of the records is used.
"""

from __future__ import annotations

import json
from pathlib import Path

from fazhi.annotations.schema import DocAnnotation, Entity
from fazhi.annotations.validate import validate
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


class _Bad(Exception):
    pass


def _fields(rec: dict, k: int) -> tuple[str, str, list[tuple], list]:
    """(doc_id, text, spans as (start, end, label, text or ""), sections) of one record of
    doccano JSONL or of a Label Studio task."""
    if not isinstance(rec, dict):
        raise _Bad(f"record {k}: not a JSON object")
    meta = rec.get("meta") if isinstance(rec.get("meta"), dict) else {}
    if isinstance(rec.get("data"), dict):  # Label Studio
        data = rec["data"]
        doc_id = data.get("doc_id") or rec.get("doc_id") or meta.get("doc_id")
        anns = [a for a in rec.get("annotations") or rec.get("completions") or []
                if isinstance(a, dict) and not a.get("was_cancelled")]
        if len(anns) > 1:
            raise _Bad(f"record {k} ({doc_id}): {len(anns)} annotations of one task; export "
                       "one per task")
        spans = []
        for r in anns[0].get("result", []) if anns else []:
            if not isinstance(r, dict) or r.get("type", "labels") != "labels":
                continue
            v = r.get("value") or {}
            labels = v.get("labels") or []
            if len(labels) != 1:
                raise _Bad(f"record {k} ({doc_id}) {v.get('start')}-{v.get('end')}: "
                           f"{len(labels)} labels on one span, not 1")
            spans.append((v.get("start"), v.get("end"), labels[0], v.get("text") or ""))
        return doc_id, data.get("text"), spans, data.get("sections") or rec.get("sections") or []
    doc_id = rec.get("doc_id") or meta.get("doc_id")
    raw = rec.get("label")
    if raw is None:
        raw = rec.get("entities", [])
    spans = []
    for span in raw if isinstance(raw, list) else [raw]:
        if isinstance(span, dict):
            spans.append((span.get("start_offset"), span.get("end_offset"), span.get("label"), ""))
        elif isinstance(span, list) and len(span) == 3:
            spans.append((*span, ""))
        else:
            raise _Bad(f"record {k} ({doc_id}): span {span!r} is not [start, end, label]")
    return doc_id, rec.get("text"), spans, rec.get("sections") or meta.get("sections") or []


def check_records(records: list, texts: dict[str, str]
                  ) -> tuple[list[DocAnnotation], list[str]]:
    """The annotations of doccano / Label Studio records, and one line per problem found;
    the annotations are only to be used when there is none."""
    docs, problems, seen = [], [], set()
    for k, rec in enumerate(records, 1):
        try:
            doc_id, text, spans, sections = _fields(rec, k)
        except _Bad as err:
            problems.append(str(err))
            continue
        if doc_id not in texts:
            problems.append(f"record {k}: doc_id {doc_id!r} is not in the corpus")
            continue
        if doc_id in seen:
            problems.append(f"record {k}: {doc_id} appears more than once")
            continue
        seen.add(doc_id)
        original = texts[doc_id]
        if text != original:
            problems.append(f"record {k} ({doc_id}): its text differs from the corpus report "
                            f"({_first_difference(text, original)})")
            continue
        try:
            ann = DocAnnotation.from_json({"doc_id": doc_id, "sections": sections})
        except (KeyError, TypeError, AttributeError) as err:
            problems.append(f"record {k} ({doc_id}): sections not in the annotation format "
                            f"({type(err).__name__}: {err})")
            continue
        ann.entities = [Entity(s, e, lab, t) for s, e, lab, t in spans]
        found = validate(ann, original, sections=bool(ann.sections))
        problems += found
        if not found:
            ann.entities = [Entity(e.start, e.end, e.label, original[e.start:e.end])
                            for e in ann.entities]
            docs.append(ann)
    return docs, problems


def _first_difference(a, b: str) -> str:
    if not isinstance(a, str):
        return "no text" if a is None else f"text is {type(a).__name__}"
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"first at character {i}; {len(a)} characters against {len(b)}"


def from_doccano(records: list[dict], texts: dict[str, str]) -> list[DocAnnotation]:
    """The annotations of the records; ValueError with one line per problem if any."""
    docs, problems = check_records(records, texts)
    if problems:
        raise ValueError("\n".join(problems))
    return docs


def write_doccano(path: str | Path, docs: list[DocAnnotation], texts: dict[str, str]) -> None:
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                    for r in to_doccano(docs, texts)))


def load_records(path: str | Path) -> list:
    """doccano JSONL (one record a line) or a JSON array (Label Studio's export); a line
    that is not JSON is a ValueError naming it."""
    with open(path, encoding="utf-8") as f:
        content = f.read()
    if content.lstrip().startswith("["):
        try:
            records = json.loads(content)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not a JSON array ({err})") from None
        return records
    records = []
    for lineno, line in enumerate(content.splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{lineno}: not JSON ({err})") from None
    return records


def read_doccano(path: str | Path, texts: dict[str, str]) -> list[DocAnnotation]:
    return from_doccano(load_records(path), texts)

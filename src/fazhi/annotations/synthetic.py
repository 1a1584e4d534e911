"""The written training corpus: report passages composed by the team, never evaluated on.

Each passage is written and annotated in one file of review markup
(`annotations/synthetic/<id>.marked.txt`: entities, sections, headings and indicator
subjects, see `fazhi.annotations.markup`) with its metadata beside it (`<id>.meta.json`:
the unit, level, province, year and script it imitates). `build` turns them into what the
rest of the project reads:

- `corpus/synthetic/<id>.txt` and `corpus/synthetic/index.csv` (the corpus index columns
  plus `province`, `level` and `origin = synthetic`);
- `annotations/synthetic/gold.jsonl` (the gold format of `annotations/gold.jsonl`);
- `annotations/synthetic/subjects.jsonl` (the row format of
  `annotations/indicator_subjects.jsonl`).

`check` is what a writer runs on a passage before handing it in: markup, span rules,
section coverage, size, metadata, subject links, and the leakage guard — no run of
`LEAK_RUN` characters shared with a real corpus report or with another passage.
"""

from __future__ import annotations

import bisect
import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from fazhi.annotations.markup import MarkupError, parse
from fazhi.annotations.schema import DocAnnotation, write_jsonl
from fazhi.annotations.validate import validate
from fazhi.text import CLAUSE_BREAKS, SENTENCE_ENDS

MARKED_DIR = Path("annotations/synthetic")
CORPUS_DIR = Path("corpus/synthetic")
LEAK_RUN = 25
MIN_CHARS, MAX_CHARS = 1500, 5000
LEVELS = (
    "province", "autonomous_region", "municipality",
    "prefecture_city", "autonomous_prefecture", "league",
    "county", "county_city", "district", "banner",
    "province_department", "city_department", "county_department",
    "development_zone", "township", "street",
)
SCRIPTS = ("simplified", "traditional")
META_FIELDS = ("unit", "level", "province", "year", "script")
INDEX_COLUMNS = ("doc_id", "unit", "unit_type", "year", "script", "file", "notes",
                 "province", "level", "origin")
_SENTENCE_END = re.compile("[" + re.escape("".join(sorted(SENTENCE_ENDS))) + "\n]")


@dataclass
class Passage:
    doc_id: str
    text: str
    gold: DocAnnotation
    meta: dict
    subjects: list[dict]


def _simplified(text: str) -> str:
    from fazhi.normalize import _t2s

    return _t2s().convert(text)


# Between a subject and a count of another clause; 、 too, as it separates the counts of a
# list (建议176件、{S}提案{/S}203件).
_LINK_BREAKS = CLAUSE_BREAKS | frozenset("、")


def _crosses_clause(gap: str) -> bool:
    return any(c in _LINK_BREAKS for c in gap)


def link_subjects(doc_id: str, text: str, gold: DocAnnotation) -> tuple[list[dict], list[str]]:
    """One row per INDICATOR: its subject span, or null. A subject belongs to an INDICATOR
    of its sentence: one in its own clause (no comma, colon or 、 in the gap) before one
    across a clause break (`…3000项，{S}好评率{/S}达99%`: the rate's subject, not the count's),
    then the nearest (by the gap between the spans), then the earlier one."""
    indicators = sorted(e for e in gold.entities if e.label == "INDICATOR")
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text) + 1]

    def sentence(pos: int) -> int:
        return bisect.bisect_right(bounds, pos) - 1

    chosen: dict[tuple[int, int], tuple[int, int]] = {}
    problems = []
    for s, e in gold.subjects:
        sent = sentence(s)
        candidates = [
            ((_crosses_clause(text[min(e, ind.end):max(s, ind.start)]),
              max(ind.start - e, s - ind.end, 0)), ind) for ind in indicators
            if sentence(ind.start) == sent and not (ind.start < e and s < ind.end)
        ]
        if not candidates:
            problems.append(f"{doc_id} {s}-{e}: subject {text[s:e]!r} has no INDICATOR "
                            "in its sentence")
            continue
        _, ind = min(candidates, key=lambda c: (c[0], c[1].start))
        key = (ind.start, ind.end)
        if key in chosen:
            problems.append(f"{doc_id} {s}-{e}: second subject {text[s:e]!r} for INDICATOR "
                            f"{ind.text!r} at {ind.start}")
            continue
        chosen[key] = (s, e)
    rows = []
    for ind in indicators:
        subj = chosen.get((ind.start, ind.end))
        rows.append({
            "doc_id": doc_id, "start": ind.start, "end": ind.end, "text": ind.text,
            "subject_start": subj[0] if subj else None, "subject_end": subj[1] if subj else None,
            "subject": text[subj[0]:subj[1]] if subj else None,
        })
    return rows, problems


def read_passage(marked_path: Path) -> tuple[Passage | None, list[str]]:
    doc_id = marked_path.name.removesuffix(".marked.txt")
    problems = []
    try:
        text, gold = parse(marked_path.read_text(encoding="utf-8"), doc_id)
    except MarkupError as err:
        return None, [f"{marked_path}: {err}"]
    meta_path = marked_path.with_name(f"{doc_id}.meta.json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        return None, [f"{meta_path}: {err}"]
    for key in META_FIELDS:
        if key not in meta:
            problems.append(f"{meta_path}: no {key!r}")
    if meta.get("level") not in LEVELS:
        problems.append(f"{meta_path}: level {meta.get('level')!r} is not one of {LEVELS}")
    if meta.get("script") not in SCRIPTS:
        problems.append(f"{meta_path}: script {meta.get('script')!r} is not one of {SCRIPTS}")
    if not isinstance(meta.get("year"), int) or not 2015 <= meta["year"] <= 2025:
        problems.append(f"{meta_path}: year must be an integer 2015-2025")
    subjects, subject_problems = link_subjects(doc_id, text, gold)
    problems += subject_problems
    return Passage(doc_id, text, gold, meta, subjects), problems


def _runs(text: str, n: int = LEAK_RUN) -> set[str]:
    return {text[i:i + n] for i in range(len(text) - n + 1)}


def shared_run(text: str, other_runs: set[str], n: int = LEAK_RUN) -> str | None:
    """The first run of n characters of `text` that also occurs in `other_runs`."""
    return next((text[i:i + n] for i in range(len(text) - n + 1) if text[i:i + n] in other_runs),
                None)


def leakage(passages: list[Passage], real_texts: dict[str, str]) -> list[str]:
    """Runs of LEAK_RUN characters (compared in simplified script) shared with a real report
    or with another passage."""
    problems = []
    real = {doc_id: _runs(_simplified(t)) for doc_id, t in real_texts.items()}
    simple = {p.doc_id: _simplified(p.text) for p in passages}
    runs = {doc_id: _runs(t) for doc_id, t in simple.items()}
    for p in passages:
        for doc_id, r in real.items():
            hit = shared_run(simple[p.doc_id], r)
            if hit:
                problems.append(f"{p.doc_id}: shares {hit!r} with real report {doc_id}")
    ids = sorted(runs)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            hit = shared_run(simple[a], runs[b])
            if hit:
                problems.append(f"{a}: shares {hit!r} with passage {b}")
    return problems


def check(passage: Passage) -> list[str]:
    problems = validate(passage.gold, passage.text)
    n = len(passage.text)
    if not MIN_CHARS <= n <= MAX_CHARS:
        problems.append(f"{passage.doc_id}: {n} characters, not {MIN_CHARS}-{MAX_CHARS}")
    from fazhi.normalize import is_traditional

    written = "traditional" if is_traditional(passage.text) else "simplified"
    if passage.meta.get("script") in SCRIPTS and written != passage.meta["script"]:
        problems.append(f"{passage.doc_id}: meta says {passage.meta['script']}, "
                        f"the text reads as {written}")
    return problems


def read_all(marked_dir: Path = MARKED_DIR) -> tuple[list[Passage], list[str]]:
    passages, problems = [], []
    for path in sorted(marked_dir.glob("*.marked.txt")):
        p, probs = read_passage(path)
        problems += probs
        if p is not None:
            problems += check(p)
            passages.append(p)
    return passages, problems


def summary(passages: list[Passage]) -> str:
    labels = Counter(e.label for p in passages for e in p.gold.entities)
    chars = sum(len(p.text) for p in passages)
    subj = sum(r["subject"] is not None for p in passages for r in p.subjects)
    return (f"{len(passages)} passages, {chars} characters, "
            f"{sum(labels.values())} entities {dict(sorted(labels.items()))}, "
            f"{sum(len(p.gold.sections) for p in passages)} sections, "
            f"{subj} indicator subjects")


def build(passages: list[Passage], corpus_dir: Path = CORPUS_DIR,
          marked_dir: Path = MARKED_DIR) -> None:
    from fazhi.io import atomic_write_text

    corpus_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for p in passages:
        atomic_write_text(corpus_dir / f"{p.doc_id}.txt", p.text)
        m = p.meta
        rows.append({
            "doc_id": p.doc_id, "unit": m["unit"], "unit_type": m["level"], "year": m["year"],
            "script": m["script"], "file": f"{p.doc_id}.txt", "notes": m.get("notes", ""),
            "province": m["province"], "level": m["level"], "origin": "synthetic",
        })
    tmp = corpus_dir / "index.csv.tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=INDEX_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    tmp.replace(corpus_dir / "index.csv")
    write_jsonl(marked_dir / "gold.jsonl", [p.gold for p in passages])
    atomic_write_text(
        marked_dir / "subjects.jsonl",
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for p in passages for r in p.subjects),
    )


def to_traditional(marked_path: Path) -> None:
    """Rewrite a marked passage in traditional script (OpenCC s2t; the markup is ASCII)."""
    import opencc

    from fazhi.io import atomic_write_text

    text = marked_path.read_text(encoding="utf-8")
    atomic_write_text(marked_path, opencc.OpenCC("s2t").convert(text))


def main(argv: list[str] | None = None) -> int:
    """`python -m fazhi.annotations.synthetic check [ID…] | build | traditional ID`."""
    import argparse
    import sys

    from fazhi.corpus import load_texts

    ap = argparse.ArgumentParser(prog="python -m fazhi.annotations.synthetic")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("check", help="check passages (all, or those named)")
    sp.add_argument("ids", nargs="*")
    sub.add_parser("build", help="write corpus/synthetic and the synthetic gold")
    sp = sub.add_parser("traditional", help="convert a marked passage to traditional script")
    sp.add_argument("id")
    args = ap.parse_args(argv)

    if args.cmd == "traditional":
        to_traditional(MARKED_DIR / f"{args.id}.marked.txt")
        return 0
    passages, problems = read_all()
    real = load_texts("corpus")
    problems += leakage(passages, real)
    if args.cmd == "check" and args.ids:
        problems = [p for p in problems if any(i in p for i in args.ids)]
        passages = [p for p in passages if p.doc_id in args.ids]
    for line in problems:
        print(line)
    print(summary(passages), file=sys.stderr)
    print(f"{len(problems)} problem(s)", file=sys.stderr)
    if args.cmd == "build" and not problems:
        build(passages)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env bash
# Inter-annotator agreement: first pass (000, 002) against the independent second pass
# (000B, 002B) over the stretch both annotated: all of 000 and characters 0-1149 of 002.
set -euo pipefail
cd "$(dirname "$0")/../.."
W=annotations/work
tmp=$(mktemp -d)
PYTHONPATH=src .venv/bin/python - "$tmp" <<'PY'
import sys
from fazhi.annotations.markup import parse
from fazhi.annotations.schema import write_jsonl
from fazhi.corpus import load_texts

out, texts = sys.argv[1], load_texts()
for name, doc_ids in (("a", ("000", "002")), ("b", ("000B", "002B"))):
    docs = []
    for key in doc_ids:
        doc_id = next(d for d in texts if d.startswith(key[:3]))
        marked = open(f"annotations/work/{key}.marked.txt", encoding="utf-8").read()
        docs.append(parse(marked, doc_id, original=texts[doc_id])[1])
    write_jsonl(f"{out}/{name}.jsonl", docs)
PY
.venv/bin/fazhi annotations agree "$tmp/a.jsonl" "$tmp/b.jsonl" --range 002_5ec25145ee5b4dd1:0-1149
rm -rf "$tmp"

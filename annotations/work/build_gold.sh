#!/usr/bin/env bash
# Rebuilds annotations/gold.jsonl from the first-pass markup and the adjudication.
# The gold in git is the product; this script documents how it came to be.
set -euo pipefail
cd "$(dirname "$0")/../.."
FAZHI=${FAZHI:-.venv/bin/fazhi}
W=annotations/work
rm -f annotations/gold.jsonl
$FAZHI annotations import-markup 000_54d204fc9b6b9db1 $W/000.marked.txt
$FAZHI annotations import-markup 001_f2579a8514619169 $W/001.marked.txt
$FAZHI annotations import-markup 002_5ec25145ee5b4dd1 $W/002.marked.txt
# 004 was marked up in three chunks, each starting at a section boundary.
tmp=$(mktemp)
cat $W/004a.marked.txt $W/004b.marked.txt $W/004c.marked.txt > "$tmp"
$FAZHI annotations import-markup 004_3215153b317be95f "$tmp"
rm -f "$tmp"
PYTHONPATH=src .venv/bin/python $W/adjudicate.py
$FAZHI annotations validate

"""Adjudication of the first-pass annotations (annotations/work/*.marked.txt) into the gold.

Each edit below is a decision taken by reading the passage (recorded with its rule in
annotations/GUIDELINES.md); the two mechanical sweeps at the end apply decided rules to
every span they concern and print what they changed. Run by build_gold.sh.
"""

import sys

from fazhi.annotations.schema import Entity, Section, read_jsonl, write_jsonl
from fazhi.corpus import load_texts

GOLD = "annotations/gold.jsonl"
texts = load_texts()
docs = {d.doc_id[:3]: d for d in read_jsonl(GOLD)}


def text_of(doc):
    return texts[docs[doc].doc_id]


def find(doc, start, surface):
    t = text_of(doc)
    assert t[start:start + len(surface)] == surface, (doc, start, surface, t[start:start + 20])
    return start, start + len(surface)


def remove(doc, start, surface, label):
    s, e = find(doc, start, surface)
    before = len(docs[doc].entities)
    docs[doc].entities = [x for x in docs[doc].entities if not (x.start == s and x.end == e
                                                                 and x.label == label)]
    assert len(docs[doc].entities) == before - 1, (doc, start, surface)


def add(doc, start, surface, label):
    s, e = find(doc, start, surface)
    clash = [x for x in docs[doc].entities if x.start < e and s < x.end]
    assert not clash, (doc, surface, clash)
    docs[doc].entities.append(Entity(s, e, label, surface))


def replace(doc, start, surface, label, new_start, new_surface):
    remove(doc, start, surface, label)
    add(doc, new_start, new_surface, label)


# 000 — the report's own title is the document itself, not a reference to one.
remove("000", 0, "北京市2022年法治政府建设年度情况报告", "REGULATION")
# 健全接诉即办诉求分类处理等配套制度: the named mechanism is 接诉即办; 配套制度 is generic.
replace("000", 663, "接诉即办诉求分类处理", "MEASURE", 663, "接诉即办")
# 全面落实重大行政决策程序: a generic procedure, not a named measure (as in 001 规范重大行政决策程序).
remove("000", 2251, "重大行政决策程序", "MEASURE")

# 001 — counts are indicators even when they sum up a list just given (as 3个区 in 000).
t = text_of("001")
add("001", t.index("四个领域"), "四个", "INDICATOR")
# 简政放权 is the named reform (the 放 of 放管服), tagged so in 004.
add("001", t.index("简政放权力度"), "简政放权", "MEASURE")

# 002 — 完成…等领域执法改革 names no reform; a generic activity.
remove("002", 1050, "執法改革", "MEASURE")

# 004 — bodies, not kinds of oversight: 接受人大、政协监督, 人大监督、政协支持, 政协提案.
t = text_of("004")
for pos, s in [(13705, "人大"), (13708, "政协"), (13736, "人大"), (13748, "政协"),
               (13768, "政协"), (16677, "人大"), (16682, "政协")]:
    add("004", pos, s, "ORG")
add("004", 7415, "区政务服务中心", "ORG")  # counted, but still the one centre
add("004", 17373, "公共法律服务体系", "MEASURE")  # tagged so elsewhere in the same report
add("004", 17429, "公共法律服务体系", "MEASURE")
add("004", 8724, "居民议事厅", "MEASURE")
add("004", 8732, "网上议事厅", "MEASURE")
add("004", 8738, "移动议事厅", "MEASURE")
# The service pledges are tagged where 004 first lists them (7708…); the repeat is the same.
for pos, s in [(18433, "“掌上可办”"), (18449, "“最多跑一次”"), (18457, "“一次不用跑”")]:
    add("004", pos, s, "MEASURE")
# Heading of thematic report (四): same span as its contents line.
replace("004", 25612, "“法治物业”", "MEASURE", 25612, "“法治物业”的朝阳模式")
# 最快 is a bound word touching the number, like 近 or 以上.
for pos, s in [(7077, "20分钟"), (7091, "45分钟"), (7117, "8个工作日")]:
    replace("004", pos, s, "INDICATOR", pos - 2, "最快" + s)

# 区政府法律顾问 are people in a post (the advisers), like 市政府主要负责同志: nothing tagged.
remove("004", 10665, "区政府", "ORG")
remove("004", 11790, "区政府", "ORG")

# Ranks are ordinals (the specification excludes 第一 and the like), however they read.
remove("004", 17952, "第78位", "INDICATOR")
remove("004", 17965, "第31位", "INDICATOR")

# Sweep 1: quotation marks that wrap a whole MEASURE or ORG name belong to it.
for key, d in docs.items():
    t = text_of(key)
    fixed = []
    for x in d.entities:
        if x.label in ("MEASURE", "ORG") and x.start > 0 and t[x.start - 1] == "“" \
                and t[x.end:x.end + 1] == "”":
            x = Entity(x.start - 1, x.end + 1, x.label, t[x.start - 1:x.end + 1])
            print(f"quotes in: {key} {x.text}", file=sys.stderr)
        fixed.append(x)
    d.entities = fixed

# Sweep 2: a dash bullet's heading starts at its dash, as 一是 and (一) headings start at
# their numbering (the 004 chunks disagreed).
for key, d in docs.items():
    t = text_of(key)
    for k, sec in enumerate(d.sections):
        if sec.heading and sec.heading[0] == sec.start + 2 and t[sec.start:sec.start + 2] == "——":
            d.sections[k] = Section(sec.start, sec.end, sec.part, sec.topic,
                                    (sec.start, sec.heading[1]))
            print(f"dash into heading: {key} {t[sec.start:sec.heading[1]]}", file=sys.stderr)

write_jsonl(GOLD, sorted(docs.values(), key=lambda d: d.doc_id))

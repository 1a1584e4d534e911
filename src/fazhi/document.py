"""Who reported and when: the issuing unit and the report year of a report, from its title,
dateline and opening sentence.

    {"unit": {"text", "start", "end", "normalized", "name", "level", "province"} | None,
     "year": {"text", "start", "end", "normalized", "value"} | None,
     "reason": {"unit": str | None, "year": str | None}}

`text`/`start`/`end` are the words as written in the report (original offsets, traditional
script stays traditional), `normalized` their simplified form; `name` is the unit's full
name resolved against China's administrative divisions (杭州市 in a title → 杭州市人民政府,
黔东南州 → 黔东南苗族侗族自治州人民政府, 蜀山区 → 合肥市蜀山区人民政府), `level` one of
LEVELS and `province` its province-level unit. A field that cannot be found is None and its
reason says why; the other field is still given.

Where they are looked for, in order:
- the title line (the first line of the head that names 法治政府 or 依法行政 and 报告 or
  白皮书): the unit before 关于 or before the year, the year inside it;
- the opening sentence (`2024年,延庆区深入学习…`, `今年以来,浙江省司法厅在…`);
- for the year only, a dateline or a web page's publication date (`发布时间:2021-02-03`,
  `2022年1月26日` on a line of its own): reports are published the year after, so the year
  before it.

The places come from `fazhi.places` when the model is packaged and are saved with the
pipeline's `document` component, so tagging needs no data package.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from fazhi.places import province_short, short_form

LEVELS = (
    "province", "autonomous_region", "municipality", "prefecture_city",
    "autonomous_prefecture", "league", "county", "county_city", "district", "banner",
    "township", "street", "development_zone", "province_department", "city_department",
    "county_department",
)
MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
HEAD_CHARS = 600  # the title, dateline and opening sentence lie in the first lines
_YEAR_DIGITS = r"(?:(?:19|20)\d\d|[一二][〇零○九][〇零○一二三四五六七八九]{2})"  # 2022, 二〇二二
_YEAR = re.compile(rf"({_YEAR_DIGITS})\s*年")
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0"}


def _year_value(written: str) -> int:
    """2022 from 2022 or 二〇二二."""
    return int("".join(_CN_DIGITS.get(c, c) for c in written))
_PUBLISHED = re.compile(r"(?:发布时间|发布日期|日期|时间)\s*[:：]?\s*((?:19|20)\d\d)[-./年]\s*\d{1,2}")
_DATELINE = re.compile(r"^\s*[(（]?\s*((?:19|20)\d\d)\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?\s*[)）]?\s*$",
                       re.MULTILINE)
_TITLE_WORDS = re.compile(r"(?:法治政府|依法行政).*?(?:报告|白皮书)(?:[(（](?:19|20)\d\d[)）])?")
_ZONE = re.compile(r"(?P<zone>[\u4e00-\u9fff]{2,16}?(?:经济技术开发区|高新技术产业开发区|高新区|"
                   r"开发区|工业园区|新区|保税区|自贸区))(?P<body>管理委员会|管委会)?")
_GOVERNMENT = re.compile(r"^(?:人民政府|政府|行政公署|街道办事处|办事处|管理委员会|管委会)?$")
_DEPARTMENT = re.compile(r"^[\u4e00-\u9fff]{1,20}(?:厅|局|委员会|委|办公室|办|中心|院)$")
_TOWNSHIP = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:镇|乡|街道)")
_LEAD = re.compile(r"^(?:\d{1,3}[、.．]\s*|关于\s*)+")


@dataclass(frozen=True)
class Place:
    name: str
    level: str  # province, prefecture, county, township (fazhi.places.LEVELS)
    province: str
    parent: str


class PlaceTable:
    """Provinces, prefectures and counties by full name and by the short forms reports use
    (黔东南州, 延边州, 广西, 内蒙古)."""

    def __init__(self, places):
        self.places = [Place(*p) for p in places]
        self.by_name: dict[str, list[Place]] = {}
        for p in self.places:
            for name in {p.name, *self._aliases(p)}:
                self.by_name.setdefault(name, []).append(p)
        self.names = sorted(self.by_name, key=len, reverse=True)
        self.by_start: dict[str, list[str]] = {}
        for name in self.names:
            if len(name) >= 2:
                self.by_start.setdefault(name[:2], []).append(name)

    @staticmethod
    def _aliases(p: Place) -> set[str]:
        out = set()
        if p.level == "province" and len(short := province_short(p.name)) >= 2:
            out.add(short)
        if p.level in ("prefecture", "county") and (short := short_form(p.name)):
            out.add(short)
        return out

    @classmethod
    def from_data_packages(cls) -> PlaceTable:
        from fazhi.places import load_places

        return cls([(p.name, p.level, p.province, p.parent) for p in load_places()])

    def to_disk(self, path: Path) -> None:
        from fazhi.io import atomic_write_text

        rows = [[p.name, p.level, p.province, p.parent] for p in self.places]
        atomic_write_text(path, json.dumps(rows, ensure_ascii=False))

    @classmethod
    def from_disk(cls, path: Path) -> PlaceTable:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def match(self, text: str, i: int) -> str | None:
        for name in self.by_start.get(text[i:i + 2], ()):
            if text.startswith(name, i):
                return name
        return None

    def chain(self, text: str) -> tuple[list[tuple[str, int, int]], int]:
        """The consecutive place names at the start of `text` (浙江省杭州市桐庐县) and where
        they end."""
        out, i = [], 0
        while (name := self.match(text, i)) is not None:
            out.append((name, i, i + len(name)))
            i += len(name)
        return out, i


def _province_place(table: PlaceTable, province: str) -> Place | None:
    return next((p for p in table.by_name.get(province, ()) if p.level == "province"), None)


def _resolve(table: PlaceTable, chain: list[str], text: str) -> Place | None:
    """The place the last name of the chain names, the earlier names (and, when still
    ambiguous, the places the whole report mentions most) deciding between namesakes."""
    options = table.by_name.get(chain[-1], [])
    if len(chain) > 1:
        above = set()
        for name in chain[:-1]:
            for p in table.by_name.get(name, ()):
                above |= {p.name, p.province}
        narrowed = [p for p in options if p.parent in above or p.province in above]
        options = narrowed or options
    options = [p for p in options if p.province != "台湾省"] or options
    if len({(p.name, p.province, _parent(p)) for p in options}) <= 1:
        return options[0] if options else None

    def mentions(p: Place) -> int:
        return sum(text.count(n) for n in {p.province, province_short(p.province), _parent(p)} if n)

    return max(options, key=mentions)


def _parent(p: Place) -> str:
    """A county's prefecture, or its province-level unit where the data say 市辖区/县."""
    if p.parent in ("", "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        return p.province
    return p.parent


def _government_level(p: Place) -> str:
    if p.level == "province":
        if p.name in MUNICIPALITIES:
            return "municipality"
        return "autonomous_region" if p.name.endswith("自治区") else "province"
    if p.level == "prefecture":
        if p.name.endswith("盟"):
            return "league"
        return "autonomous_prefecture" if p.name.endswith("州") else "prefecture_city"
    if p.name.endswith("区"):
        return "district"
    if p.name.endswith("旗"):
        return "banner"
    return "county_city" if p.name.endswith("市") else "county"


def _qualified(p: Place, table: PlaceTable | None = None) -> str:
    """The name the reports' own metadata give a place: a district with its city (districts
    share names across cities), a township or street with its county, any other alone."""
    if p.level == "county" and p.name.endswith("区"):
        return _parent(p) + p.name
    if p.level == "township" and table is not None:
        county = next((c for c in table.by_name.get(p.parent, ()) if c.level == "county"
                       and c.province == p.province), None)
        return (_qualified(county) if county else p.parent) + p.name
    return p.name


def _department_level(p: Place) -> str:
    if p.level == "province" and p.name not in MUNICIPALITIES:
        return "province_department"
    return "city_department" if p.level in ("province", "prefecture") else "county_department"


def resolve_unit(words: str, table: PlaceTable, text: str) -> dict | None:
    """name, level and province of a unit as the report writes it (simplified), or None."""
    words = re.sub(r"\s+", "", words)
    prefix = ""
    if words.startswith("国家税务总局"):  # a vertically managed bureau: 国家税务总局宁波市税务局
        prefix, words = "国家税务总局", words[len("国家税务总局"):]
    zone = _ZONE.match(words)
    if zone and table.match(words, 0) != words[:zone.end("zone")]:
        chain, _ = table.chain(words)
        place = _resolve(table, [n for n, _, _ in chain], text) if chain else None
        if place is None:
            place = _place_named_in(table, zone.group("zone"), text)
        return {"name": zone.group("zone").replace("高新区", "高新技术产业开发区") + "管理委员会",
                "level": "development_zone", "province": place.province if place else None}
    chain, end = table.chain(words)
    if not chain:
        return None
    place = _resolve(table, [n for n, _, _ in chain], text)
    if place is None:
        return None
    rest = words[end:]
    if place.level == "township" and re.match(r"^(?:人民政府|政府|办事处)?$", rest):
        street = place.name.endswith("街道")
        return {"name": _qualified(place, table) + ("办事处" if street else "人民政府"),
                "level": "street" if street else "township", "province": place.province}
    town = _TOWNSHIP.match(rest)
    if town and place.level == "county":
        street = town.group().endswith("街道")
        return {"name": _qualified(place) + town.group() + ("办事处" if street else "人民政府"),
                "level": "street" if street else "township", "province": place.province}
    if _GOVERNMENT.match(rest):
        level = _government_level(place)
        body = "行政公署" if level == "league" else "人民政府"
        return {"name": _qualified(place) + body, "level": level, "province": place.province}
    if _DEPARTMENT.match(rest):
        return {"name": prefix + _qualified(place) + rest, "level": _department_level(place),
                "province": place.province}
    return None


def _place_named_in(table: PlaceTable, words: str, text: str) -> Place | None:
    """The first place a zone's name starts with, written in full or without 市
    (苏州工业园区, 西安高新区)."""
    for i in range(len(words)):
        if name := table.match(words, i):
            return _resolve(table, [name], text)
        for k in (2, 3):
            if table.by_name.get(words[i:i + k] + "市"):
                return _resolve(table, [words[i:i + k] + "市"], text)
    return None


def _title_line(norm_text: str) -> tuple[int, int] | None:
    """The title: the first line of the head that names the report, up to its 报告 or
    白皮书 (a converted document can run the title into the text on one line)."""
    pos = 0
    for line in norm_text[:HEAD_CHARS].splitlines(keepends=True):
        m = _TITLE_WORDS.search(line)
        if m and m.end() <= 80:
            return pos, pos + m.end()
        pos += len(line)
    return None


def _span(norm, a: int, b: int) -> dict:
    from fazhi.pipeline.values import surface

    oa, ob = norm.to_original(a, b)
    written = norm.original[oa:ob]
    return {"text": written, "start": oa, "end": ob, "normalized": surface(written)}


# Where the unit is written: before 关于 or the year in a title, after the year in a title
# that starts with it (2020年朝阳区法治政府建设白皮书), or as the opening sentence's subject.
_UNIT_IN_TITLE = re.compile(rf"(?P<unit>[^\d\s一二〇].*?)(?:关于|{_YEAR_DIGITS}\s*年|法治政府|依法行政)")
_UNIT_AFTER_YEAR = re.compile(rf"{_YEAR_DIGITS}\s*年度?(?P<unit>.+?)(?:法治政府|依法行政)")
_OPENING = re.compile(r"(?:(?:19|20)\d\d\s*年|今年以来|一年来|过去一年)\s*[,，]\s*(?P<unit>[^,，。]{2,30}?)"
                      r"(?:在|坚持|深入|全面|以|认真|按照|围绕|立足|紧紧|始终|聚焦|扎实|持续|紧扣|忠实|坚决)")


def extract(norm, table: PlaceTable | None) -> dict:
    """The document record of a report from its normalisation (fazhi.normalize.Normalized)."""
    text = norm.text
    head = text[:HEAD_CHARS]
    title = _title_line(text)
    reason = {"unit": None, "year": None}

    year = None
    if title:
        if m := _YEAR.search(text, *title):
            year = (m.start(), m.end(), _year_value(m.group(1)))
        elif m := re.search(r"[(（]((?:19|20)\d\d)[)）]", text[title[0]:title[1]]):
            year = (title[0] + m.start(1), title[0] + m.end(1), int(m.group(1)))
    if year is None and (m := re.search(r"^\s*((?:19|20)\d\d)\s*年\s*(?:是|[,，])", head,
                                        re.MULTILINE)):
        year = (m.start(1), m.end(), int(m.group(1)))
    if year is None and (m := _PUBLISHED.search(head) or _DATELINE.search(head)):
        year = (m.start(1), m.end(1), int(m.group(1)) - 1)  # published the year after
    if year is None:
        reason["year"] = "no year in the title, the opening sentence or a dateline"

    unit = None
    candidates = []
    if title:
        line = text[title[0]:title[1]]
        lead = _LEAD.match(line)
        skip = lead.end() if lead else 0
        for rx in (_UNIT_AFTER_YEAR, _UNIT_IN_TITLE):
            if m := rx.match(line, skip):
                candidates.append((title[0] + m.start("unit"), title[0] + m.end("unit")))
                break
    for m in _OPENING.finditer(head):
        candidates.append((m.start("unit"), m.end("unit")))
        break
    if table is None:
        reason["unit"] = "no place data in the pipeline (package it with the data packages)"
    else:
        for a, b in candidates:
            resolved = resolve_unit(text[a:b], table, text)
            if resolved:
                unit = {**_span(norm, a, b), **resolved}
                break
        if unit is None:
            reason["unit"] = ("the title and the opening sentence name no unit that resolves "
                              "to a place" + (f" ({text[candidates[0][0]:candidates[0][1]]})"
                                              if candidates else ""))
    return {
        "unit": unit,
        "year": {**_span(norm, year[0], year[1]), "value": year[2]} if year else None,
        "reason": reason,
    }


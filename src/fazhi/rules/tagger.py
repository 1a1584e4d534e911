"""The rules tagger: gazetteers fitted on training reports, the general patterns, and the
resolution of overlapping candidates."""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from fazhi.data import CharSpan, GoldReport
from fazhi.measures import known_measures as known_measure_names
from fazhi.rules.common import (
    GAZETTEER,
    LABEL_PRIORITY,
    MIN_PRECISION,
    PATTERN,
    QUOTED,
    enclosed_mask,
)
from fazhi.rules.measures import (
    BASE_HEADS,
    MIN_LEARNED_HEAD,
    bare_quotes,
    fielded_quotes,
    hotlines,
    known_measures,
    practised_quotes,
    quote_tails,
    quoted_measures,
    verb_led_measures,
)
from fazhi.rules.numbers import BASE_UNITS, indicators, learn_unit
from fazhi.rules.orgs import (
    BASE_PLACES,
    LEVELS,
    NOT_IN_PLACE,
    PlaceIndex,
    central_bodies,
    org_allowed,
    org_names,
    short_places,
    text_places,
    vertical_bodies,
    zone_names,
)
from fazhi.rules.regulations import (
    REGULATION_VERBS,
    back_references,
    bracketed_titles,
    known_law_titles,
    law_word_ok,
    place_led_titles,
    verb_led_titles,
)
from fazhi.text import (
    CJK,
    is_cjk,
)


def resolve(candidates: list[tuple[int, int, str, int]]) -> list[CharSpan]:
    """Non-overlapping spans: longer first, then learned before generic, then label priority."""
    order = sorted(set(candidates), key=lambda c: (
        -(c[1] - c[0]), c[3], LABEL_PRIORITY.index(c[2]), c[0]))
    taken: list[tuple[int, int]] = []  # sorted, disjoint
    kept = []
    for s, e, label, _ in order:
        i = bisect.bisect_right(taken, (s, float("inf")))
        if i and taken[i - 1][1] > s:
            continue
        if i < len(taken) and taken[i][0] < e:
            continue
        taken.insert(i, (s, e))
        kept.append((s, e, label))
    return sorted(kept)


class RuleTagger:
    """`national_places`: anchor organisation names on every place of China's administrative
    divisions (`fazhi.places`, taken at `fit` and saved with the tagger), not only on the
    places the training reports name."""

    def __init__(self, min_precision: float = MIN_PRECISION, national_places: bool = False):
        self.min_precision = min_precision
        self.national_places = national_places
        self.gazetteer: dict[str, str] = {}  # surface -> label
        self.units: list[str] = list(BASE_UNITS)
        self.places: list[str] = list(BASE_PLACES)
        self.atlas: list[str] = []  # the national place names, when national_places
        self.heads: list[str] = list(BASE_HEADS)
        self.quote_endings: list[str] = []
        self.quote_heads: list[str] = []
        self.measures: list[str] = list(known_measure_names())  # the nationwide ones kept
        self._index: dict[str, list[str]] | None = None
        self._places: PlaceIndex | None = None
        self._shorts: frozenset[str] | None = None
        self._measures: PlaceIndex | None = None

    # learning

    def fit(self, examples: list[GoldReport]) -> RuleTagger:
        """Gazetteers, units, place names and head nouns (also those ending a noun phrase after a
        quoted name: 「一窗」综合受理) from these examples only.

        A learned unit or head noun is kept when the pattern using it alone is right often
        enough on the training text, and a gazetteer surface when it is tagged often enough
        where it occurs: 决定 or 信用监管 taken everywhere would cost more than they bring.
        """
        tagged: dict[str, Counter] = defaultdict(Counter)
        units, places, heads, endings = Counter(), Counter(), Counter(), Counter()
        tails = Counter()
        for ex in examples:
            for s, e, label in ex.entities:
                surface = ex.text[s:e]
                tagged[surface][label] += 1
                if label == "INDICATOR" and (unit := learn_unit(surface)):
                    units[unit] += 1
                place = re.match(rf"[{CJK}]{{2,3}}?[{LEVELS}]", surface)
                if label == "ORG" and place and place.end() < len(surface) \
                        and not set(place.group()[:-1]) & NOT_IN_PLACE:
                    places[place.group()] += 1
                if label == "MEASURE" and all(is_cjk(c) for c in surface[-2:]):
                    heads[surface[-2:]] += 1
                if label == "MEASURE" and re.fullmatch(QUOTED, surface):
                    endings[surface[-2]] += 1
                if label == "MEASURE" and (q := re.match(rf"(?:{QUOTED})+", surface)) \
                        and len(surface) - q.end() >= 2:
                    tails[surface[-2:]] += 1
        self.units = sorted(set(BASE_UNITS) | {
            u for u in units if u in BASE_UNITS or self._precise(
                examples, "INDICATOR", lambda t, u=u: indicators(t, [u], extras=False))})
        self.heads = sorted(set(BASE_HEADS) | {
            h for h, n in heads.items() if n >= MIN_LEARNED_HEAD and self._precise(
                examples, "MEASURE",
                lambda t, h=h: verb_led_measures(t, [h]) + quoted_measures(t, [h]))})
        self.quote_endings = sorted(
            c for c, n in endings.items() if n >= MIN_LEARNED_HEAD - 1 and self._precise(
                examples, "MEASURE", lambda t, c=c: bare_quotes(t, [c])))
        # checked on the quotations the measure patterns themselves find, practised or bare,
        # found once per text rather than once per candidate head
        quotes = {ex.text: practised_quotes(ex.text) + bare_quotes(ex.text, self.quote_endings)
                  for ex in examples}
        self.quote_heads = sorted(
            h for h, n in tails.items() if n >= MIN_LEARNED_HEAD - 1 and self._precise(
                examples, "MEASURE", lambda t, h=h: quote_tails(t, quotes[t], [h])))
        self.places = sorted(set(BASE_PLACES) | set(places))
        if self.national_places:
            from fazhi.places import place_aliases, place_names

            self.atlas = sorted(place_names() | place_aliases())
        self.gazetteer = {}
        for surface, labels in tagged.items():
            label, hits = labels.most_common(1)[0]
            if len(surface) < 2 or label == "INDICATOR":  # numbers are found by the pattern
                continue
            occurrences = sum(_free_occurrences(ex, surface, label) for ex in examples)
            if occurrences and hits / occurrences >= self.min_precision:
                self.gazetteer[surface] = label
        self.measures = self._confirmed_measures(examples)
        self._index = self._places = self._shorts = self._measures = None
        return self

    def _confirmed_measures(self, examples: list[GoldReport]) -> list[str]:
        """The nationwide measure names, less those the training text leaves untagged more
        often than `min_precision` allows (annotators read 法治督察 as an activity)."""
        found, right = Counter(), Counter()
        index = PlaceIndex(known_measure_names())
        for ex in examples:
            for s, e, label, name in known_measures(ex.text, self.heads, index):
                if (s, e, label) in ex.entities:
                    right[name] += 1
                elif any(a <= s and e <= b for a, b, _ in ex.entities):
                    continue  # inside a longer span: resolve() leaves it out anyway
                found[name] += 1
        return [n for n in known_measure_names()
                if not found[n] or right[n] >= self.min_precision * found[n]]

    def _precise(self, examples: list[GoldReport], label: str, pattern) -> bool:
        """Whether `pattern` is right often enough on the training text, not counting what
        it finds inside a longer gold span (resolve() would drop that anyway)."""
        found = right = 0
        for ex in examples:
            gold = {s for s in ex.entities if s[2] == label}
            spans = {s for s in pattern(ex.text) if s in gold or not any(
                a <= s[0] and s[1] <= b for a, b, _ in ex.entities)}
            found += len(spans)
            right += len(spans & gold)
        return found > 0 and right / found >= self.min_precision

    # tagging

    def predict(self, text: str) -> list[CharSpan]:
        """Non-overlapping (start, end, label) spans on normalised text, sorted."""
        cands = [(s, e, lab, GAZETTEER) for s, e, lab in self._gazetteer_matches(text)]
        numbers = indicators(text, self.units)
        # An unbracketed title holds no count: 制定了12项防疫工作制度及2个应急方案 is none.
        pattern = [t for t in verb_led_titles(text)
                   if not any(t[0] <= s and e <= t[1] for s, e, _ in numbers)]
        pattern += bracketed_titles(text) + numbers + bare_quotes(text, self.quote_endings)
        pattern += verb_led_measures(text, self.heads) + quoted_measures(text, self.heads)
        pattern += practised_quotes(text) + fielded_quotes(text, self.heads)
        pattern += [c[:3] for c in known_measures(text, self.heads, self._measure_index())]
        pattern += hotlines(text)
        pattern += quote_tails(text, [c[:3] for c in cands] + pattern, self.quote_heads)
        places = self._place_index(text_places(text) | zone_names(text, self._short_places()))
        orgs, blocked = org_names(text, places)
        central = central_bodies(text)
        pattern += orgs + known_law_titles(text, places) + back_references(text)
        pattern += place_led_titles(text, places) + central + vertical_bodies(central, orgs)
        cands += [(s, e, lab, PATTERN) for s, e, lab in pattern]
        cands = [c for c in cands if c[2] != "ORG" or not any(
            a <= c[0] and c[1] <= b for a, b in blocked)]
        return resolve(cands)

    def _measure_index(self) -> PlaceIndex:
        if self._measures is None:
            self._measures = PlaceIndex(self.measures)
        return self._measures

    def _short_places(self) -> frozenset[str]:
        if self._shorts is None:
            self._shorts = short_places([*self.places, *self.atlas])
        return self._shorts

    def _place_index(self, extra: set[str]) -> PlaceIndex:
        if self._places is None:
            self._places = PlaceIndex([*self.places, *self.atlas])
        return self._places.plus(extra) if extra else self._places

    def _gazetteer_matches(self, text: str) -> list[CharSpan]:
        if self._index is None:
            self._index = defaultdict(list)
            for surface in sorted(self.gazetteer, key=len, reverse=True):
                self._index[surface[:2]].append(surface)
        enclosed = enclosed_mask(text)
        spans = []
        for i in range(len(text) - 1):
            for surface in self._index.get(text[i:i + 2], ()):
                if text.startswith(surface, i):
                    label, end = self.gazetteer[surface], i + len(surface)
                    if _context_ok(text, i, end, label, enclosed):
                        spans.append((i, end, label))
                        break  # longest match at this position
        return spans

    # persistence

    def to_disk(self, path, exclude=()) -> None:
        path = _json_path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"min_precision": self.min_precision, "gazetteer": self.gazetteer,
                "units": self.units, "places": self.places, "heads": self.heads,
                "national_places": self.national_places, "atlas": self.atlas,
                "quote_endings": self.quote_endings, "quote_heads": self.quote_heads,
                "measures": self.measures}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True),
                        encoding="utf-8")

    def from_disk(self, path, exclude=()) -> RuleTagger:
        data = json.loads(_json_path(path).read_text(encoding="utf-8"))
        self.min_precision = data["min_precision"]
        self.gazetteer = data["gazetteer"]
        self.units, self.places, self.heads = data["units"], data["places"], data["heads"]
        self.national_places = data.get("national_places", False)
        self.atlas = data.get("atlas", [])
        self._places = self._shorts = None
        self.quote_endings = data["quote_endings"]
        self.quote_heads = data.get("quote_heads", [])
        self.measures = data.get("measures", list(known_measure_names()))
        self._index = self._measures = None
        return self


def _context_ok(text: str, start: int, end: int, label: str, enclosed: list[bool]) -> bool:
    """Whether a gazetteer surface found here means what it meant in training."""
    if label == "ORG":
        return org_allowed(text, start, end)
    if label == "REGULATION":
        # 「我与宪法」 is a campaign, 宪法日 a day: a title inside a quotation or a word is not.
        bracketed = start and text[start - 1] == "《"
        if (enclosed[start] and not bracketed) or not law_word_ok(text, end):
            return False
        # A short back-reference (条例) also ends longer titles: it needs 《 or a verb before it.
        return end - start > 3 or bracketed or text.endswith(REGULATION_VERBS, 0, start)
    return True


def _free_occurrences(ex: GoldReport, surface: str, label: str) -> int:
    """Occurrences predict() could tag: not inside a longer gold span, context allowed."""
    enclosed = enclosed_mask(ex.text)
    count, i = 0, ex.text.find(surface)
    while i >= 0:
        end = i + len(surface)
        inside = any(s <= i and end <= e and (s, e) != (i, end) for s, e, _ in ex.entities)
        if not inside and _context_ok(ex.text, i, end, label, enclosed):
            count += 1
        i = ex.text.find(surface, end)
    return count


def _json_path(path) -> Path:
    """A .json file, or a directory that holds rules.json (as in a model directory)."""
    path = Path(path)
    return path if path.suffix == ".json" else path / "rules.json"

"""Place-name augmentation: training copies of a report with its place names swapped for other
real ones (朝阳区司法局 → 桐庐县司法局), so that no model learns the training districts' names.

Each place name found in the normalised text (China's administrative divisions,
`fazhi.places`) is replaced, consistently within the copy, by another place of the same kind
of unit (a county by a county, a 街道 by a 街道); the gold spans move with the text, and a
place inside an entity is swapped inside it.
"""

from __future__ import annotations

import random
from collections import defaultdict

from fazhi.data import GoldReport
from fazhi.normalize import Normalized

# The kinds of unit, by the ending of the name: a replacement keeps it.
_ENDINGS = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "街道", "新区", "省", "市", "州",
            "盟", "县", "区", "旗", "镇", "乡")


def _kind(name: str) -> str | None:
    return next((e for e in _ENDINGS if name.endswith(e)), None)


class PlaceSwapper:
    def __init__(self, names, seed: int = 0):
        from fazhi.rules.orgs import PlaceIndex

        names = [n for n in names if _kind(n)]
        self.index = PlaceIndex(names)
        self.pools: dict[str, list[str]] = defaultdict(list)
        for name in sorted(set(names)):
            self.pools[_kind(name)].append(name)
        self.rng = random.Random(seed)

    def __call__(self, example: GoldReport) -> GoldReport:
        """A copy of `example` with its places swapped; the copy's text is its own original."""
        import bisect

        text, spans = example.text, example.entities
        edges = {k for s, e, _ in spans for k in (s, e)}
        # a place with an entity edge strictly inside it is left as it is
        found = [(a, b) for a, b in self.index.names_in(text)
                 if not any(a < k < b for k in edges)]
        choice: dict[str, str] = {}
        for a, b in found:
            name = text[a:b]
            if name not in choice:
                choice[name] = self.rng.choice(self.pools[_kind(name)])
        pieces, pos, ends, growth = [], 0, [], [0]
        for a, b in found:
            new = choice[text[a:b]]
            pieces += [text[pos:a], new]
            pos = b
            ends.append(b)
            growth.append(growth[-1] + len(new) - (b - a))
        pieces.append(text[pos:])
        new_text = "".join(pieces)

        def moved(k: int) -> int:
            """New offset of k, never strictly inside a swapped place: k plus the growth of
            every place that ends at or before it."""
            return k + growth[bisect.bisect_right(ends, k)]

        new_spans = sorted((moved(s), moved(e), lab) for s, e, lab in spans)
        norm = Normalized(new_text, new_text, list(range(len(new_text))),
                          list(range(1, len(new_text) + 1)))
        return GoldReport(f"{example.doc_id}+places", norm, new_spans, example.gold)

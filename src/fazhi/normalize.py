"""One normaliser: clean simplified text for the models, plus an exact map back to the original.

Every step proposes edits on the current text; `_apply` performs them and carries the
alignment along, so the steps never deal with offsets themselves. Each normalised
character remembers the original span it came from; a normalised span maps back to the
union of its characters' spans, which makes the mapping exact for unchanged and 1:1
characters and covers whole replaced runs otherwise (OpenCC phrases, `…` → `...`).
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from fazhi.text import CLAUSE_ENDS, CN_DIGITS, enumerator_number, is_cjk

# Characters the shipped encoder's vocabulary maps to [UNK], and a covered equivalent.
# Measured on the corpus: “ ” and — are 616 of 41,192 non-space characters (1.5 %).
DEFAULT_EQUIVALENTS = {
    # Corner brackets are covered and keep the open/close distinction that quoted names need.
    "“": "「", "”": "」", "‘": "『", "’": "』",
    "—": "-", "–": "-", "―": "-", "…": "...",
    # Zero-width characters need no entry: they are removed before any equivalent applies
    # (ZERO_WIDTH below).
}

# Lines that belong to the hosting web site, not to the report.
DEFAULT_BOILERPLATE = (
    r"由会员分享", r"可在线阅读", r"请在.{1,30}上搜索", r"^扫一扫分享本页$", r"^扫一扫在手机打开当前页$",
    r"^打印本页$", r"^关闭窗口$", r"^【(?:打印|关闭)】", r"^字号[:：]?\s*[大中小]",
)

# Line ends and invisible characters, handled before every other step: a lone carriage
# return (old Mac line ends) becomes a line feed, so that a CR-only report has lines as a
# CRLF or LF one does (the offsets stay one to one); zero-width space, non-joiner, joiner,
# word joiner (U+2060) and the byte-order mark carry nothing and are removed, whatever the
# configured equivalents.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_LINE_ENDS_AND_INVISIBLES = re.compile(f"\r(?!\n)|[{ZERO_WIDTH}]")

@dataclass
class NormalizerConfig:
    to_simplified: str = "auto"  # "auto" (detect), "always" or "never"
    fold_width: bool = True
    equivalents: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_EQUIVALENTS))
    boilerplate: tuple[str, ...] = DEFAULT_BOILERPLATE
    repair_artefacts: bool = True

    @classmethod
    def from_dict(cls, cfg: dict) -> NormalizerConfig:
        from fazhi.settings import from_table

        if cfg.get("to_simplified", "auto") not in ("auto", "always", "never"):
            raise ValueError("to_simplified must be auto, always or never")
        cfg = dict(cfg)
        if "boilerplate" in cfg:
            cfg["boilerplate"] = tuple(cfg["boilerplate"])
        return from_table(cls, cfg, "normaliser")

    @classmethod
    def from_toml(cls, path, section: str = "normalize") -> NormalizerConfig:
        """Read the `[normalize]` table of a project config (see configs/)."""
        from fazhi.io import load_toml

        return cls.from_dict(load_toml(path).get(section, {}))


@dataclass
class Normalized:
    """Normalised text with, per character, the original span it came from."""

    original: str
    text: str
    starts: list[int]
    ends: list[int]
    removed: list[tuple[int, int, str]] = field(default_factory=list)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original span covering normalised [start, end)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside normalised text of {len(self.text)}")
        return min(self.starts[start:end]), max(self.ends[start:end])

    def to_normalized(self, start: int, end: int) -> tuple[int, int] | None:
        """Normalised span of the characters whose origin lies inside original [start, end).

        None when every original character in the span was removed (a page marker, say).
        """
        if self._monotonic:
            # Origins run in reading order (every step so far keeps them so): the characters
            # starting inside the span are one run, and those of them that also end inside
            # it are the run's beginning. Two bisections instead of a walk over the span,
            # which sections.ocr_breaks asks for across whole reports.
            lo = bisect.bisect_left(self.starts, start)
            hi = bisect.bisect_left(self.starts, end, lo)
            last = bisect.bisect_right(self.ends, end, lo, hi)
            return (lo, last) if last > lo else None
        order, ends = self._order, self.ends
        lo = bisect.bisect_left(self._sorted_starts, start)
        hi = bisect.bisect_left(self._sorted_starts, end)
        idx = [order[k] for k in range(lo, hi) if ends[order[k]] <= end]
        return (min(idx), max(idx) + 1) if idx else None

    @property
    def _monotonic(self) -> bool:
        if not hasattr(self, "_cached_monotonic"):
            s, e = self.starts, self.ends
            self._cached_monotonic = all(s[i] <= s[i + 1] and e[i] <= e[i + 1]
                                         for i in range(len(s) - 1))
        return self._cached_monotonic

    @property
    def _order(self) -> list[int]:
        if not hasattr(self, "_cached_order"):
            self._cached_order = sorted(range(len(self.starts)), key=self.starts.__getitem__)
        return self._cached_order

    @property
    def _sorted_starts(self) -> list[int]:
        if not hasattr(self, "_cached_sorted"):
            self._cached_sorted = [self.starts[i] for i in self._order]
        return self._cached_sorted


Edit = tuple[int, int, str, str]  # start, end, replacement, reason (for removals)


def _apply(state: Normalized, edits: list[Edit]) -> Normalized:
    if not edits:
        return state
    text, starts, ends = state.text, state.starts, state.ends
    out, new_starts, new_ends = [], [], []
    removed = list(state.removed)
    pos = 0
    for a, b, rep, reason in sorted(edits):
        if a < pos:
            continue  # overlapping proposals: the earlier one wins
        out.append(text[pos:a])
        new_starts.extend(starts[pos:a])
        new_ends.extend(ends[pos:a])
        if a == b:  # pure insertion: attach to the neighbour's origin
            o = starts[a] if a < len(text) else (ends[a - 1] if a else 0)
            o_start, o_end = o, o
        else:
            o_start, o_end = min(starts[a:b]), max(ends[a:b])
        if len(rep) == b - a:
            new_starts.extend(starts[a:b])
            new_ends.extend(ends[a:b])
        elif rep:
            new_starts.extend([o_start] * len(rep))
            new_ends.extend([o_end] * len(rep))
        else:
            removed.append((o_start, o_end, reason))
        out.append(rep)
        pos = b
    out.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return Normalized(state.original, "".join(out), new_starts, new_ends, removed)


# --- steps -------------------------------------------------------------------------------

def line_ends_and_invisibles(text: str) -> list[Edit]:
    return [(m.start(), m.end(), "\n", "") if m.group() == "\r" else
            (m.start(), m.end(), "", "zero-width")
            for m in _LINE_ENDS_AND_INVISIBLES.finditer(text)]


def fold_width(text: str) -> list[Edit]:
    """Full-width ASCII (U+FF01–FF5E) and the ideographic space to their half-width forms."""
    edits = []
    for i, c in enumerate(text):
        o = ord(c)
        if 0xFF01 <= o <= 0xFF5E:
            edits.append((i, i + 1, chr(o - 0xFEE0), ""))
        elif c == "\u3000":
            edits.append((i, i + 1, " ", ""))
    return edits


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def is_traditional(text: str, threshold: float = 0.03) -> bool:
    """True when a noticeable share of the CJK characters change under t2s conversion."""
    cjk = [c for c in text if is_cjk(c)]
    if not cjk:
        return False
    sample = "".join(cjk[:5000])
    converted = _t2s().convert(sample)
    changed = sum(a != b for a, b in zip(sample, converted)) if len(converted) == len(sample) \
        else abs(len(converted) - len(sample)) + 1
    return changed / len(sample) >= threshold


def to_simplified(text: str, convert=None) -> list[Edit]:
    """OpenCC t2s, line by line. OpenCC converts phrases, and a phrase may change length,
    so each line whose length changes is aligned with difflib rather than assumed 1:1."""
    convert = convert or _t2s().convert
    edits = []
    pos = 0
    for line in text.split("\n"):
        conv = convert(line)
        if len(conv) == len(line):
            edits.extend((pos + i, pos + i + 1, b, "") for i, (a, b) in enumerate(zip(line, conv))
                         if a != b)
        else:
            sm = difflib.SequenceMatcher(None, line, conv, autojunk=False)
            for op, i1, i2, j1, j2 in sm.get_opcodes():
                if op != "equal":
                    edits.append((pos + i1, pos + i2, conv[j1:j2], "t2s"))
        pos += len(line) + 1
    return edits


def remove_boilerplate(text: str, patterns: tuple[str, ...]) -> list[Edit]:
    """Whole lines of web-site chrome (share banners, print links) go, newline included."""
    rx = [re.compile(p) for p in patterns]
    edits = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and any(r.search(stripped) for r in rx):
            end = min(pos + len(line) + 1, len(text))
            start = pos if end > pos + len(line) or pos == 0 else pos - 1
            edits.append((start, end, "", "boilerplate"))
        pos += len(line) + 1
    return edits


_PAGE_MARKER = re.compile(r"(?:^|\n)(\d{1,3})、")


def remove_page_markers(text: str) -> list[Edit]:
    """Page numbers that a document converter glued into the running text (`…责任落\\n3、实。`).

    A line-start `N、` is a page marker when it belongs to a run numbered 1, 2, 3, … through
    the document in which most breaks fall mid-sentence: real list items restart their
    numbering and follow a finished sentence or a colon.
    """
    cands = []
    for m in _PAGE_MARKER.finditer(text):
        start = m.start()
        before = text[:start].rstrip(" \t")
        mid_sentence = bool(before) and before[-1] not in CLAUSE_ENDS
        cands.append((int(m.group(1)), start, m.end(), mid_sentence))
    # The longest chain 1, 2, 3, … in document order.
    chain: list[tuple[int, int, int, bool]] = []
    expected = 1
    for c in cands:
        if c[0] == expected:
            chain.append(c)
            expected += 1
    if len(chain) < 3 or sum(c[3] for c in chain[1:]) < 0.6 * (len(chain) - 1):
        return []
    return [(start, end, "", "page marker") for _, start, end, _ in chain]


_PERCENT_O = re.compile(r"(?<=[%％])[oO](?![A-Za-z])")
_YEAR_ZERO = re.compile(r"(?<=[一二三四五六七八九])[。○O0](?=[一二三四五六七八九〇零○]{1,2}年)")
_PAREN_ENUM = re.compile(r"[(（]([^()（）\s]{1,2})[)）]")


def repair_ocr(text: str) -> list[Edit]:
    """Common OCR slips: a stray o after a percentage (98.65%o), 。/○ for 〇 in Chinese-numeral
    years (二。三五年), and a misread enumerator such as (S) where the sequence (一)(二) expects
    (三)."""
    edits = [(m.start(), m.end(), "", "ocr") for m in _PERCENT_O.finditer(text)]
    edits += [(m.start(), m.end(), "〇", "") for m in _YEAR_ZERO.finditer(text)]
    last = 0  # the value of the last well-formed parenthesised Chinese enumerator
    for m in _PAREN_ENUM.finditer(text):
        if m.start() and text[m.start() - 1] not in CLAUSE_ENDS and text[m.start() - 1] != "\n":
            continue  # only enumerators in heading position: line start or after a sentence
        inner = m.group(1)
        value = enumerator_number(inner)
        if value is not None:
            last = value
        elif last and len(inner) == 1 and inner.isascii() and inner.isalpha() and 1 <= last < 10:
            nxt = CN_DIGITS[last + 1] if last + 1 < 10 else "十"
            edits.append((m.start(1), m.end(1), nxt, ""))
            last += 1
    return edits


def cover_unknown(text: str, equivalents: dict[str, str]) -> list[Edit]:
    return [(i, i + 1, equivalents[c], "") for i, c in enumerate(text) if c in equivalents]


# --- the normaliser ------------------------------------------------------------------------

class Normalizer:
    def __init__(self, config: NormalizerConfig | None = None):
        self.config = config or NormalizerConfig()

    def __call__(self, text: str) -> Normalized:
        cfg = self.config
        state = Normalized(text, text, list(range(len(text))), list(range(1, len(text) + 1)))
        state = _apply(state, line_ends_and_invisibles(state.text))
        if cfg.fold_width:
            state = _apply(state, fold_width(state.text))
        if cfg.to_simplified == "always" or (
            cfg.to_simplified == "auto" and is_traditional(state.text)
        ):
            state = _apply(state, to_simplified(state.text))
        if cfg.repair_artefacts:
            state = _apply(state, remove_boilerplate(state.text, cfg.boilerplate))
            state = _apply(state, remove_page_markers(state.text))
            state = _apply(state, repair_ocr(state.text))
        if cfg.equivalents:
            state = _apply(state, cover_unknown(state.text, cfg.equivalents))
        return state


def normalize(text: str, config: NormalizerConfig | None = None) -> Normalized:
    return Normalizer(config)(text)

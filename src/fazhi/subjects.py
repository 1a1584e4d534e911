"""The learned indicator-subject finder: a candidate-span ranker.

For each INDICATOR the candidates are the spans of up to `MAX_LEN` characters in its own
clause that end just before it (`办理行政复议案件[319件]`), or before a short link between
them (`合法性审核率达[100%]`: the link is at most `MAX_GAP` characters), or that start just
after it (`[8项]法规草案`), and "no subject" (`审结[7195件]`, `同比增长[87.5%]`). Each
candidate is described by sparse string features — its first and last characters (the head
noun: 件, 案件, 率), the characters on each side of it (a verb before it, 的 after it), the
link, its length, the indicator's unit, and whether the heuristic
(`fazhi.indicators.indicator_subject`, the baseline) picked it — and a conditional
log-linear model (a softmax over one indicator's candidates, L2-penalised, fitted with
L-BFGS) scores them; the best one is the subject.

Why a ranker and not a tagger: exactly one span (or none) per indicator, its edges next to
the indicator or its link, is what the annotation says; a ranker sees whole spans, so "the
span starts with a verb" or "the span is cut mid-word" are features of one decision. It is
fast on a CPU (a few hundred candidates per indicator, a dictionary lookup per feature),
needs no dependency at tagging time (the weights are a JSON dictionary), and trains in
seconds (scipy, already installed with scikit-learn).

Works on normalised text (simplified script, folded width); offsets are into that text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from pathlib import Path

from fazhi.indicators import VERBS, indicator_subject
from fazhi.text import CLAUSE_BREAKS  # a subject stays inside its clause

# Links between a subject and its number are at most this long (由上年的, 累计达到: 98 % of
# the annotated subjects lie within 4 characters of their indicator).
MAX_GAP = 4
MAX_RIGHT_GAP = 1  # a subject after the number follows it directly (one 的 at most)
MAX_LEN = 16  # 99.5 % of the annotated subjects are this long or shorter
NONE = None  # the "no subject" candidate

Span = tuple[int, int]


@lru_cache(maxsize=4096)
def _cls(ch: str) -> str:
    """A coarse character class: the part of speech a character hints at is in the
    character features; this says what kind of symbol it is."""
    if not ch:
        return "^"
    if ch in CLAUSE_BREAKS:
        return ","
    if ch.isdigit():
        return "9"
    if "\u4e00" <= ch <= "\u9fff":
        return "h"
    if ch.isascii() and ch.isalpha():
        return "a"
    if ch in "「」『』《》“”‘’\"'":
        return "q"
    if ch in "()（）[]【】":
        return "p"
    return "o"


_UNIT = re.compile(r"^(?:最快|近|约|超|逾)?[\d.,，％%０-９零〇一二两三四五六七八九十百千万亿余多数*×xX]+")


def unit_of(indicator: str) -> str:
    """The indicator's unit as written after its number (件, 人次, %以上): what is counted
    shapes what the subject is (% → a rate, 人次 → people)."""
    rest = _UNIT.sub("", indicator)
    return rest[:2] if rest else "#"


def candidates(text: str, start: int, end: int,
               blocked: Sequence[Span] = ()) -> list[tuple[Span | None, str, str]]:
    """(span, side, link) for each candidate subject of text[start:end]: "L" spans ending
    at most MAX_GAP characters before it, "R" spans starting at most MAX_RIGHT_GAP after it,
    none crossing a clause break or a `blocked` span (the other indicators); then None."""
    block = set()
    for a, b in blocked:
        if (a, b) != (start, end):
            block.update(range(a, b))
    out: list[tuple[Span | None, str, str]] = []
    for g in range(MAX_GAP + 1):
        b = start - g
        if b <= 0:
            break
        link = text[b:start]
        if any(ch in CLAUSE_BREAKS or i in block for i, ch in enumerate(link, b)):
            break
        for a in range(b - 1, max(-1, b - MAX_LEN - 1), -1):
            if text[a] in CLAUSE_BREAKS or a in block:
                break
            out.append(((a, b), "L", link))
    for g in range(MAX_RIGHT_GAP + 1):
        a = end + g
        link = text[end:a]
        if a >= len(text) or any(ch in CLAUSE_BREAKS or i in block
                                 for i, ch in enumerate(link, end)):
            break
        for b in range(a + 1, min(len(text), a + MAX_LEN) + 1):
            if text[b - 1] in CLAUSE_BREAKS or (b - 1) in block:
                break
            out.append(((a, b), "R", link))
    out.append((NONE, "N", ""))
    return out


_VERB_RX = re.compile("|".join(sorted(VERBS, key=len, reverse=True)))


def features(text: str, start: int, end: int, span: Span | None, side: str, link: str,
             unit: str, heuristic: Span | None, words: Words | None = None) -> list[str]:
    """The string features of one candidate; `words`: the word segmentation's edges."""
    before = text[start - 2:start] if start >= 2 else text[:start]
    after = text[end:end + 2]
    if span is None:
        return [
            "none", f"none|u={unit}", f"none|b1={before[-1:]}", f"none|b2={before}",
            f"none|a1={after[:1]}", f"none|a2={after}", f"none|bc={_cls(before[-1:])}",
            f"none|heur={heuristic is None}",
        ]
    a, b = span
    s = text[a:b]
    n = len(s)
    prev1, prev2 = text[a - 1:a] if a else "", text[max(0, a - 2):a]
    next1, next2 = text[b:b + 1], text[b:b + 2]
    verb = _VERB_RX.search(s)
    f = [
        f"side={side}", f"link={side}|{link}", f"linklen={side}|{len(link)}",
        f"len={side}|{min(n, 12)}", f"u={side}|{unit}",
        f"f1={side}|{s[0]}", f"f2={side}|{s[:2]}", f"l1={s[-1]}", f"l2={s[-2:]}",
        f"l1u={s[-1]}|{unit}", f"l2u={s[-2:]}|{unit}", f"l1s={side}|{s[-1]}",
        f"p1={side}|{prev1}", f"p2={side}|{prev2}", f"pc={side}|{_cls(prev1)}",
        f"n1={side}|{next1}", f"n2={side}|{next2}", f"nc={side}|{_cls(next1)}",
        f"fc={side}|{_cls(s[0])}", f"lc={side}|{_cls(s[-1])}",
        f"p1f1={side}|{prev1}{s[0]}", f"l1n1={side}|{s[-1]}{next1}",
        f"verb={side}|{'none' if not verb else 'first' if verb.start() == 0 else 'in'}",
        f"de={side}|{'的' in s}", f"dun={side}|{'、' in s}", f"digit={side}|{any(map(str.isdigit, s))}",
        f"paren={side}|{s.count('(') - s.count(')')}|{s.count('「') - s.count('」')}",
        f"heur={span == heuristic}", f"heur={side}|{span == heuristic}",
        # Scope words (全市, 各类, 本级) stay out of subjects while level words naming a kind
        # (县级执法事项) stay in: one feature, weighed by the data (a split one did no better
        # on the development fold). A quoted name before the noun (“粤商通”服务市场主体) is
        # left out.
        f"scope={side}|{s[0] in '全各本该' or s[1:2] == '级'}",
        f"quoted={side}|{s[0] in '「『《'}|{s[-1] in '」』》'}",
    ]
    if heuristic is not None and span != heuristic:
        ha, hb = heuristic
        f.append(f"heurrel={side}|{(a > ha) - (a < ha)}|{(b > hb) - (b < hb)}")
    if words is not None:
        left, right = a in words.edges, b in words.edges
        tags = words.tags(a, b)
        first = words.word_at(a)
        last = words.word_before(b)
        f += [f"wedge={side}|{left}|{right}", f"fw={side}|{first}", f"lw={last}",
              f"pw={side}|{words.word_before(a)}", f"nw={side}|{words.word_at(b)}",
              f"lwu={last}|{unit}", f"fpos={side}|{words.pos_at.get(a, '~')}",
              f"ppos={side}|{words.pos_before.get(a, '~')}",
              f"lpos={side}|{words.pos_before.get(b, '~')}",
              f"npos={side}|{words.pos_at.get(b, '~')}",
              f"tags={side}|{tags[-12:]}", f"vin={side}|{'-v' in '-' + tags}"]
    return f


def _clause_regions(text: str, spans: Sequence[Span]) -> list[Span]:
    """Merged stretches of `text` holding every candidate of each span and the characters
    beside them, each widened to clause breaks (kept inside: jieba makes them words of their
    own, one character or a whole "\r\n") or the text's ends."""
    regions: list[list[int]] = []
    for start, end in sorted(spans):
        a = max(0, start - MAX_GAP - MAX_LEN - 1)
        while a > 0 and text[a] not in CLAUSE_BREAKS:
            a -= 1
        b = min(len(text), end + MAX_RIGHT_GAP + MAX_LEN + 1)
        while b < len(text) and text[b - 1] not in CLAUSE_BREAKS:
            b += 1
        # jieba keeps "\r\n" as one word: never cut one in half
        if a > 0 and text[a - 1:a + 1] == "\r\n":
            a -= 1
        if b < len(text) and text[b - 1:b + 1] == "\r\n":
            b += 1
        if regions and a <= regions[-1][1]:
            regions[-1][1] = max(regions[-1][1], b)
        else:
            regions.append([a, b])
    return [(a, b) for a, b in regions]


def _jieba():
    """jieba, quiet: it logs its dictionary loading and imports the deprecated
    pkg_resources."""
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba
        import jieba.posseg
    jieba.setLogLevel(logging.WARNING)
    return jieba


class Words:
    """A word segmentation of the normalised text (jieba): its word edges, and the word
    that starts or ends at a position. A span cut inside a word is rarely a subject.

    `around`: segment only the clauses around these spans (the indicators), where every
    candidate and its neighbours lie. jieba cuts its input at punctuation before it segments,
    so a clause segmented alone gives the words the whole text gives there; part-of-speech
    tagging is most of the values component's time, and the clauses with a number are a
    fraction of a report."""

    def __init__(self, text: str, around: Sequence[Span] | None = None):
        jieba = _jieba()

        self.starts: dict[int, str] = {}
        self.ends: dict[int, str] = {}
        self.pos_at: dict[int, str] = {}
        self.pos_before: dict[int, str] = {}
        regions = [(0, len(text))] if around is None else _clause_regions(text, around)
        for start, stop in regions:
            a = start
            # Dictionary words only (no HMM guessing unknown words): as accurate on the
            # development fold (444 against 446 of 530) and 3× faster (training/README.md).
            for w, flag in jieba.posseg.cut(text[start:stop], HMM=False):
                b = a + len(w)
                self.starts[a], self.ends[b] = w, w
                self.pos_at[a], self.pos_before[b] = flag, flag
                a = b
        self.edges = set(self.starts) | set(self.ends)

    def tags(self, a: int, b: int) -> str:
        """The part-of-speech tags of the words from a to b (those that start inside)."""
        return "-".join(self.pos_at[i] for i in range(a, b) if i in self.pos_at)

    def word_at(self, i: int) -> str:
        return self.starts.get(i, "~")

    def word_before(self, i: int) -> str:
        return self.ends.get(i, "~")


@dataclass
class Example:
    """One indicator with its candidates' features and, in training, the gold subject."""

    spans: list[Span | None]
    feats: list[list[str]]
    gold: int | None = None  # index into spans; None when the gold is not a candidate


def example(text: str, start: int, end: int, blocked: Sequence[Span] = (),
            gold: Span | None | bool = False, words: Words | None = None) -> Example:
    """The candidates of text[start:end] (normalised text). `gold`: the subject span, None
    for no subject, False when unknown (tagging)."""
    heuristic = indicator_subject(text, start, end)
    unit = unit_of(text[start:end])
    cands = candidates(text, start, end, blocked)
    spans = [c[0] for c in cands]
    feats = [features(text, start, end, span, side, link, unit, heuristic, words)
             for span, side, link in cands]
    index = None
    if gold is not False:
        index = spans.index(gold) if gold in spans else None
    return Example(spans, feats, index)


class SubjectModel:
    """Feature weights; the best-scoring candidate is the subject."""

    def __init__(self, weights: dict[str, float], settings: dict | None = None):
        self.weights = weights
        self.settings = settings or {}

    def score(self, feats: list[str]) -> float:
        return sum(map(self.weights.get, feats, repeat(0.0)))

    def choose(self, ex: Example) -> Span | None:
        scores = [self.score(f) for f in ex.feats]
        return ex.spans[max(range(len(scores)), key=scores.__getitem__)]

    def find(self, text: str, start: int, end: int, blocked: Sequence[Span] = (),
             words: Words | None = None) -> Span | None:
        """The subject of text[start:end] in normalised text, or None. `blocked`: the
        other indicators' spans; `words`: the text's segmentation (made here if None)."""
        words = words or Words(text, around=[(start, end)])
        return self.choose(example(text, start, end, blocked, words=words))

    # -- saving: JSON only (nothing in a model folder is unpickled)

    def to_dict(self) -> dict:
        return {"settings": self.settings,
                "weights": {k: round(v, 5) for k, v in sorted(self.weights.items())}}

    @classmethod
    def from_dict(cls, data: dict) -> SubjectModel:
        return cls({str(k): float(v) for k, v in data["weights"].items()},
                   data.get("settings", {}))

    def to_disk(self, path: str | Path) -> None:
        from fazhi.io import atomic_write_text

        atomic_write_text(Path(path), json.dumps(self.to_dict(), ensure_ascii=False))

    @classmethod
    def from_disk(cls, path: str | Path) -> SubjectModel:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def fit(examples: Iterable[Example], l2: float = 1.0, min_count: int = 2,
        max_iter: int = 200) -> SubjectModel:
    """Maximum-likelihood weights of the softmax over each example's candidates, with an L2
    penalty `l2`/2·|w|²; features seen in fewer than `min_count` candidates are dropped.
    Examples whose gold subject is not among the candidates teach nothing and are skipped."""
    import numpy as np
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix

    examples = [ex for ex in examples if ex.gold is not None]
    counts: dict[str, int] = {}
    for ex in examples:
        for fs in ex.feats:
            for f in fs:
                counts[f] = counts.get(f, 0) + 1
    index = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= min_count))}
    rows, cols, group_starts, gold_rows = [], [], [], []
    r = 0
    for ex in examples:
        group_starts.append(r)
        gold_rows.append(r + ex.gold)
        for fs in ex.feats:
            for f in fs:
                if f in index:
                    rows.append(r)
                    cols.append(index[f])
            r += 1
    X = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(r, len(index)))
    starts = np.array(group_starts)
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, r)))
    gold = np.array(gold_rows)

    def loss(w):
        s = X @ w
        m = np.maximum.reduceat(s, starts)
        e = np.exp(s - m[group])
        z = np.add.reduceat(e, starts)
        p = e / z[group]
        value = float(np.sum(np.log(z) + m) - s[gold].sum() + 0.5 * l2 * w @ w)
        p[gold] -= 1.0
        return value, X.T @ p + l2 * w

    res = minimize(loss, np.zeros(len(index)), jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter})
    names = sorted(index, key=index.get)
    weights = {f: float(v) for f, v in zip(names, res.x, strict=True) if abs(v) >= 1e-4}
    return SubjectModel(weights, {"l2": l2, "min_count": min_count})

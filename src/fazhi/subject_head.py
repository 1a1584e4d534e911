"""A span head on a pretrained encoder that reads the indicator's clause and scores the
subject ranker's candidates.

The ranker (`fazhi.subjects`) knows strings: edge characters, words, parts of speech. What it
misses on new reports is meaning across a clause: a long name whose left edge is far from
the number (`区属行政机关负责人出庭应诉`), a noun before a comma, a verb that belongs to the
subject (`服务企业`). The head reads the characters around the indicator (`LEFT` before,
`RIGHT` after) with a small pretrained Chinese encoder (the LTP tiny ELECTRA: one piece per
Chinese character, so every candidate edge is a piece edge), the indicator's own pieces
marked with token type 1. A candidate span scores start(its first piece) + end(its last
piece) + a bias for its side of the number; "no subject" scores from the [CLS] vector; a
softmax runs over one indicator's candidates, the ranker's (less any with an edge inside a
multi-character piece, which the head cannot score: rare in Chinese text, and where the ranker
picks one, its pick stands).

The subject is the candidate with the highest head log-probability plus `ranker_weight` times
the ranker's: the two read different things, and on the development fold together they find
more than either (training/README.md, "The indicator-subject finder"). Where the ranker alone
is confident (`confident`) its choice stands and the encoder is not run: most indicators are
plain (`办理行政复议案件319件`), and the encoder is most of the component's time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from fazhi.subjects import Example, Span, SubjectModel

LEFT = 40  # characters read before the indicator: every left candidate and its verb
RIGHT = 24  # and after it
HEAD_FILE = "head.safetensors"
SETTINGS_FILE = "head.json"
NONE_SIDE = 2  # the side code of the "no subject" candidate (0 left, 1 right)


@dataclass
class Window:
    """One indicator as the encoder reads it, with the candidates it can score: (first
    piece, last piece, side) for each span of `spans`; a span whose edge falls inside a
    piece (a Latin word, a number) cannot be scored and is left out."""

    ids: list[int]
    types: list[int]
    cands: list[tuple[int, int, int]]
    spans: list[Span | None]
    gold: int | None = None  # index into spans and cands


def window(text: str, start: int, end: int, ex: Example, tokenizer,
           left: int = LEFT, right: int = RIGHT) -> Window:
    """The encoder's view of text[start:end] (normalised text) and its candidates `ex`."""
    a0, b0 = max(0, start - left), min(len(text), end + right)
    enc = tokenizer(text[a0:b0], return_offsets_mapping=True, truncation=True, max_length=256)
    first, last = {}, {}
    types = []
    for t, (x, y) in enumerate(enc["offset_mapping"]):
        if y > x:
            first.setdefault(a0 + x, t)
            last[a0 + y] = t
        types.append(int(y > x and a0 + x < end and a0 + y > start))
    cands, spans, gold = [], [], None
    for k, span in enumerate(ex.spans):
        if span is None:
            cands.append((0, 0, NONE_SIDE))
        elif span[0] in first and span[1] in last:
            cands.append((first[span[0]], last[span[1]], int(span[0] >= end)))
        else:
            continue
        spans.append(span)
        if ex.gold == k:
            gold = len(spans) - 1
    return Window(list(enc["input_ids"]), types, cands, spans, gold)


class SpanHead(torch.nn.Module):
    """The encoder with a start/end scorer per piece, a "no subject" scorer on [CLS] and a
    bias per side."""

    def __init__(self, encoder, pad_id: int):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.edges = torch.nn.Linear(hidden, 2)
        self.none = torch.nn.Linear(hidden, 1)
        self.side = torch.nn.Parameter(torch.zeros(2))
        self.dropout = torch.nn.Dropout(encoder.config.hidden_dropout_prob)
        self.pad_id = pad_id

    def forward(self, windows: Sequence[Window]) -> list:
        """The candidates' log-probabilities, one tensor per window."""
        n = max(len(w.ids) for w in windows)
        ids = torch.full((len(windows), n), self.pad_id, dtype=torch.long)
        types = torch.zeros((len(windows), n), dtype=torch.long)
        mask = torch.zeros((len(windows), n), dtype=torch.long)
        for i, w in enumerate(windows):
            ids[i, :len(w.ids)] = torch.tensor(w.ids)
            types[i, :len(w.ids)] = torch.tensor(w.types)
            mask[i, :len(w.ids)] = 1
        hidden = self.encoder(input_ids=ids, token_type_ids=types,
                              attention_mask=mask).last_hidden_state
        hidden = self.dropout(hidden)
        edges = self.edges(hidden)
        none = self.none(hidden[:, 0]).squeeze(-1)
        out = []
        for i, w in enumerate(windows):
            c = torch.tensor(w.cands)
            is_none = c[:, 2] == NONE_SIDE
            span = (edges[i, c[:, 0], 0] + edges[i, c[:, 1], 1]
                    + self.side[c[:, 2].clamp(max=1)])
            out.append(torch.where(is_none, none[i], span).log_softmax(0))
        return out


@dataclass
class HeadSettings:
    """What a saved head needs besides its weights."""

    base_model: str = ""  # the encoder it was fine-tuned from (provenance)
    left: int = LEFT
    right: int = RIGHT
    ranker_weight: float = 0.5
    # The ranker's choice stands where its probability is at least this, and the head is not
    # run: on the development fold the head changed no such choice for the better (0.9 kept
    # every hit and skipped the encoder for 62 % of the indicators).
    confident: float = 0.9
    pad_id: int = 0
    history: dict = field(default_factory=dict)


class SubjectHead:
    """The fine-tuned span head with its tokenizer and settings, saved in a folder of its
    own beside the ranker's `subjects.json`."""

    def __init__(self, head: SpanHead, tokenizer, settings: HeadSettings):
        self.head, self.tokenizer, self.settings = head, tokenizer, settings

    def choose_all(self, ranker: SubjectModel, items: Sequence[tuple[str, int, int, Example]],
                   batch_size: int = 64) -> list[Span | None]:
        """The subject of each (normalised text, start, end, its candidates): the ranker's
        choice where it is confident (probability ≥ `confident`), otherwise the best head
        log-probability plus `ranker_weight` times the ranker's."""
        import numpy as np

        s = self.settings
        chosen: list[Span | None] = []
        ranker_lp, unsure = [], []
        for k, (_, _, _, ex) in enumerate(items):
            scores = np.array([ranker.score(f) for f in ex.feats])
            lp = scores - np.logaddexp.reduce(scores)
            ranker_lp.append(dict(zip(ex.spans, lp, strict=True)))
            chosen.append(ex.spans[int(lp.argmax())])
            if np.exp(lp.max()) < s.confident:
                unsure.append(k)
        self.head.eval()
        with torch.inference_mode():
            for i in range(0, len(unsure), batch_size):
                ks = unsure[i:i + batch_size]
                windows = [window(*items[k], self.tokenizer, s.left, s.right) for k in ks]
                for k, w, head_lp in zip(ks, windows, self.head(windows), strict=True):
                    if chosen[k] not in w.spans:
                        continue  # the ranker's pick has an edge inside a piece: it stands
                    total = head_lp.numpy() + s.ranker_weight * np.array(
                        [ranker_lp[k][span] for span in w.spans])
                    chosen[k] = w.spans[int(total.argmax())]
        return chosen

    # -- saving: the encoder's config and tokenizer, the weights as safetensors in float16
    # (half the size; the head is trained and run in float32), the settings as JSON; written
    # into a new folder put in place of the old one at the end, never half a head

    def to_disk(self, path: str | Path) -> None:
        from safetensors.torch import save_file

        from fazhi.io import new_folder

        with new_folder(path) as folder:
            self.head.encoder.config.to_json_file(folder / "config.json")
            self.tokenizer.save_pretrained(folder)
            state = {k: v.detach().half().contiguous()
                     for k, v in self.head.state_dict().items()}
            save_file(state, folder / HEAD_FILE)
            (folder / SETTINGS_FILE).write_text(
                json.dumps(asdict(self.settings), ensure_ascii=False, indent=1) + "\n",
                encoding="utf-8")

    @classmethod
    def from_disk(cls, path: str | Path) -> SubjectHead:
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        path = Path(path)
        settings = HeadSettings(**json.loads((path / SETTINGS_FILE).read_text(encoding="utf-8")))
        head = SpanHead(AutoModel.from_config(AutoConfig.from_pretrained(path)),
                        settings.pad_id)
        head.load_state_dict({k: v.float() for k, v in load_file(path / HEAD_FILE).items()})
        return cls(head, AutoTokenizer.from_pretrained(path), settings)

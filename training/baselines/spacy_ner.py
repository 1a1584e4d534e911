"""spaCy NER baseline: a transition-based `ner` on a character CNN, trained from scratch.

Training goes through spaCy's own config system (`configs/spacy_ner.cfg`, `init_nlp` and
the training loop), with the gold written to temporary DocBins. Reports are cut into chunks
of at most ~300 characters at sentence ends: a whole 30,000-character report as one Doc
would make each update slow and each batch a single report.
"""

from __future__ import annotations

import io
import logging
import tempfile
from pathlib import Path

import spacy
from spacy.tokens import DocBin

from fazhi.data import CharSpan, GoldReport

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "spacy_ner.cfg"
MAX_CHUNK_CHARS = 300

# A chunk preferably ends after a sentence or a line; an over-long sentence is cut after a
# clause; only a clause longer than a whole chunk is cut anywhere.
_SENTENCE_CUTS = frozenset("。\n")
_CLAUSE_CUTS = frozenset("，,；;：:、！？!?")


def chunk_bounds(text: str, max_chars: int = MAX_CHUNK_CHARS,
                 protected: list[CharSpan] | tuple = ()) -> list[tuple[int, int]]:
    """(start, end) of consecutive chunks covering `text`, each at most `max_chars` long.

    A cut never falls strictly inside a `protected` span (the gold entities when training),
    so every entity lies in one chunk; a protected span longer than `max_chars` makes its
    chunk longer instead.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    blocked = bytearray(len(text) + 1)
    for s, e, *_ in protected:
        blocked[s + 1:e] = b"\x01" * max(0, e - s - 1)

    def last_cut(lo: int, hi: int, ok) -> int | None:
        for p in range(hi, lo, -1):
            if not blocked[p] and ok(p):
                return p
        return None

    bounds, start = [], 0
    while start < len(text):
        limit = start + max_chars
        if limit >= len(text):
            bounds.append((start, len(text)))
            break
        cut = (last_cut(start, limit, lambda p: text[p - 1] in _SENTENCE_CUTS)
               or last_cut(start, limit, lambda p: text[p - 1] in _CLAUSE_CUTS)
               or last_cut(start, limit, lambda p: True))
        if cut is None:  # a protected span runs past the limit: end the chunk after it
            cut = next(p for p in range(limit + 1, len(text) + 1) if not blocked[p])
        bounds.append((start, cut))
        start = cut
    return bounds


def _blank_zh():
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})


def make_docs(examples: list[GoldReport], max_chars: int = MAX_CHUNK_CHARS):
    """One Doc per chunk with the gold entities as `doc.ents`, and the number of entities
    that did not align to tokens (always 0 with character tokens; dropped if not)."""
    nlp = _blank_zh()
    docs, misaligned = [], 0
    for ex in examples:
        ents = sorted(ex.entities)
        i = 0
        for a, b in chunk_bounds(ex.text, max_chars, ents):
            doc = nlp.make_doc(ex.text[a:b])
            spans = []
            while i < len(ents) and ents[i][0] < b:
                s, e, label = ents[i]
                span = doc.char_span(s - a, e - a, label=label, alignment_mode="strict")
                if span is None:
                    misaligned += 1
                    logger.warning("%s: entity %d-%d (%s) does not align to tokens",
                                   ex.doc_id, s, e, label)
                else:
                    spans.append(span)
                i += 1
            doc.ents = spans
            if doc.text.strip():  # a chunk of blank lines teaches nothing
                docs.append(doc)
    return docs, misaligned


def _write_docbin(docs, path: Path) -> str:
    DocBin(docs=docs).to_disk(path)
    return str(path)


def train_spacy_ner(train: list[GoldReport], dev: list[GoldReport] | None,
                    config_path: str | Path = DEFAULT_CONFIG, max_steps: int | None = None,
                    seed: int = 0) -> spacy.Language:
    """Train the cfg's pipeline on `train`.

    With `dev`, spaCy evaluates on it every `eval_frequency` steps, stops after `patience`
    steps without improvement and the best checkpoint is returned. Without it, training
    runs for exactly `max_steps` (the cfg's unless given) and the last checkpoint is
    returned. Either way with the averaged weights when the cfg's optimizer keeps them.
    """
    train_docs, misaligned = make_docs(train)
    dev_docs, dev_misaligned = make_docs(dev) if dev else ([], 0)
    if not train_docs:
        raise ValueError("no training text")
    overrides: dict = {"system.seed": seed}
    if max_steps is not None:
        overrides["training.max_steps"] = max_steps
    with tempfile.TemporaryDirectory(prefix="spacy_ner_") as tmp:
        tmp = Path(tmp)
        overrides["paths.train"] = _write_docbin(train_docs, tmp / "train.spacy")
        if dev_docs:
            overrides["paths.dev"] = _write_docbin(dev_docs, tmp / "dev.spacy")
        else:
            # spaCy's loop needs a dev corpus; with nothing held out, score on the training
            # chunks only at the first and last step and never stop early on that score.
            steps = spacy.util.load_config(config_path)["training"]["max_steps"]
            steps = max_steps if max_steps is not None else steps
            if not steps:
                raise ValueError("without a dev set, max_steps must be set (the cfg's or given)")
            overrides["paths.dev"] = overrides["paths.train"]
            overrides["training.patience"] = 0
            overrides["training.eval_frequency"] = steps
        config = spacy.util.load_config(config_path, overrides=overrides, interpolate=False)

        from spacy.training.initialize import init_nlp
        from spacy.training.loop import train as train_loop

        nlp = init_nlp(config)
        log = io.StringIO()
        # The loop only applies the averaged weights (use_averages) when it writes a
        # checkpoint; the Language it returns keeps the raw last-step weights, which scored
        # 10 points of F1 lower on a held-out report. So read back what it wrote.
        (tmp / "out").mkdir()
        train_loop(nlp, tmp / "out", stdout=log, stderr=log)
        logger.debug("spaCy training log:\n%s", log.getvalue())
        nlp = spacy.load(tmp / "out" / ("model-best" if dev_docs else "model-last"))
    nlp.meta["fazhi"] = {"train_chunks": len(train_docs), "dev_chunks": len(dev_docs),
                         "misaligned_spans": misaligned + dev_misaligned}
    return nlp


def predict_spacy(nlp: spacy.Language, text: str) -> list[CharSpan]:
    """Entities as character spans on `text`, predicted chunk by chunk."""
    bounds = chunk_bounds(text)
    spans = []
    for (a, _), doc in zip(bounds, nlp.pipe(text[a:b] for a, b in bounds)):
        spans.extend((a + ent.start_char, a + ent.end_char, ent.label_) for ent in doc.ents)
    return spans


# --- leave-one-report-out evaluation --------------------------------------------------------

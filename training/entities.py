"""Fine-tuning the entity tagger on gold examples (one held-out fold or all reports)."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field

import numpy as np

from fazhi.data import GoldReport
from fazhi.entity_tagger import (
    BIO_LABELS,
    LABEL2ID,
    EntityTagger,
    encode,
    forward,
    new_feature_embedding,
    pad_batch,
    piece_label_ids,
    windows,
)

log = logging.getLogger("fazhi.training")


@dataclass
class EntityTrainConfig:
    base_model: str = "ltp-tiny-electra-zh"
    pretrained: bool = True  # False: the same architecture with random weights (a baseline)
    # Keep only the encoder's lower layers (None: all): a shallower encoder trains and tags
    # in proportion faster, so the same CPU time buys more epochs.
    layers: int | None = None
    rule_features: bool = False  # embed the rules tagger's tags as an extra input
    jackknife: bool = True  # training reports' rule tags from rules fitted on the other reports
    word_dropout: float = 0.0  # share of training pieces replaced by [UNK]
    epochs: int = 12
    patience: int = 3  # epochs without a better dev F1 before stopping
    min_steps: int = 0  # optimiser steps before early stopping may act (small folds get more epochs)
    batch_size: int = 16
    learning_rate: float = 2e-4
    feature_learning_rate: float | None = None  # the rule-tag embedding's; None: learning_rate
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    train_window: int = 126  # word pieces per training window (plus [CLS] and [SEP])
    train_stride: int = 96
    dev_fraction: float = 0.1  # the tail of each training report, for early stopping
    seed: int = 0
    max_steps: int | None = None  # for tests: stop after this many optimiser steps
    # Copies of each real report with its place names swapped (training/augment.py).
    place_augmentation: int = 0
    # How the encoder's spans and the rules' spans are put together (fazhi.combine):
    # "none" (the encoder alone), one of fazhi.combine.POLICIES for every label, or "choose":
    # per label, the policy with the best F1 on the development tails.
    combine: str = "none"
    threads: int = 2

    @classmethod
    def from_dict(cls, cfg: dict) -> EntityTrainConfig:
        from fazhi.settings import from_table

        return from_table(cls, cfg, "entity training")


@dataclass
class TrainResult:
    tagger: EntityTagger
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    train_pieces: int = 0


def set_seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _dev_cut(labels: list[int], dev_fraction: float) -> int:
    """The first piece of a report's development tail (its last `dev_fraction`)."""
    n = len(labels)
    cut = int(n * (1 - dev_fraction)) if dev_fraction else n
    # Never cut inside an entity: move the cut to the next piece labelled O or B-.
    while 0 < cut < n and BIO_LABELS[labels[cut]].startswith("I-"):
        cut += 1
    return cut


def dev_tail_start(example: GoldReport, tokenizer, dev_fraction: float) -> int:
    """The character where the report's development tail begins (len(text): none)."""
    enc = encode(example.text, tokenizer)
    cut = _dev_cut(piece_label_ids(example.text, enc.offsets, example.entities), dev_fraction)
    return enc.offsets[cut][0] if cut < len(enc.offsets) else len(example.text)


def _windows_of(example: GoldReport, tokenizer, size: int, stride: int, dev_fraction: float,
                rule_spans=None, dev_rule_spans=None):
    """(train, dev) windows of one report: dev is the report's tail, never overlapping train.
    Rule features come from `rule_spans`, on the dev tail from `dev_rule_spans` if given."""
    enc = encode(example.text, tokenizer)
    labels = piece_label_ids(example.text, enc.offsets, example.entities)

    def feature_ids(spans):
        return [0] * len(labels) if spans is None else \
            piece_label_ids(example.text, enc.offsets, spans)

    feats = {"train": feature_ids(rule_spans)}
    feats["dev"] = feats["train"] if dev_rule_spans is None else feature_ids(dev_rule_spans)
    n = len(enc.input_ids)
    cut = _dev_cut(labels, dev_fraction)
    out = {"train": [], "dev": []}
    for part, (lo, hi) in (("train", (0, cut)), ("dev", (cut, n))):
        for s, e in windows(hi - lo, size, stride) if hi > lo else []:
            out[part].append({"input_ids": enc.input_ids[lo + s:lo + e],
                              "labels": labels[lo + s:lo + e],
                              "feature_ids": feats[part][lo + s:lo + e]})
    return out["train"], out["dev"]


def jackknife_rule_spans(examples: list[GoldReport], rules: dict | None = None,
                         groups: int = 5, large_groups: int = 2) -> list[list]:
    """Rule tags for each training report from a rules tagger fitted on the *other* training
    reports: tags from a gazetteer that has seen the report would be right far more often
    than on a new report, and the encoder would learn to trust them too much. With more
    reports than `groups`, the reports are dealt into `large_groups` groups and each group is
    tagged by rules fitted on the others (a fit on real reports and written passages takes
    about half a minute; one per report would take most of an hour)."""
    from fazhi.rules import RuleTagger

    k = len(examples) if len(examples) <= groups else large_groups
    spans: list[list] = [[] for _ in examples]
    for g in range(k):
        members = set(range(g, len(examples), k))
        tagger = RuleTagger(**(rules or {})).fit(
            [ex for i, ex in enumerate(examples) if i not in members])
        for i in members:
            spans[i] = tagger.predict(examples[i].text)
    return spans


def augmented(examples: list[GoldReport], cfg: EntityTrainConfig) -> list[GoldReport]:
    """`cfg.place_augmentation` copies of each real report with other places' names."""
    from fazhi.places import place_names
    from training.augment import PlaceSwapper

    swap = PlaceSwapper(place_names(), seed=cfg.seed)
    return [swap(ex) for _ in range(cfg.place_augmentation) for ex in examples
            if ex.origin == "real"]


def build_datasets(examples: list[GoldReport], tokenizer, cfg: EntityTrainConfig, rules=None,
                   rules_settings: dict | None = None):
    """Training and dev windows; `rules` (fitted on `examples`) gives the rule features unless
    they are jackknifed (with `rules_settings`)."""
    from datasets import Dataset

    train, dev = [], []
    if not cfg.rule_features:
        rule_spans = [None] * len(examples)
    elif cfg.jackknife:
        rule_spans = jackknife_rule_spans(examples, rules_settings)
    else:
        rule_spans = [rules.predict(ex.text) for ex in examples]
    # The dev tail gets rule tags from rules that never saw its report, as a held-out report
    # does: tags from the report's own gazetteer are right by construction, and dev F1 would
    # measure how faithfully the encoder copies them rather than how it does on a new report.
    dev_spans = rule_spans
    if cfg.rule_features and not cfg.jackknife and len(examples) > 1:
        dev_spans = jackknife_rule_spans(examples, rules_settings)
    for ex, spans, d_spans in zip(examples, rule_spans, dev_spans):
        t, d = _windows_of(ex, tokenizer, cfg.train_window, cfg.train_stride, cfg.dev_fraction,
                           spans, d_spans)
        train += t
        dev += d
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id

    def frame(rows):
        return Dataset.from_list(rows).map(lambda r: {
            "input_ids": [cls_id, *r["input_ids"], sep_id],
            "labels": [-100, *r["labels"], -100],
            "feature_ids": [0, *r["feature_ids"], 0]})

    return frame(train), (frame(dev) if dev else None)


def _dev_f1(model, features, dev, pad_id: int, batch_size: int) -> float:
    import torch
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    gold, pred = [], []
    model.eval()
    with torch.inference_mode():
        for b in range(0, len(dev), batch_size):
            batch = pad_batch([dev[i] for i in range(b, min(b + batch_size, len(dev)))], pad_id)
            logits = forward(model, features, batch["input_ids"], batch["attention_mask"],
                             batch["feature_ids"]).logits
            for row_logits, row_labels in zip(logits.argmax(-1), batch["labels"]):
                keep = row_labels != -100
                gold.append([BIO_LABELS[i] for i in row_labels[keep].tolist()])
                pred.append([BIO_LABELS[i] for i in row_logits[keep].tolist()])
    model.train()
    return f1_score(gold, pred, mode="strict", scheme=IOB2, zero_division=0)


def load_base(cfg: EntityTrainConfig, base_path: str):
    import torch
    from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_path)
    kwargs = {"num_labels": len(BIO_LABELS), "id2label": dict(enumerate(BIO_LABELS)),
              "label2id": LABEL2ID}
    if cfg.layers:
        # transformers builds the first `layers` layers and loads their weights; the saved
        # tagger's config.json says how many, so tagging needs no setting.
        kwargs["num_hidden_layers"] = cfg.layers
    # Shared encoders may be stored in float16 (e5-small-zh); training on a CPU needs float32.
    if cfg.pretrained:
        model = AutoModelForTokenClassification.from_pretrained(
            base_path, ignore_mismatched_sizes=True, dtype=torch.float32, **kwargs)
    else:
        config = AutoConfig.from_pretrained(base_path, **kwargs)
        model = AutoModelForTokenClassification.from_config(config, dtype=torch.float32)
    return model, tokenizer


def train_entity_tagger(examples: list[GoldReport], cfg: EntityTrainConfig, base_path: str,
                        progress: bool = True, rules: dict | None = None) -> TrainResult:
    """Fine-tune `base_path` on `examples`. `rules`: the rules tagger's settings ([rules]),
    for the rule-tag input."""
    import torch
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the replaced classifier head is expected, not news
    torch.set_num_threads(cfg.threads)
    set_seed(cfg.seed)
    start = time.perf_counter()
    model, tokenizer = load_base(cfg, base_path)
    rules_settings, rules = rules, None
    if cfg.rule_features:
        from fazhi.rules import RuleTagger

        rules = RuleTagger(**(rules_settings or {})).fit(examples)
    originals = examples
    if cfg.place_augmentation:
        examples = examples + augmented(examples, cfg)
    train, dev = build_datasets(examples, tokenizer, cfg, rules, rules_settings)
    features = new_feature_embedding(model) if cfg.rule_features else None
    pad_id = tokenizer.pad_token_id
    steps_per_epoch = -(-len(train) // cfg.batch_size)
    # A pretrained encoder sits at "all O" for the first few hundred steps; a small fold
    # would stop there (dev F1 0.0 for `patience` epochs) without a floor on the steps.
    epochs = max(cfg.epochs, -(-cfg.min_steps // steps_per_epoch))
    total = steps_per_epoch * epochs
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    params = list(model.parameters()) + (list(features.parameters()) if features else [])
    groups = [{"params": list(model.parameters())}]
    if features:
        groups.append({"params": list(features.parameters()),
                       "lr": cfg.feature_learning_rate or cfg.learning_rate})
    optimiser = torch.optim.AdamW(groups, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    schedule = get_linear_schedule_with_warmup(optimiser, int(cfg.warmup_ratio * total), total)
    generator = torch.Generator().manual_seed(cfg.seed)
    history, best, best_state, stale, step = [], -1.0, None, 0, 0
    model.train()
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(train), generator=generator).tolist()
        losses = []
        bar = tqdm(range(0, len(order), cfg.batch_size), desc=f"epoch {epoch}",
                   disable=not progress, leave=False)
        for b in bar:
            batch = pad_batch([train[i] for i in order[b:b + cfg.batch_size]], pad_id)
            if cfg.word_dropout:
                # Hiding words makes the encoder read context and rule tags rather than
                # memorise the few hundred names it sees.
                drop = (torch.rand(batch["input_ids"].shape, generator=generator)
                        < cfg.word_dropout) & (batch["labels"] != -100)
                batch["input_ids"][drop] = tokenizer.unk_token_id
            loss = forward(model, features, **batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
            step += 1
            if step >= total:
                break
        dev_f1 = _dev_f1(model, features, dev, pad_id, cfg.batch_size) if dev is not None \
            else None
        record = {"epoch": epoch, "train_loss": round(float(np.mean(losses)), 4),
                  "dev_f1": None if dev_f1 is None else round(dev_f1, 4), "steps": step}
        history.append(record)
        log.info("epoch %d: train loss %.4f, dev F1 %s", epoch, record["train_loss"],
                 record["dev_f1"])
        score = dev_f1 if dev_f1 is not None else -record["train_loss"]
        if score > best:
            best, stale = score, 0
            best_state = ({k: v.detach().clone() for k, v in model.state_dict().items()},
                          features and {k: v.detach().clone()
                                        for k, v in features.state_dict().items()})
        else:
            stale += 1
        if (stale >= cfg.patience and step >= cfg.min_steps) or step >= total:
            break
    if best_state is not None:
        model.load_state_dict(best_state[0])
        if features:
            features.load_state_dict(best_state[1])
    # Prediction settings are the pipeline's ([pipeline]); the folds set them on the tagger.
    tagger = EntityTagger(model, tokenizer, rules=rules, features=features)
    if cfg.combine != "none":
        from fazhi.combine import POLICIES
        from fazhi.labels import ENTITY_LABELS
        from fazhi.rules import RuleTagger

        tagger.rules = rules or RuleTagger(**(rules_settings or {})).fit(originals)
        if cfg.combine == "choose":
            tagger.policy, dev_choice = choose_on_dev_tails(tagger, originals, cfg,
                                                            rules_settings)
            history.append(dev_choice)
        elif cfg.combine in POLICIES:
            tagger.policy = {lab: cfg.combine for lab in ENTITY_LABELS}
        else:
            raise ValueError(f"[entities] combine: {cfg.combine!r} is not none, choose or one "
                             f"of {', '.join(POLICIES)}")
    return TrainResult(tagger, history, time.perf_counter() - start,
                       sum(len(r["input_ids"]) for r in train))


def choose_on_dev_tails(tagger: EntityTagger, examples: list[GoldReport],
                        cfg: EntityTrainConfig, rules_settings: dict | None
                        ) -> tuple[dict[str, str], dict]:
    """The combination policy (fazhi.combine) with the best F1 on the development tails
    of the training reports: text the encoder never took a gradient step on, tagged by
    rules that never saw its report (`jackknife_rule_spans`)."""
    from fazhi.combine import choose_policy, combine, micro_f1

    starts = [dev_tail_start(ex, tagger.tokenizer, cfg.dev_fraction) for ex in examples]
    keep = [i for i, s in enumerate(starts) if s < len(examples[i].text)]

    def tail(spans, start):
        return [(s - start, e - start, lab) for s, e, lab in spans if s >= start]

    golds = [tail(examples[i].entities, starts[i]) for i in keep]
    models = tagger.predict([examples[i].text[starts[i]:] for i in keep], with_rules=False)
    rule_spans = jackknife_rule_spans(examples, rules_settings)
    rules = [tail(rule_spans[i], starts[i]) for i in keep]
    policy, f1 = choose_policy(golds, models, rules)

    def f1_of(preds):
        return round(micro_f1(golds, preds), 4)

    detail = {"dev_choice": policy, "dev_f1": {
        "chosen": round(f1, 4), "model": f1_of(models), "rules": f1_of(rules),
        "rules+model": f1_of([combine(m, r, {lab: "rules+model" for lab in policy})
                              for m, r in zip(models, rules)])},
        "dev_texts": len(keep)}
    log.info("combination chosen on %d development tails: %s (%s)", len(keep), policy,
             detail["dev_f1"])
    return policy, detail

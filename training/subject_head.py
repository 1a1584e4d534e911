"""Fine-tuning the subject span head (`fazhi.subject_head`) on annotated indicators.

Settings (`[subjects]` of the config: `encoder`, `head_epochs`, `head_learning_rate`,
`head_batch_size`, `ranker_weight`, `ranker_confident`) were chosen on the development fold
(province fold 2 of the passages, trained on folds 3-5 and the real reports; fold 1 and the
real reports' own folds never looked at): training/README.md, "The indicator-subject finder".
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Sequence

import torch

from fazhi.subject_head import HeadSettings, SpanHead, SubjectHead, Window, window


def windows_for(items, tokenizer) -> list[Window]:
    """The encoder's view of each training.subjects.Item."""
    return [window(item.norm.text, *item.norm.to_normalized(item.start, item.end), item.ex,
                   tokenizer) for item in items]


def load_tokenizer(base_model: str):
    from transformers import AutoTokenizer

    from training.base_model import resolve_base_model

    return AutoTokenizer.from_pretrained(resolve_base_model(base_model))


def load_encoder(base_model: str):
    """(encoder, tokenizer) of the config's `encoder`, resolved like the entity tagger's."""
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    from training.base_model import resolve_base_model

    # transformers reports the checkpoint's unused token-classification head: not an error
    hf_logging.set_verbosity_error()
    return (AutoModel.from_pretrained(resolve_base_model(base_model)),
            load_tokenizer(base_model))


def train_head(train: Sequence[Window], base_model: str, *, epochs: int = 3,
               learning_rate: float = 1e-4, batch_size: int = 16, ranker_weight: float = 0.5,
               confident: float = 0.9, seed: int = 0, encoder_and_tokenizer=None,
               progress: bool = True) -> SubjectHead:
    """Fine-tune a span head on windows with a gold candidate (the others teach nothing):
    AdamW, a linear warm-up over the first tenth of the steps and a linear decay."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    from transformers import get_linear_schedule_with_warmup

    encoder, tokenizer = encoder_and_tokenizer or load_encoder(base_model)
    head = SpanHead(encoder, tokenizer.pad_token_id)
    data = [w for w in train if w.gold is not None]
    steps = max(1, epochs * math.ceil(len(data) / batch_size))
    opt = torch.optim.AdamW(head.parameters(), lr=learning_rate, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, num_warmup_steps=steps // 10,
                                            num_training_steps=steps)
    head.train()
    start, step, losses = time.perf_counter(), 0, []
    for epoch in range(epochs):
        rng.shuffle(data)
        for i in range(0, len(data), batch_size):
            batch = data[i:i + batch_size]
            loss = -torch.stack([lp[w.gold] for lp, w in zip(head(batch), batch, strict=True)]
                                ).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(head.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            losses.append(loss.item())
        if progress:
            print(f"  subject head: epoch {epoch + 1}/{epochs}, mean loss "
                  f"{sum(losses) / len(losses):.3f}, {time.perf_counter() - start:.0f} s",
                  file=sys.stderr, flush=True)
            losses = []
    settings = HeadSettings(base_model=base_model, ranker_weight=ranker_weight,
                            confident=confident,
                            pad_id=tokenizer.pad_token_id,
                            history={"examples": len(data), "epochs": epochs, "steps": step,
                                     "learning_rate": learning_rate, "batch_size": batch_size,
                                     "seconds": round(time.perf_counter() - start, 1)})
    head.eval()
    return SubjectHead(head, tokenizer, settings)

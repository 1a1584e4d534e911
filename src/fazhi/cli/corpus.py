"""`fazhi corpus unk` and `fazhi normalize`: the corpus as the encoder and the normaliser see it."""

from __future__ import annotations

import sys
from pathlib import Path


def cmd_unk(args) -> int:
    tokenizer = args.tokenizer
    if tokenizer is None:  # the [entities] base model, resolved as training resolves it
        try:
            from fazhi.settings import load_settings
            from training.base_model import resolve_base_model
            from training.entities import EntityTrainConfig

            settings = load_settings()
            base = EntityTrainConfig.from_dict(settings.table("entities")).base_model
            tokenizer = resolve_base_model(base, settings.paths.base_models,
                                           settings.paths.shared_models)
        except (ImportError, OSError, RuntimeError) as err:
            print(f"fazhi corpus unk: no tokenizer ({err}); pass --tokenizer DIR",
                  file=sys.stderr)
            return 1
    tokenizer = Path(tokenizer)
    if not (tokenizer / "tokenizer_config.json").exists() and \
            not (tokenizer / "tokenizer.json").exists():
        print(f"{tokenizer}: no tokenizer there; `fazhi corpus unk` needs the pretrained "
              "encoder of ../shared/models beside the checkout (or --tokenizer DIR)",
              file=sys.stderr)
        return 1
    from transformers import AutoTokenizer

    from fazhi.corpus import load_texts
    from fazhi.normalize import normalize

    tok = AutoTokenizer.from_pretrained(str(tokenizer), local_files_only=True)
    print(f"{'report':<22} {'tokens':>7} {'[UNK] before':>13} {'[UNK] after':>12}")
    tot = [0, 0, 0, 0]
    for doc_id, text in load_texts(args.corpus).items():
        row = []
        for t in (text, normalize(text).text):
            ids = tok(t, add_special_tokens=False)["input_ids"]
            row += [len(ids), ids.count(tok.unk_token_id)]
        tot = [a + b for a, b in zip(tot, row)]
        print(f"{doc_id:<22} {row[0]:>7} {row[1] / row[0]:>13.2%} {row[3] / row[2]:>12.2%}")
    print(f"{'all':<22} {tot[0]:>7} {tot[1] / tot[0]:>13.2%} {tot[3] / tot[2]:>12.2%}")
    return 0


def cmd_normalize(args) -> int:
    from fazhi.io import InputError, read_report
    from fazhi.normalize import NormalizerConfig, normalize

    config = NormalizerConfig.from_toml(args.config) if args.config else None
    try:
        text, encoding = read_report(args.file)
    except InputError as err:
        print(err, file=sys.stderr)
        return 1
    if encoding != "utf-8":
        print(f"{args.file}: decoded as {encoding}", file=sys.stderr)
    norm = normalize(text, config)
    sys.stdout.write(norm.text)
    for start, end, reason in norm.removed:
        print(f"{args.file} {start}-{end}: removed ({reason}): {text[start:end]!r}", file=sys.stderr)
    return 0

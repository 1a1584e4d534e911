"""Compact storage of a fine-tuned encoder: every matrix as int8 with one float16 scale per
row, everything else (biases, LayerNorms) as float16.

The e5-small-zh tagger has 35 M parameters: 141 MB in float32, 70 MB in float16, 37 MB
this way. Loading dequantises to float32, so the model computes exactly as a float32 model
with these (rounded) weights; whether the rounding costs F1 is measured in
training/README.md. (`[pipeline] quantize` is a different thing: int8 *arithmetic* at
inference.)
"""

from __future__ import annotations

from pathlib import Path

WEIGHTS = "model.int8.safetensors"
_QUANT, _SCALE = ".int8", ".scale"


def save_compact(model, path: str | Path) -> Path:
    """Write `model`'s config and compact weights into the directory `path`."""
    import torch
    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(path)
    tensors = {}
    for name, value in model.state_dict().items():
        value = value.detach().float()
        if value.dim() == 2 and value.shape[1] >= 16:
            scale = value.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127
            tensors[name + _QUANT] = torch.round(value / scale).to(torch.int8).contiguous()
            tensors[name + _SCALE] = scale.to(torch.float16).contiguous()
        else:
            tensors[name] = value.to(torch.float16).contiguous()
    target = path / WEIGHTS
    save_file(tensors, target)
    return target


def load_compact(path: str | Path):
    """The token classifier saved by `save_compact`, in float32."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForTokenClassification

    path = Path(path)
    config = AutoConfig.from_pretrained(path)
    model = AutoModelForTokenClassification.from_config(config, dtype=torch.float32)
    stored = load_file(path / WEIGHTS)
    state = {}
    for key, value in stored.items():
        if key.endswith(_QUANT):
            name = key[:-len(_QUANT)]
            state[name] = value.float() * stored[name + _SCALE].float()
        elif not key.endswith(_SCALE):
            state[key] = value.float()
    # Buffers a model recomputes (position ids) may be absent from older saves.
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if not m.endswith(("position_ids", "token_type_ids"))]:
        raise ValueError(f"{path / WEIGHTS}: weights do not fit the config "
                         f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model.eval()


def is_compact(path: str | Path) -> bool:
    return (Path(path) / WEIGHTS).is_file()

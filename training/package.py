"""The `package` stage: assemble the trained entity and section models in a model folder into
the spaCy pipeline saved in that same folder (config.cfg, meta.json, one folder per
component), so that `spacy.load(folder)` and `fazhi tag --model folder` work.

    python -m training.package [--config configs/default.toml] [--model models/fazhi-zh]

`python -m training.run` ends with this stage; run it alone after changing [pipeline].
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fazhi.io import load_toml
from fazhi.normalize import NormalizerConfig


def package(model_dir: str | Path, cfg: dict) -> Path:
    from fazhi.pipeline import assemble

    model_dir = Path(model_dir)
    entities = cfg.get("entities", {})
    settings = {**{k: entities[k] for k in ("window", "stride") if k in entities},
                **cfg.get("pipeline", {})}
    segmenter = settings.pop("segmenter", "char")
    pkuseg_model = settings.pop("pkuseg_model", "") or None
    ner, sections = model_dir / "ner", model_dir / "sections"
    nlp = assemble(ner if ner.is_dir() else None, sections if sections.is_dir() else None,
                   NormalizerConfig.from_dict(cfg.get("normalize", {})), segmenter=segmenter,
                   pkuseg_model=pkuseg_model,
                   # spaCy rejects settings the ner factory does not know
                   entity_settings=settings)
    nlp.to_disk(model_dir)
    return model_dir


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.package", description=__doc__)
    ap.add_argument("--config", default="configs/default.toml")
    ap.add_argument("--model", default="models/fazhi-zh")
    args = ap.parse_args(argv)
    out = package(args.model, load_toml(args.config))
    print(f"saved the pipeline in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

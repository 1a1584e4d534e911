"""The `package` stage: assemble the trained entity and section models in a model folder into
the spaCy pipeline saved in that same folder (config.cfg, meta.json, one folder per
component), so that `spacy.load(folder)` and `fazhi tag --model folder` work.

    python -m training.package [--config configs/default.toml] [--model models/fazhi-zh]

`python -m training.run` ends with this stage; run it alone after changing [pipeline]. The
saved config.cfg carries every inference setting: [normalize], [pipeline] and the section
decoder's settings from [sections].
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fazhi.settings import Settings, load_settings


def sections_config(settings: Settings) -> dict:
    """The section decoder's settings the tagger was trained with."""
    table = settings.table("sections")
    return {k: table[k] for k in ("run_on_chars", "body_chars") if k in table}


def package(model_dir: str | Path, settings: Settings) -> Path:
    from fazhi.pipeline import assemble

    model_dir = Path(model_dir)
    pipe = settings.pipeline
    ner, sections = model_dir / "ner", model_dir / "sections"
    nlp = assemble(ner if ner.is_dir() else None, sections if sections.is_dir() else None,
                   settings.normalize, segmenter=pipe.segmenter,
                   pkuseg_model=pipe.pkuseg_model or None, ner_config=pipe.ner_config(),
                   sections_config=sections_config(settings),
                   values_dir=model_dir / "values", values_config=pipe.values_config(),
                   document_dir=model_dir / "document")
    nlp.to_disk(model_dir)
    return model_dir


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.package", description=__doc__)
    ap.add_argument("--config", default=None, help="default: configs/default.toml")
    ap.add_argument("--model", default=None, help="default: [paths] model")
    args = ap.parse_args(argv)
    settings = load_settings(args.config)
    out = package(args.model or settings.paths.model, settings)
    print(f"saved the pipeline in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The `package` stage: assemble the trained entity and section models in a model folder into
the spaCy pipeline saved in that same folder (config.cfg, meta.json, one folder per
component), so that `spacy.load(folder)` and `fazhi tag --model folder` work.

    python -m training.package [--config configs/default.toml] [--model models/fazhi-zh]

`python -m training.run` ends with this stage; run it alone after changing [pipeline]. The
saved config.cfg carries every inference setting: [normalize], [pipeline] and the section
decoder's settings from [sections].

    python -m training.package --wheel dist [--model models/fazhi-zh]     (make model-package)

builds the saved pipeline into an installable model package instead, the spaCy way (`spacy
package`'s layout and setup.py), as a wheel: `pip install dist/zh_fazhi-*.whl`, then
`spacy.load("zh_fazhi")` works in any directory and `fazhi tag` uses it by default. The
package holds the model's data only; its code is fazhi's, which it requires (the components
come through fazhi's spacy_factories entry points).
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from fazhi.settings import Settings, load_settings

log = logging.getLogger("fazhi")


def sections_config(settings: Settings) -> dict:
    """The section decoder's settings the tagger was trained with."""
    table = settings.table("sections")
    return {k: table[k] for k in ("run_on_chars", "body_chars") if k in table}


def values_config(settings: Settings, values_dir: Path) -> dict:
    """`[pipeline] subjects`, or, where the model folder lacks what that finder needs (a run
    with --no-values into a new folder), the best finder it has, with a warning: a saved
    pipeline must load."""
    from fazhi.pipeline.values import SUBJECT_HEAD, SUBJECT_MODEL

    wanted = settings.pipeline.subjects
    have = ["heuristic"]
    if (values_dir / SUBJECT_MODEL).is_file():
        have.insert(0, "learned")
        if (values_dir / SUBJECT_HEAD).is_dir():
            have.insert(0, "encoder")
    if wanted in have:
        return {"subjects": wanted}
    log.warning("%s: no saved %s finder; the pipeline uses subjects = %r (python -m "
                "training.subjects saves it)", values_dir, wanted, have[0])
    return {"subjects": have[0]}


def package(model_dir: str | Path, settings: Settings) -> Path:
    from fazhi.pipeline import assemble

    model_dir = Path(model_dir)
    pipe = settings.pipeline
    ner, sections = model_dir / "ner", model_dir / "sections"
    nlp = assemble(ner if ner.is_dir() else None, sections if sections.is_dir() else None,
                   settings.normalize, segmenter=pipe.segmenter,
                   pkuseg_model=pipe.pkuseg_model or None, ner_config=pipe.ner_config(),
                   sections_config=sections_config(settings),
                   values_dir=model_dir / "values",
                   values_config=values_config(settings, model_dir / "values"),
                   document_dir=model_dir / "document")
    nlp.to_disk(model_dir)
    return model_dir


# The package's __init__.py: spaCy's template, except that load() goes through fazhi's
# loader, which refuses pickles in the folder, checks that each file is whole and gives the
# tokenizer its linear word alignment (fazhi.pipeline.load), as `fazhi tag` loads a folder.
PACKAGE_INIT = '''"""The fazhi pipeline as a spaCy model package: spacy.load("{name}")."""

from pathlib import Path

from spacy.util import get_model_meta

__version__ = get_model_meta(Path(__file__).parent)["version"]


def data_path() -> Path:
    """The saved pipeline inside the package."""
    return Path(__file__).parent / f"{name}-{{__version__}}"


def load(**overrides):
    from fazhi.pipeline import load as load_pipeline

    return load_pipeline(data_path(), **overrides)
'''


def _require_fazhi(meta_file: Path) -> None:
    """spaCy lists the distribution that registers the pipeline's factories among the
    requirements; a fazhi run from its source without being installed has none, and the
    package must require it all the same."""
    from spacy.util import split_requirement

    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    requirements = meta.setdefault("requirements", [])
    if "fazhi" not in {split_requirement(r)[0] for r in requirements}:
        requirements.append("fazhi")
        meta_file.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")


def build_model_package(model_dir: str | Path, out_dir: str | Path) -> Path:
    """The saved pipeline in `model_dir` as a wheel of the model package in `out_dir`
    (returned): spaCy's package directory (`spacy package`: setup.py, meta.json with the
    requirements it finds, fazhi's among them, the pipeline copied in), built by pip with the
    setuptools already installed, so nothing is downloaded."""
    from spacy.cli.package import package as spacy_package

    from fazhi.pipeline import PACKAGE

    model_dir, out_dir = Path(model_dir), Path(out_dir)
    name = PACKAGE.split("_", 1)[1]  # spaCy prefixes the language
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        spacy_package(model_dir, Path(tmp), name=name, create_sdist=False,
                      create_wheel=False, require_parent=True, force=True, silent=True)
        (main,) = Path(tmp).glob(f"{PACKAGE}-*")
        _require_fazhi(main / "meta.json")
        (main / PACKAGE / "__init__.py").write_text(PACKAGE_INIT.format(name=PACKAGE),
                                                    encoding="utf-8")
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                        "--no-build-isolation", "--wheel-dir", str(out_dir), str(main)],
                       check=True)
    version = main.name.split("-", 1)[1]
    wheels = sorted(out_dir.glob(f"{PACKAGE}-{version}-*.whl"))
    if not wheels:
        raise RuntimeError(f"pip wrote no wheel of {PACKAGE} {version} into {out_dir}")
    return wheels[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.package", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=None, help="default: configs/default.toml")
    ap.add_argument("--model", default=None, help="default: [paths] model")
    ap.add_argument("--wheel", metavar="DIR", help="build the installable model package "
                    "into DIR instead of re-saving the pipeline")
    args = ap.parse_args(argv)
    settings = load_settings(args.config)
    model = args.model or settings.paths.model
    if args.wheel:
        wheel = build_model_package(model, args.wheel)
        print(f"built {wheel}; install it with: pip install {wheel}")
        return 0
    out = package(model, settings)
    print(f"saved the pipeline in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

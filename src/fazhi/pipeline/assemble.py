"""Assembling the pipeline from trained parts, and loading a saved one."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import spacy
from spacy.language import Language

from fazhi.normalize import NormalizerConfig

# Importing the component modules registers their factories; a saved pipeline loaded in a
# fresh process finds them through the package's spacy_factories entry points instead.
from fazhi.pipeline import document, ner, normalizer, sections, sentences, values  # noqa: F401
from fazhi.pipeline.tokens import linear_tokenizer

PIPE_NAMES = ("normalizer", "sections", "ner", "values", "document", "sentences")
SEGMENTERS = ("char", "pkuseg")

log = logging.getLogger("fazhi")


class ModelError(ValueError):
    """A model folder that cannot, or must not, be loaded; the message is one line that
    names the file."""


def assemble(ner_dir: str | Path | None, sections_dir: str | Path | None,
             normalizer_config: NormalizerConfig | None = None, segmenter: str = "char",
             pkuseg_model: str | Path | None = None, ner_config: dict | None = None,
             sections_config: dict | None = None, values_dir: str | Path | None = None,
             values_config: dict | None = None,
             document_dir: str | Path | None = None) -> Language:
    """A pipeline with the entity model saved in `ner_dir` (EntityTagger.to_disk) and the
    section model in `sections_dir` (SectionTagger.to_disk); either may be None to leave that
    component out. The configs become the components' config (config.cfg once saved).
    `values_dir` holds the learned subject models (`subjects.json` and `subject_head/`, for
    `values_config` {"subjects": "encoder"}, or the first alone for "learned");
    `document_dir` the places of the `document` component, which
    otherwise come from the administrative-division data packages.

    `segmenter` is spaCy's Chinese segmenter: "char" (default) or "pkuseg" with a
    `pkuseg_model` directory (spacy-pkuseg's own models download at run time, which fails
    offline, so a local one is required).
    """
    tokenizer = {"segmenter": segmenter}
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": tokenizer}})
    linear_tokenizer(nlp)
    if segmenter == "pkuseg":
        if not pkuseg_model:
            raise ValueError("segmenter pkuseg needs a local pkuseg_model directory")
        nlp.tokenizer.initialize(pkuseg_model=str(pkuseg_model))
    nlp.add_pipe("fazhi_normalizer", name="normalizer",
                 config=normalizer.normalizer_config(normalizer_config or NormalizerConfig()))
    if sections_dir is not None:
        nlp.add_pipe("fazhi_sections", name="sections",
                     config=sections_config or {}).from_disk(sections_dir)
    if ner_dir is not None:
        nlp.add_pipe("fazhi_ner", name="ner", config=ner_config or {}).from_disk(ner_dir)
        values_pipe = nlp.add_pipe("fazhi_values", name="values", config=values_config or {})
        if values_dir is not None and Path(values_dir).is_dir():
            values_pipe.from_disk(values_dir)
    doc_pipe = nlp.add_pipe("fazhi_document", name="document")
    if document_dir is not None and (Path(document_dir) / document.PLACES).exists():
        doc_pipe.from_disk(document_dir)
    else:
        doc_pipe.initialize_places()
    nlp.add_pipe("fazhi_sentences", name="sentences")
    nlp.meta.update({
        "name": "fazhi_zh", "version": "0.1.0",
        "description": "Sections and entities (MEASURE, INDICATOR, ORG, REGULATION) of "
                       "Chinese annual reports on rule-of-law government construction",
        "license": "model weights: research use only (LTP); code: MIT",
    })
    return nlp


# `fazhi tag --fast`: entities from the rules tagger saved with the entity tagger and subjects
# from the ranker alone; neither encoder runs (benchmarks/tagging.py --fast times it).
FAST = {"components.ner.rules_only": True, "components.values.subjects": "learned"}


def load(path: str | Path, pkuseg_model: str | Path | None = None, fast: bool = False,
         **kwargs) -> Language:
    """spacy.load with a one-line error for a folder that is not a saved pipeline or holds a
    damaged file, and an optional local pkuseg model to segment words with instead of the
    saved segmenter. `fast`: the `FAST` settings.

    Nothing is unpickled from the model folder or from `pkuseg_model`: pickle-format files
    are refused, weights load from safetensors, everything else from JSON and msgpack. spaCy
    would load any `tokenizer/pkuseg_model` folder it finds, and spacy-pkuseg falls back to
    pickle.load for its features, so the tokenizer is loaded here: a pkuseg folder is read
    only when the pipeline's segmenter is pkuseg, and refused if it holds a pickle.
    """
    path = Path(path)
    if not (path / "config.cfg").exists():
        raise FileNotFoundError(f"{path}: not a saved fazhi pipeline (no config.cfg)")
    segmenter = saved_segmenter(path)
    saved_pkuseg = path / "tokenizer" / "pkuseg_model"
    use_saved_pkuseg = segmenter == "pkuseg" and pkuseg_model is None
    if pkuseg_model is not None:
        pkuseg_model = check_pkuseg_folder(pkuseg_model)
    elif use_saved_pkuseg:
        check_pkuseg_folder(saved_pkuseg)
    elif saved_pkuseg.exists():
        log.info("%s: ignored (the pipeline's segmenter is %s)", saved_pkuseg, segmenter)
    check_model_files(path, skip=None if use_saved_pkuseg else saved_pkuseg)
    exclude = [*kwargs.pop("exclude", ()), "tokenizer"]
    if fast:
        kwargs["config"] = {**FAST, **kwargs.get("config", {})}
    try:
        nlp = spacy.load(path, exclude=exclude, **kwargs)
        if pkuseg_model is not None:
            nlp.tokenizer.segmenter = "pkuseg"
            nlp.tokenizer.initialize(pkuseg_model=str(pkuseg_model))
        elif use_saved_pkuseg:
            nlp.tokenizer.from_disk(path / "tokenizer")
        else:
            nlp.tokenizer.segmenter = segmenter
        linear_tokenizer(nlp)
    except ModelError:
        raise
    except Exception as err:
        raise ModelError(f"{path}: {_one_line(err)}") from err
    return nlp


def _one_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return f"{type(err).__name__}: {lines[0] if lines else 'no message'}"


def saved_segmenter(path: Path) -> str:
    """The word segmenter a saved pipeline uses: its tokenizer's cfg, else config.cfg."""
    cfg_file = path / "tokenizer" / "cfg"
    try:
        if cfg_file.exists():
            segmenter = json.loads(cfg_file.read_text(encoding="utf-8")).get("segmenter")
        else:
            cfg_file = path / "config.cfg"
            segmenter = spacy.util.load_config(cfg_file)["nlp"]["tokenizer"].get("segmenter")
    except Exception as err:
        raise ModelError(f"{cfg_file}: cannot be read ({_one_line(err)})") from err
    segmenter = segmenter or "char"
    if segmenter not in SEGMENTERS:
        raise ModelError(f"{cfg_file}: segmenter {segmenter!r} is not supported "
                         f"({' or '.join(SEGMENTERS)})")
    return segmenter


# Files that hold pickles: unpickling runs code. (spaCy's own .bin files are msgpack.)
_PICKLE = re.compile(r".*\.(pkl|pickle|pt|pth|ckpt|joblib)$|pytorch_model.*\.bin$|"
                     r"training_args\.bin$", re.IGNORECASE)


def _files(folder: Path, skip: Path | None = None):
    for root, dirs, files in os.walk(folder, followlinks=True):
        if skip is not None and Path(root) == skip.parent:
            dirs[:] = [d for d in dirs if d != skip.name]
        for name in sorted(files):
            yield Path(root) / name


def check_model_files(folder: str | Path, skip: Path | None = None) -> None:
    """Refuse pickle-format files and check that each safetensors, JSON and config file is
    whole, so that a damaged model is one line naming the file (ModelError). `skip`: a
    sub-folder that is not loaded."""
    for f in _files(Path(folder), skip):
        if _PICKLE.match(f.name):
            raise ModelError(f"{f}: a pickle-format file in the model folder; fazhi never "
                             "unpickles (it would run code) and loads only safetensors, JSON "
                             "and msgpack")
        if f.suffix == ".safetensors":
            check_safetensors(f)
        elif f.suffix == ".json":
            try:
                with open(f, encoding="utf-8") as fh:
                    json.load(fh)
            except (OSError, ValueError) as err:
                raise ModelError(f"{f}: not valid JSON ({_one_line(err)})") from None


def check_safetensors(f: Path) -> None:
    """A safetensors file is an 8-byte header length, a JSON header giving each tensor's
    byte range, then the data: a truncated file is one whose size does not add up."""
    try:
        size = f.stat().st_size
        with open(f, "rb") as fh:
            n = int.from_bytes(fh.read(8), "little")
            if size < 8 or n > size - 8:
                raise ModelError(f"{f}: truncated or not a safetensors file ({size:,} bytes)")
            header = json.loads(fh.read(n))
        end = max((int(v["data_offsets"][1]) for k, v in header.items()
                   if k != "__metadata__"), default=0)
    except ModelError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError) as err:
        raise ModelError(f"{f}: not a valid safetensors file ({_one_line(err)})") from None
    if 8 + n + end != size:
        raise ModelError(f"{f}: truncated or damaged safetensors file (its header describes "
                         f"{8 + n + end:,} bytes, the file has {size:,})")


def check_pkuseg_folder(folder: str | Path) -> Path:
    """A local spacy-pkuseg model folder that holds no pickle, as an absolute path (a bare
    name such as `mixed` would make spacy-pkuseg download a model)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"{folder}: not a pkuseg model folder")
    for f in _files(folder):
        if _PICKLE.match(f.name):
            raise ModelError(f"{f}: the pkuseg model holds a pickle, which spacy-pkuseg "
                             "would load and run; fazhi refuses it (features.msgpack and "
                             "weights.npz are read safely)")
    return folder.resolve()

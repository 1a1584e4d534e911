"""The normaliser as a pipeline component: `doc._.normalized` holds the clean simplified text
the models read and its exact map back to `doc.text`, which stays the report as written."""

from __future__ import annotations

import json
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from fazhi.normalize import Normalizer, NormalizerConfig
from fazhi.pipeline import extensions  # noqa: F401  (registers doc._.normalized)


class NormalizerComponent:
    def __init__(self, name: str, to_simplified: str, fold_width: bool, repair_artefacts: bool):
        self.name = name
        # Character equivalents and boilerplate lines are data, like an entity ruler's
        # patterns: they come from the project config at assembly and travel in to_disk.
        self.switches = {"to_simplified": to_simplified, "fold_width": fold_width,
                         "repair_artefacts": repair_artefacts}
        self.configure(NormalizerConfig())

    def configure(self, config: NormalizerConfig) -> None:
        """Take the character equivalents and boilerplate patterns of `config`; the switches
        stay those of the component's own config."""
        self.config = NormalizerConfig.from_dict({
            **self.switches, "equivalents": dict(config.equivalents),
            "boilerplate": list(config.boilerplate)})
        self.normalizer = Normalizer(self.config)

    def __call__(self, doc: Doc) -> Doc:
        doc._.normalized = self.normalizer(doc.text)
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        cfg = {"equivalents": self.config.equivalents,
               "boilerplate": list(self.config.boilerplate)}
        (path / "normalizer.json").write_text(json.dumps(cfg, ensure_ascii=False, indent=1),
                                              encoding="utf-8")

    def from_disk(self, path, exclude=()) -> NormalizerComponent:
        cfg = json.loads((Path(path) / "normalizer.json").read_text(encoding="utf-8"))
        self.configure(NormalizerConfig.from_dict(cfg))
        return self


@Language.factory(
    "fazhi_normalizer",
    default_config={"to_simplified": "auto", "fold_width": True, "repair_artefacts": True},
)
def make_normalizer(nlp: Language, name: str, to_simplified: str, fold_width: bool,
                    repair_artefacts: bool) -> NormalizerComponent:
    return NormalizerComponent(name, to_simplified, fold_width, repair_artefacts)


def normalized(doc: Doc):
    """The Doc's normalised text, computed with default settings when no normaliser ran."""
    if doc._.normalized is None:
        doc._.normalized = Normalizer()(doc.text)
    return doc._.normalized

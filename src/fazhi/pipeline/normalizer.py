"""The normaliser as a pipeline component: `doc._.normalized` holds the clean simplified text
the models read and its exact map back to `doc.text`, which stays the report as written."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from fazhi.normalize import DEFAULT_BOILERPLATE, DEFAULT_EQUIVALENTS, Normalizer, NormalizerConfig
from fazhi.pipeline import extensions  # noqa: F401  (registers doc._.normalized)


class NormalizerComponent:
    """Every setting is in the component's config (config.cfg of a saved pipeline); it saves
    no files of its own."""

    def __init__(self, name: str, config: NormalizerConfig):
        self.name = name
        self.config = config
        self.normalizer = Normalizer(config)

    def __call__(self, doc: Doc) -> Doc:
        doc._.normalized = self.normalizer(doc.text)
        return doc


@Language.factory(
    "fazhi_normalizer",
    assigns=["doc._.normalized"],
    default_config={
        "to_simplified": "auto", "fold_width": True, "repair_artefacts": True,
        # pairs rather than a mapping: the config format keeps any character in a string
        "equivalents": [[k, v] for k, v in DEFAULT_EQUIVALENTS.items()],
        "boilerplate": list(DEFAULT_BOILERPLATE),
    },
)
def make_normalizer(nlp: Language, name: str, to_simplified: str, fold_width: bool,
                    repair_artefacts: bool, equivalents: list[list[str]],
                    boilerplate: list[str]) -> NormalizerComponent:
    return NormalizerComponent(name, NormalizerConfig.from_dict({
        "to_simplified": to_simplified, "fold_width": fold_width,
        "repair_artefacts": repair_artefacts, "equivalents": dict(map(tuple, equivalents)),
        "boilerplate": boilerplate}))


def normalizer_config(config: NormalizerConfig) -> dict:
    """The component's config for a NormalizerConfig (what the package stage writes)."""
    return {"to_simplified": config.to_simplified, "fold_width": config.fold_width,
            "repair_artefacts": config.repair_artefacts,
            "equivalents": [[k, v] for k, v in config.equivalents.items()],
            "boilerplate": list(config.boilerplate)}


def normalized(doc: Doc):
    """The Doc's normalised text, computed with default settings when no normaliser ran."""
    if doc._.normalized is None:
        doc._.normalized = Normalizer()(doc.text)
    return doc._.normalized

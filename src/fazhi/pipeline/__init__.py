"""The spaCy pipeline: a report in, a Doc with sections, entities and their values out.

Components (each a factory registered through the `spacy_factories` entry points, so that
`spacy.load("models/fazhi-zh")` finds them in a fresh process):

    normalizer → sections → ner → values → document → sentences

The Doc's text is always the report as written; the normalised text the models read lives
in `doc._.normalized` with its map back to the original, so every offset a user sees refers
to the original report.
"""

from fazhi.pipeline.assemble import ModelError, assemble, load
from fazhi.pipeline.locate import PACKAGE, locate_model

__all__ = ["PACKAGE", "ModelError", "assemble", "load", "locate_model"]

"""Who reported and when (`doc._.document`, a plain dict): the issuing unit and the report
year, found by `fazhi.document` in the report's title, dateline and opening sentence.

The administrative divisions it resolves units against are saved with the component
(`places.json`), taken from the data packages when the pipeline is packaged, so tagging
needs no data package."""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from fazhi.document import PlaceTable, extract
from fazhi.pipeline import extensions  # noqa: F401
from fazhi.pipeline.normalizer import normalized

PLACES = "places.json"


class DocumentComponent:
    def __init__(self, name: str):
        self.name = name
        self.places: PlaceTable | None = None

    def __call__(self, doc: Doc) -> Doc:
        doc._.document = extract(normalized(doc), self.places)
        return doc

    def initialize_places(self) -> DocumentComponent:
        """The places from the data packages (the [train] extra), for packaging."""
        self.places = PlaceTable.from_data_packages()
        return self

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.places is not None:
            self.places.to_disk(path / PLACES)

    def from_disk(self, path, exclude=()) -> DocumentComponent:
        f = Path(path) / PLACES
        if f.exists():
            self.places = PlaceTable.from_disk(f)
        return self


@Language.factory("fazhi_document", default_config={})
def make_document(nlp: Language, name: str) -> DocumentComponent:
    return DocumentComponent(name)

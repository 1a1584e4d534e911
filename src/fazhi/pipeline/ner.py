"""The transformer entity tagger as a pipeline component: it reads the normalised text in
overlapping windows, batched across the documents of a `nlp.pipe` batch, and sets `doc.ents`
on the original text."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from fazhi.entity_tagger import EntityTagger, quantize_dynamic
from fazhi.labels import ENTITY_LABELS
from fazhi.pipeline import extensions  # noqa: F401
from fazhi.pipeline.normalizer import normalized
from fazhi.pipeline.tokens import char_spans
from fazhi.settings import PipelineSettings


class NerComponent:
    """Its settings (windows, batch size, int8) are the component's config; `ner/` holds the
    trained tagger (`EntityTagger.to_disk`). `rules_only`: tag with the rules tagger saved
    beside the encoder and leave the encoder unloaded (`fazhi tag --fast`)."""

    def __init__(self, name: str, window: int, stride: int, batch_size: int, quantize: bool,
                 rules_only: bool = False):
        self.name = name
        self.quantize = quantize
        self.rules_only = rules_only
        self.tagger = EntityTagger(window=window, stride=stride, batch_size=batch_size)

    @property
    def labels(self) -> tuple[str, ...]:
        return ENTITY_LABELS

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream, batch_size: int = 32):
        stream = iter(stream)
        while batch := list(islice(stream, batch_size)):
            self.set_annotations(batch)
            yield from batch

    def set_annotations(self, docs: list[Doc]) -> None:
        norms = [normalized(doc) for doc in docs]
        texts = [n.text for n in norms]
        if self.rules_only:
            if self.tagger.rules is None:
                raise ValueError(f"{self.name}: rules_only, but no rules tagger loaded")
            predicted = [self.tagger.rules.predict(t) for t in texts]
        elif self.tagger.model is None:
            raise ValueError(f"{self.name}: no entity model loaded (use from_disk)")
        else:
            predicted = self.tagger.predict(texts)
        for doc, norm, spans in zip(docs, norms, predicted):
            original = [(*norm.to_original(a, b), lab) for a, b, lab in spans]
            ents = char_spans(doc, original)
            # Whitespace trimming can make two spans touch the same token; keep the longer.
            doc.ents = filter_spans(ents)

    def score(self, examples, **kwargs) -> dict:
        """Exact-span precision, recall and F1 per label and overall (`ents_p`, `ents_r`,
        `ents_f`, `ents_per_type`): on character offsets these equal seqeval's strict IOB2
        scores that training reports."""
        from spacy.scorer import get_ner_prf

        return get_ner_prf(examples)

    def to_disk(self, path, exclude=()) -> None:
        if self.quantize or self.rules_only:
            raise ValueError(f"{self.name}: a quantised or rules-only component is not saved; "
                             f"save the full float one")
        self.tagger.to_disk(Path(path))

    def from_disk(self, path, exclude=()) -> NerComponent:
        from transformers.utils import logging as hf_logging

        # transformers takes a path that is not a model folder for a hub id, and retries
        # the network for half a minute before failing: a missing tagger is said here.
        if not (Path(path) / "config.json").is_file():
            raise FileNotFoundError(f"{path}: no saved entity tagger here (no config.json)")
        if self.rules_only:
            if not (Path(path) / "rules.json").is_file():
                raise FileNotFoundError(f"{path}: rules_only, but the entity tagger was saved "
                                        f"without its rules tagger (no rules.json)")
            from fazhi.rules import RuleTagger

            self.tagger.rules = RuleTagger().from_disk(Path(path))
            return self

        # A weights-loading bar for a 20 MB local file is noise in `fazhi tag`'s output.
        shown = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            self.tagger.from_disk(Path(path))
        finally:
            if shown:
                hf_logging.enable_progress_bar()
        if self.quantize:
            quantize_dynamic(self.tagger)
        return self


@Language.factory(
    "fazhi_ner",
    assigns=["doc.ents"],
    requires=["doc._.normalized"],
    default_config=PipelineSettings().ner_config(),
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0,
                           "ents_per_type": None},
)
def make_ner(nlp: Language, name: str, window: int, stride: int, batch_size: int,
             quantize: bool, rules_only: bool = False) -> NerComponent:
    return NerComponent(name, window, stride, batch_size, quantize, rules_only)

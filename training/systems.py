"""The systems the folds compare: for each name, a function from training examples to a
predictor.

Entity systems map a list of training examples to `(predict, detail)`, where `predict` takes
normalised texts and returns spans on them, and `detail` is the training result (with its
history) or None. Section systems map training examples to a tagger with
`predict_normalized(norm)`.
"""

from __future__ import annotations

from dataclasses import replace

from fazhi.settings import Settings
from training.entities import EntityTrainConfig, train_entity_tagger

ENTITY_SYSTEMS = ("transformer", "rules", "spacy_ner", "random_init")
# Run on request: the transformer recipe with its rule-tag input switched off.
EXTRA_SYSTEMS = ("no_rule_input",)
SECTION_SYSTEMS = ("model", "rules")


def entity_config(settings: Settings) -> EntityTrainConfig:
    return EntityTrainConfig.from_dict(settings.table("entities"))


def entity_systems(settings: Settings, base_path: str, names: tuple[str, ...]) -> dict:
    """name → function(train examples) → (predict(list of normalised texts) → spans, detail)."""
    transformer_cfg = entity_config(settings)
    pipe = settings.pipeline

    def fine_tuned(cfg: EntityTrainConfig):
        def make(train):
            result = train_entity_tagger(train, cfg, base_path, rules=settings.rules.__dict__)
            # Scored as the shipped pipeline predicts: its windows and batch size.
            tagger = result.tagger
            tagger.window, tagger.stride, tagger.batch_size = pipe.window, pipe.stride, \
                pipe.batch_size
            return tagger.predict, result
        return make

    def rules(train):
        from fazhi.rules import RuleTagger

        tagger = RuleTagger(**settings.rules.__dict__).fit(train)
        return (lambda texts: [tagger.predict(t) for t in texts]), None

    def spacy_ner(train):
        from training.baselines.spacy_ner import predict_spacy, train_spacy_ner

        seed = settings.tables.get("spacy_ner", {}).get("seed", 0)
        nlp = train_spacy_ner(train, None, config_path=settings.paths.spacy_ner_config,
                              seed=seed)
        return (lambda texts: [predict_spacy(nlp, t) for t in texts]), None

    random_cfg = EntityTrainConfig.from_dict({
        **transformer_cfg.__dict__, **settings.subtable("entities", "random_init"),
        "pretrained": False})
    table = {"transformer": fine_tuned(transformer_cfg), "rules": rules,
             "spacy_ner": spacy_ner, "random_init": fine_tuned(random_cfg),
             "no_rule_input": fine_tuned(replace(transformer_cfg, rule_features=False))}
    unknown = set(names) - set(table)
    if unknown:
        raise ValueError(f"unknown systems {sorted(unknown)}; known: {', '.join(table)}")
    return {name: table[name] for name in names}


def section_systems(settings: Settings) -> dict:
    """name → function(train examples) → a section tagger."""
    from training.baselines.section_keywords import KeywordSectionTagger
    from training.sections import SectionTrainConfig, train_section_tagger

    table = settings.table("sections")
    c = SectionTrainConfig.from_dict(table)
    systems = {"model": lambda train: train_section_tagger(train, table)}
    if settings.training.sections_synthetic:  # what the passages add, fold by fold
        systems["model_real_only"] = lambda train: train_section_tagger(
            [e for e in train if e.origin == "real"], table)
    systems["rules"] = lambda train: KeywordSectionTagger(c.run_on_chars, c.body_chars)
    return systems

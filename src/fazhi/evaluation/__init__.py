"""Every score the project reports, on original offsets, in one place:

- `spans`: the core: precision, recall and F1 from span sets (exact match), and seqeval's
  strict IOB2 scores, which entity scores use;
- `entities`: strict (seqeval) and partial-overlap entity scores and error lists;
- `bootstrap`: paired bootstrap intervals over paragraphs;
- `sections`: part and topic per character, headings and boundaries;
- `subjects`: exact-match accuracy of indicator subjects;
- `agreement`: span F1 between two annotation passes.

The pipeline components' `score` methods (so `nlp.evaluate`) call these too.
"""

"""Rules-and-gazetteers entity tagger: a baseline, and the source of the transformer's rule
features.

Every candidate comes either from a gazetteer that `fit` builds from the training reports
alone or from a general pattern (titles in 《》, numbers with units, place-anchored
organisation names, governing verb + name + head noun), so a held-out report is tagged
with nothing but what fit() saw plus knowledge of how these reports are written.
Candidates may overlap; `resolve` keeps the longest, as the guidelines let the outer
span win (an ORG inside a REGULATION title, an INDICATOR inside a name).

The text is the normalised one (src/fazhi/normalize.py): quotation marks are 「」,
ASCII is half-width and the script is simplified.

Modules: `common` (shared pieces), `regulations`, `measures`, `numbers`, `orgs` (one
label's patterns each), `tagger` (the gazetteers, `RuleTagger`, `resolve`).
"""

from fazhi.rules.tagger import RuleTagger, resolve

__all__ = ["RuleTagger", "resolve"]

"""The section tagger: split a report into sections and give each a part and a topic.

How it works, and why so (four gold reports to learn from, each fold three):

- **Normalised text in, original offsets out.** Everything is decided on the normaliser's
  simplified, width-folded text, so traditional reports and full-width enumerators look like
  the rest; sections are mapped back to the original, and the lines the normaliser dropped as
  web-site boilerplate become OTHER sections of their own. The result covers every original
  character exactly once, as the gold does.
- **Candidates by pattern, decisions learned.** The enumerators the reports use (`一、`,
  `(一)`, `1.`, `1、`, `(1)`, `①`, `一是`, `——`) are candidates where a heading can stand: at a
  line start, after a sentence end or a colon, right after a character the normaliser dropped
  as an OCR slip (`98.65%o二是…`, the o most likely a 。), or inside a heading just accepted
  (001 runs `二、…举措(一)…职能一是…` together on one line; the guidelines end such a heading
  where the next begins). Enumerators in running text (`第二、全球第七`, `统一、工作标准`,
  `手册(一)》`) are not asked about: no gold heading stands there, and three reports hold too
  few such look-alikes to learn them from. Every line start is a candidate too, and so is the
  end of a title run into the text. A log-linear classifier trained on the gold decides per
  candidate, left to right with what it has decided so far: no boundary, a section with a
  heading, or a headless section (a preamble after a title, a caption, the text after a
  caption). It reads the enumerator kind, what precedes and follows it, whether its number
  continues its level, quotes, the line's shape, and whether prose follows headless lines.
- **Front and back matter by definition.** Tables of contents (lines with dot leaders and
  page numbers) are no candidates and form one OTHER section, and the unnumbered headings the
  specification names (目录, 前言, 结束语, …) open sections whose part it fixes. Only one report
  has any of these, so a held-out fold could never learn them; they are layout facts. So is a
  web site's chrome above the report (its name, breadcrumb, 无障碍/简体/繁体, the 来源/发布时间
  line, 字号, a date line before the title): each such line before the first numbered heading
  is an OTHER section, and the line after it starts afresh (the title).
- **Heading end by the guidelines' rule:** the first 。/；/line end or the next heading; a lead
  sentence longer than `run_on_chars` (32) that runs on into its paragraph ends at its first comma
  (`二是继续加大对街乡的联合培训力度,…`), a one-sentence item only past twice that.
- **Part and topic learned over the structure.** Enumerator kinds get levels in order of
  first use (a stack), which gives each section a parent. Two more log-linear classifiers
  label the sections top-down. Besides label-specific features (a top-level heading's
  characters, a headless section's shape and first characters, the start of the body) they
  read *votes*: the parent's label, the previous section's at the same level (not the one
  just before: a thematic report's (二) follows the last item of (一)'s 未来展望, PLANS), and
  the label the specification's
  keyword lists give the heading or the body, each with one weight shared by all labels. The
  gold thus learns how far to trust inheritance and keywords, and a vote carries over to
  labels a fold has few examples of (DIGITAL, SOCIETY). A sub-section's own words do not
  feed its part (a fold's sub-sections are mostly one report's ACHIEVEMENTS), except that a
  heading that is a part's name (`3.未来展望`) opens that part at any level. A top-level
  heading also reads its rank among the part headings (a first part heading in words no
  training report used is still most likely the measures and results). Parts without a topic
  get NONE.

The classifiers are small (sparse binary features, softmax), so a whole leave-one-report-out
evaluation trains in seconds; the training code is `training/sections.py`.
"""

from fazhi.sections.candidates import Candidate, find_candidates, heading_end, toc_blocks
from fazhi.sections.keywords import PART_KEYWORDS, TOPIC_KEYWORDS, keyword_label
from fazhi.sections.loglinear import LogLinear
from fazhi.sections.nodes import Node, heading_text
from fazhi.sections.original import ocr_breaks, to_original_sections
from fazhi.sections.structure import BOUNDARY_LABELS, allowed_boundaries, label_nodes, segment
from fazhi.sections.tagger import SectionTagger

__all__ = [
    "BOUNDARY_LABELS", "PART_KEYWORDS", "TOPIC_KEYWORDS", "Candidate", "LogLinear", "Node",
    "SectionTagger", "allowed_boundaries", "find_candidates", "heading_end", "heading_text",
    "keyword_label", "label_nodes", "ocr_breaks", "segment", "to_original_sections",
    "toc_blocks",
]

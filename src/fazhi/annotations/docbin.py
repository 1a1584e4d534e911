"""Export of the gold to spaCy's DocBin, for spaCy-native training and inspection.

Entities go to `doc.ents`; sections to `doc.spans["sections"]` (label = part), with their
topics in `doc.spans["topics"]` and headings in `doc.spans["headings"]`. With
`normalized=True` the Doc holds the normalised text and every span is mapped onto it.
"""

from __future__ import annotations

from pathlib import Path

from fazhi.annotations.schema import DocAnnotation


def make_doc(nlp, ann: DocAnnotation, text: str, normalized: bool = False):
    if normalized:
        from fazhi.normalize import normalize

        norm = normalize(text)
        text = norm.text

        def conv(a: int, b: int):
            return norm.to_normalized(a, b)
    else:
        def conv(a: int, b: int):
            return a, b

    doc = nlp.make_doc(text)
    ents, sections, topics, headings = [], [], [], []
    for e in ann.entities:
        span = conv(e.start, e.end)
        if span:
            ents.append(_char_span(doc, *span, e.label))
    for s in ann.sections:
        span = conv(s.start, s.end)
        if not span:
            continue  # the whole section was boilerplate the normaliser removed
        sections.append(_char_span(doc, *span, s.part))
        topics.append(_char_span(doc, *span, s.topic))
        if s.heading and (h := conv(*s.heading)):
            headings.append(_char_span(doc, *h, "HEADING"))
    doc.ents = ents
    doc.spans["sections"] = sections
    doc.spans["topics"] = topics
    doc.spans["headings"] = headings
    doc.user_data["doc_id"] = ann.doc_id
    return doc


def _char_span(doc, start: int, end: int, label: str):
    # "expand" keeps an entity whose edge falls inside a multi-character token (pkuseg);
    # with character tokens it is exact.
    span = doc.char_span(start, end, label=label, alignment_mode="expand")
    if span is None:
        raise ValueError(f"{doc.user_data.get('doc_id', '')}: no tokens for {start}-{end} ({label})")
    return span


def export_docbin(path: str | Path, docs: list[DocAnnotation], texts: dict[str, str],
                  normalized: bool = False) -> int:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("zh")
    db = DocBin(store_user_data=True)
    for ann in docs:
        db.add(make_doc(nlp, ann, texts[ann.doc_id], normalized))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    db.to_disk(tmp)
    tmp.replace(path)
    return len(docs)

"""The gold converts to doccano JSONL and back without loss, and exports to a spaCy DocBin."""


import pytest

from fazhi.annotations.doccano import from_doccano, read_doccano, to_doccano, write_doccano


def test_doccano_round_trip_keeps_every_span(gold, corpus_texts, tmp_path):
    path = tmp_path / "doccano.jsonl"
    write_doccano(path, gold, corpus_texts)
    back = read_doccano(path, corpus_texts)
    assert [d.to_json() for d in back] == [d.to_json() for d in gold]


def test_doccano_newer_entity_form_is_read(gold, corpus_texts):
    rec = to_doccano(gold[:1], corpus_texts)[0]
    rec["entities"] = [{"id": i, "start_offset": s, "end_offset": e, "label": lab}
                       for i, (s, e, lab) in enumerate(rec.pop("label"))]
    assert from_doccano([rec], corpus_texts)[0].entities == gold[0].entities


def test_doccano_record_with_edited_text_is_refused(gold, corpus_texts):
    rec = to_doccano(gold[:1], corpus_texts)[0]
    rec["text"] = rec["text"].replace("市", "县", 1)
    with pytest.raises(ValueError, match="differs"):
        from_doccano([rec], corpus_texts)


@pytest.mark.parametrize("normalized", [False, True])
def test_docbin_export_carries_entities_and_sections(gold, corpus_texts, tmp_path, normalized):
    import spacy
    from spacy.tokens import DocBin

    from fazhi.annotations.docbin import export_docbin

    path = tmp_path / "gold.spacy"
    assert export_docbin(path, gold, corpus_texts, normalized=normalized) == len(gold)
    docs = list(DocBin().from_disk(path).get_docs(spacy.blank("zh").vocab))
    for doc, ann in zip(docs, gold):
        assert doc.user_data["doc_id"] == ann.doc_id
        # Every gold entity survives; on normalised text 43⏎4、名 becomes 43名.
        assert len(doc.ents) == len(ann.entities)
        assert len(doc.spans["sections"]) >= len(ann.sections) - 1
        if not normalized:
            assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == \
                   [(e.start, e.end, e.label) for e in sorted(ann.entities)]
    if normalized:
        assert "43名" in [e.text for e in docs[1].ents]

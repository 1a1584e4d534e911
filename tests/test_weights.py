"""Compact weights: int8 matrices with a scale per row, the rest float16 (fazhi.weights)."""

import pytest

torch = pytest.importorskip("torch")


def tiny_classifier():
    from transformers import BertConfig, BertForTokenClassification

    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, num_labels=9)
    return BertForTokenClassification(config).eval()


def test_a_saved_model_loads_back_with_rounded_weights(tmp_path):
    from fazhi.weights import is_compact, load_compact, save_compact

    model = tiny_classifier()
    save_compact(model, tmp_path)
    assert is_compact(tmp_path)
    loaded = load_compact(tmp_path)
    ids = torch.randint(0, 50, (2, 12))
    with torch.inference_mode():
        a, b = model(input_ids=ids).logits, loaded(input_ids=ids).logits
    assert torch.allclose(a, b, atol=0.05)
    assert (a.argmax(-1) == b.argmax(-1)).float().mean() > 0.95


def test_matrices_are_stored_in_int8(tmp_path):
    from safetensors.torch import load_file

    from fazhi.weights import WEIGHTS, save_compact

    save_compact(tiny_classifier(), tmp_path)
    stored = load_file(tmp_path / WEIGHTS)
    assert stored["bert.embeddings.word_embeddings.weight.int8"].dtype == torch.int8
    assert stored["bert.embeddings.LayerNorm.weight"].dtype == torch.float16


def test_a_tagger_loaded_from_float_weights_is_saved_back_unrounded(tmp_path):
    """Saving a loaded pipeline again (`python -m training.package` after a [pipeline]
    change) keeps the weights it was loaded with; only a newly trained tagger is compact."""
    from transformers import AutoTokenizer

    from fazhi.entity_tagger import EntityTagger
    from fazhi.weights import WEIGHTS

    from conftest import ENCODER

    model = tiny_classifier()
    model.save_pretrained(tmp_path / "float")
    AutoTokenizer.from_pretrained(ENCODER).save_pretrained(tmp_path / "float")
    tagger = EntityTagger().from_disk(tmp_path / "float")
    tagger.to_disk(tmp_path / "again")
    assert not (tmp_path / "again" / WEIGHTS).exists()
    back = EntityTagger().from_disk(tmp_path / "again").model.state_dict()
    assert all(torch.equal(v, back[k]) for k, v in model.state_dict().items())
    tagger.compact = True  # as a newly trained tagger is
    tagger.to_disk(tmp_path / "compact")
    assert (tmp_path / "compact" / WEIGHTS).exists()

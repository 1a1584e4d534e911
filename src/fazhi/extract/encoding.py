"""Decoding a text file's bytes: which encoding, decided from the bytes, never guessed.

Chinese reports arrive in UTF-8 (with or without a byte-order mark), UTF-16 with a
byte-order mark (Windows Notepad's "Unicode"), GB18030 (a superset of GBK and GB2312) and
Big5 (traditional script, from Taiwan, Hong Kong and Macao). UTF-8 is recognised by decoding
strictly: text in any other encoding is very unlikely to be valid UTF-8. GB18030 and Big5
cannot be told apart that way: GB18030 decodes almost any byte string, Big5 bytes included
(into wrong characters, many of them private-use). So charset-normalizer chooses between
them by how plausible each decoding is, and the result must then look like Chinese text:
no private-use characters, and nearly all of its non-ASCII characters CJK ideographs or
punctuation. Whatever fails that is refused: a wrong decoding tags garbage without a word
of warning, which is worse than an error.

UTF-16 without a byte-order mark is refused too, with what to do about it: its byte order
is a guess, and the NUL bytes it has for every ASCII character are also what binary files
look like.
"""

from __future__ import annotations

import codecs
import re

from fazhi.io import InputError

# Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# The legacy encodings charset-normalizer chooses among. cp950 is Microsoft's Big5 (Windows
# writes it as "Big5"): Python's big5 table lacks characters such as 裏 and 碁 that cp950 has.
LEGACY = ("gb18030", "cp950")
RECORDED_NAME = {"cp950": "big5"}
# A legacy decoding is kept when at least this share of its non-ASCII characters are CJK
# ideographs, CJK/full-width punctuation or the symbols Chinese text uses; random bytes
# decoded as GB18030 are mostly other scripts.
MIN_CJK_SHARE = 0.8

_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_CJKISH = re.compile(
    "[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"  # CJK
    "\ufe30-\ufe4f\u3200-\u33ff"  # vertical and enclosed forms: ︵ ㈠
    "\u00a0-\u00ff\u2000-\u206f\u2100-\u2bff]")  # symbols Chinese text uses: × ° — ① ℃ ■ ★


def decode(data: bytes, name: str, declared: str | None = None) -> tuple[str, str]:
    """The text of `data` and the encoding it was read in (as recorded: "utf-8",
    "utf-8-sig", "utf-16", "gb18030", "big5" …), or InputError naming `name`.

    `declared`: the charset an HTML page names for itself, tried after UTF-8 and before
    detection (pages often declare gb2312 and are written in UTF-8)."""
    if not data:
        raise InputError(f"{name}: empty file")
    for bom, codec, recorded in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), recorded
            except UnicodeDecodeError as err:
                raise InputError(f"{name}: starts with a {recorded.upper()} byte-order mark "
                                 f"but is not valid {recorded.upper()} (byte {err.start})"
                                 ) from None
    if b"\x00" in data:
        raise InputError(f"{name}: {_what_nul_bytes_mean(data)}")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        utf8_error = err.start
    if declared:
        text = _decode_declared(data, declared)
        if text is not None:
            return text, _codec_name(declared)
    return _detect_legacy(data, name, utf8_error)


def _what_nul_bytes_mean(data: bytes) -> str:
    """UTF-16 text has a NUL beside every ASCII character (a line end, a digit), all on
    the same side of the 2-byte units; binary files have them anywhere."""
    head = data[:65536]
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    if len(data) % 2 == 0 and max(even, odd) >= 8 * max(1, min(even, odd)):
        order = "big-endian" if even > odd else "little-endian"
        return (f"looks like UTF-16 ({order}) without a byte-order mark, which is refused "
                "because its byte order would be a guess; save it as UTF-8 (or as UTF-16 "
                "with a byte-order mark)")
    return "binary file (NUL bytes), not a text report"


def _codec_name(label: str) -> str:
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return label
    # A page declaring gb2312 or gbk is read as their superset, GB18030.
    return {"gb2312": "gb18030", "gbk": "gb18030"}.get(name, name)


def _decode_declared(data: bytes, declared: str) -> str | None:
    codec = _codec_name(declared)
    if codec == "big5":
        codec = "cp950"
    try:
        text = data.decode(codec)
    except (LookupError, UnicodeDecodeError):
        return None
    return text if _looks_chinese(text) else None


def _looks_chinese(text: str) -> bool:
    if _PRIVATE_USE.search(text):
        return False
    non_ascii = [c for c in text if ord(c) > 0x7F]
    if not non_ascii:
        return True
    return sum(bool(_CJKISH.match(c)) for c in non_ascii) >= MIN_CJK_SHARE * len(non_ascii)


def _detect_legacy(data: bytes, name: str, utf8_error: int) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LEGACY)).best()
    if best is None:
        raise InputError(f"{name}: not valid UTF-8 (byte {utf8_error}), GB18030 or Big5 text")
    text = str(best)
    encoding = RECORDED_NAME.get(best.encoding, best.encoding)
    if not _looks_chinese(text):
        raise InputError(f"{name}: not valid UTF-8 (byte {utf8_error}), and as {encoding.upper()}"
                         " it is not Chinese text; save it as UTF-8")
    return text, encoding

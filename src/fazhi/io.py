"""Reading reports from disk and writing outputs safely."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger("fazhi")

try:  # Python 3.11+; the tomli backport on 3.10
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib


def load_toml(path: str | Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


class InputError(Exception):
    """An expected problem with one input file; the message is one line naming the file."""


def read_bytes(path: str | Path) -> bytes:
    """A file's bytes, or InputError naming it."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory")
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None


def read_report(path: str | Path) -> tuple[str, str | None]:
    """Read a report file; returns (text, encoding) or raises InputError."""
    text, encoding, _ = read_report_hashed(path)
    return text, encoding


def read_report_hashed(path: str | Path) -> tuple[str, str | None, str]:
    """Read a report file; returns (text, encoding, sha256 of its bytes) or raises InputError."""
    extracted, sha256 = read_document(path)
    return extracted.text, extracted.encoding, sha256


def read_document(path: str | Path, data: bytes | None = None):
    """A report file of any supported format (fazhi.extract): its Extracted text, encoding
    and format, and the sha256 of its bytes; or InputError naming it. `data`: its bytes when
    they were read already."""
    from fazhi.extract import extract

    if data is None:
        data = read_bytes(path)
    extracted = extract(path, data)
    if extracted.encoding not in (None, "utf-8", "utf-8-sig"):
        log.warning("%s: not UTF-8; decoded as %s", path, extracted.encoding.upper())
    return extracted, hashlib.sha256(data).hexdigest()


def file_sha256(path: str | Path) -> str | None:
    """sha256 of a file's bytes, read in chunks; None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


@contextmanager
def deferred_interrupt():
    """Ctrl-C inside the block takes effect at its end, so that what the block writes is
    written whole. Outside the main thread (where signals cannot be handled) a no-op."""
    caught = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
    if caught:
        raise KeyboardInterrupt


def ordinary_permissions(path: str | Path) -> None:
    """mkstemp creates 0600; a finished output gets the usual permissions."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write via a temporary file in the same folder, then rename, so no reader sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        ordinary_permissions(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def swap_folder(new: Path, target: Path) -> None:
    """Put the folder `new` at `target`: the old one is renamed aside first, and back if
    the second rename fails, so `target` holds the old folder or the new one, never a mix
    (and nothing of the old one is left among the new files)."""
    import shutil

    if not target.exists():
        os.replace(new, target)
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
    os.replace(target, old / "folder")
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old / "folder", target)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def new_folder(target: str | Path):
    """A fresh folder beside `target` to write a saved model part into; when the block ends
    without error it gets ordinary permissions (mkdtemp's 0o700 and safetensors' 0o600 would
    follow into a package) and is put in place of `target` (swap_folder), so no file of an
    earlier save is loaded with the new one; on error it is removed."""
    import shutil

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".new"))
    try:
        yield path
        path.chmod(0o755)
        for f in path.iterdir():
            if f.is_file():
                ordinary_permissions(f)
        swap_folder(path, target)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise

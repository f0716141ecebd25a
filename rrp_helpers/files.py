"""Files the workbook writes: safe names, atomic writes and atomic folder replacement.

Every file is written to a temporary name in its own folder and renamed onto its target, so an
interrupted run never leaves a half-written file and never destroys the previous good one.
Temporary names start with :data:`TMP_PREFIX` and carry the writing process's id, so that
:func:`remove_stale_temporaries` removes only the workbook's own temporaries, and only those of
processes that are no longer running. Files get the permissions the user's umask allows
(``0o666 & ~umask``), as any other program's files do.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = [
    "TMP_PREFIX",
    "safe_name",
    "file_mode",
    "temporary_file",
    "move_into_place",
    "atomic_path",
    "write_atomic",
    "replace_folder",
    "remove_stale_temporaries",
]

TMP_PREFIX = ".rrp-tmp-"
_TEMPORARY = re.compile(re.escape(TMP_PREFIX) + r"(\d+)-")
_UNSAFE = re.compile(r"[^a-z0-9_-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10)), "index", "notebooks"}


def safe_name(text: str) -> str:
    """A file name for ``text`` (e.g. a ward id): lower-case ``[a-z0-9_-]``, at most 48 characters.

    Text that is already such a slug is used as it is. Anything else (path separators, dots,
    spaces, capitals, non-ASCII, reserved device names, over-long text) is slugified and given a
    suffix from a hash of the exact text, so no name can escape its folder and two texts that
    differ only in unsafe characters (``a/b`` and ``a.b``) or in case never clash.
    """
    text = str(text)
    slug = _UNSAFE.sub("-", text.lower()).strip("-_")[:40].strip("-_")
    if slug and slug == text and slug not in _RESERVED:
        return slug
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{slug or 'ward'}-{digest}"


def file_mode(*, folder: bool = False) -> int:
    """The permissions of a new file (``0o666``) or folder (``0o777``) under this process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if folder else 0o666) & ~umask


@contextlib.contextmanager
def temporary_file(beside: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """An empty temporary file in ``beside``'s folder (created if needed), removed on exit
    unless it was moved away (:func:`move_into_place`)."""
    beside.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-{beside.name}.", suffix=suffix, dir=beside.parent)
    os.close(handle)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(name)


def move_into_place(temporary: Path, target: Path) -> None:
    """Rename ``temporary`` onto ``target`` (same folder), with the umask's permissions."""
    os.chmod(temporary, file_mode())
    os.replace(temporary, target)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds."""
    with temporary_file(target) as temporary:
        yield temporary
        move_into_place(temporary, target)


def write_atomic(target: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``target`` through a temporary file and a rename."""
    with atomic_path(target) as temporary:
        if isinstance(content, bytes):
            temporary.write_bytes(content)
        else:
            temporary.write_text(content, encoding="utf-8", newline="\n")


def replace_folder(target: Path, fill: Callable[[Path], None]) -> Path:
    """Build a folder with ``fill(staging)`` beside ``target``, then swap it into place.

    An interrupted or failing ``fill`` leaves ``target`` as it was. The caller decides whether
    ``target`` may be replaced at all (see :mod:`rrp_helpers.outputs`).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-{target.name}.", dir=target.parent))
    old: Path | None = None
    try:
        os.chmod(staging, file_mode(folder=True))  # mkdtemp makes a private folder
        fill(staging)
        if target.exists():
            old = target.parent / f"{TMP_PREFIX}{os.getpid()}-{target.name}.old"
            os.replace(target, old)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        if old is not None and old.exists():
            shutil.rmtree(old, ignore_errors=True)
    return target


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_temporaries(folder: Path) -> None:
    """Remove the workbook's temporaries in ``folder`` and below left by processes that are no
    longer running (a run that was killed). Never anything else."""
    if not folder.is_dir():
        return
    for path in folder.rglob(f"{TMP_PREFIX}*"):
        match = _TEMPORARY.match(path.name)
        if match is None or _alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()

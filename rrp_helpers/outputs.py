"""Output folders: the workbook writes only where it may, and never destroys what it did not write.

Every command that writes (``rrp results``, ``rrp reports``, ``rrp demo``, ``rrp import-mhsds``)
first claims its ``--out`` folder (:func:`claim`):

* a folder that does not exist, or is empty, is created and marked as the workbook's own with a
  marker file (:data:`MARKER`); a marked folder is the workbook's to write to;
* any other folder is refused, with a message saying what to do: the workbook never mixes its
  files into a folder of someone else's files (for instance, the collaborative's own data);
* a folder that is, holds, or lies inside one of the command's inputs is refused, and no file the
  workbook writes may be one of its inputs (compared by resolved path and inode);
* one run at a time: a lock (``filelock``, :data:`LOCK`) is held while the command writes; a
  second run on the same folder is refused at once. The lock is the operating system's, so a run
  that died leaves no lock behind (its lock file is simply taken over).

A folder holding a collaborative written by ``rrp demo`` or ``rrp import-mhsds`` is never another
command's ``--out`` (results are never mixed into a collaborative's data). ``rrp new`` writes only
into a new or empty folder and leaves no marker (:mod:`rrp_helpers.blank`): a coach's data folder
is never an output folder.

Collaborative folders (the demo, an import) are written by
:func:`write_collaborative`: the marker records a hash of every file the workbook wrote, a file
the user has edited since is never replaced (the command is refused and says which), the user's
own files in the folder are kept, and the folder is replaced atomically (built beside it, with
the user's files hard-linked in, then swapped).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rrp_helpers.errors import UsageError
from rrp_helpers.files import TMP_PREFIX, file_mode, replace_folder, write_atomic

__all__ = ["MARKER", "LOCK", "OutputFolder", "claim", "check_folder", "write_collaborative", "check_collaborative_folder",
           "check_not_inputs", "check_placement"]

MARKER = ".rrp-workbook.json"
LOCK = ".rrp-workbook.lock"
_OURS = {MARKER, LOCK}
#: The commands that write collaborative folders: no other command writes its outputs into one.
COLLABORATIVE_WRITERS = {"rrp demo", "rrp import-mhsds"}


@dataclass
class OutputFolder:
    """A claimed output folder: its path, what the marker says the workbook wrote there, and the
    inputs no file may overwrite."""

    path: Path
    command: str
    inputs: tuple[Path, ...] = ()
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 of what we wrote

    def check_target(self, target: Path) -> None:
        """Refuse to write ``target`` if it is one of the inputs."""
        check_not_inputs([target], self.inputs)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_marker(folder: Path) -> dict | None:
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) and marker.get("workbook") == "rrp" else None


def _write_marker(folder: Path, commands: list[str], files: Mapping[str, str]) -> None:
    marker = {"workbook": "rrp", "written_by": sorted(set(commands)), "files": dict(sorted(files.items()))}
    write_atomic(folder / MARKER, json.dumps(marker, indent=1) + "\n")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def check_not_inputs(targets: Iterable[Path], inputs: Iterable[Path]) -> None:
    """Refuse (UsageError) if a file about to be written is one of the inputs."""
    inputs = [Path(p) for p in inputs if Path(p).exists()]
    for target in targets:
        target = Path(target)
        if target.exists() and any(_same_file(target, source) for source in inputs):
            raise UsageError(f"{target} is one of this command's inputs and would be overwritten: choose another --out")


def check_placement(folder: Path, inputs: Iterable[Path]) -> None:
    """Refuse an output folder that is, holds or lies inside an input folder or file."""
    resolved = folder.resolve()
    for source in inputs:
        source = Path(source)
        if not source.exists():
            continue
        where = source.resolve()
        if where.is_dir() and (resolved == where or where in resolved.parents):
            raise UsageError(f"--out {folder} is inside the input folder {source}: outputs would be mixed into your "
                             "data. Choose a folder outside it")
        if resolved in where.parents:
            raise UsageError(f"--out {folder} holds the input {source}: choose a folder that does not hold your data")


def _entries(folder: Path) -> list[str]:
    return sorted(entry.name for entry in os.scandir(folder) if entry.name not in _OURS and not entry.name.startswith(TMP_PREFIX))


def _owned_already(folder: Path, adopt: Iterable[str]) -> bool:
    """A folder the workbook wrote: it holds the marker, or (written before markers existed) only
    names this command writes (``adopt``)."""
    if _read_marker(folder) is not None:
        return True
    entries = _entries(folder)
    adopt = set(adopt)
    return bool(entries) and bool(adopt) and set(entries) <= adopt


def check_folder(path: str | Path, command: str, *, inputs: Iterable[Path] = (), adopt: Iterable[str] = ()) -> None:
    """Refuse (UsageError) an output folder :func:`claim` would refuse, without writing anything:
    commands call it before their work, so that a refusal comes first, not after minutes."""
    folder = Path(path)
    inputs = tuple(Path(p) for p in inputs)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder} is a file: give a folder (it is created if needed)")
    check_placement(folder, inputs)
    collaborative = set((_read_marker(folder) or {}).get("written_by", [])) & COLLABORATIVE_WRITERS if folder.is_dir() else set()
    if collaborative and command not in COLLABORATIVE_WRITERS:
        raise UsageError(f"--out {folder} holds a collaborative (written by {', '.join(sorted(collaborative))}): "
                         f"{command} does not write its outputs into a collaborative's data. Choose another folder")
    if folder.is_dir() and _entries(folder) and not _owned_already(folder, adopt):
        shown = ", ".join(repr(name) for name in _entries(folder)[:3])
        raise UsageError(f"--out {folder} already holds files the workbook did not write ({shown} ...): "
                         "choose a new or empty folder, or one an earlier rrp command wrote")


@contextlib.contextmanager
def claim(path: str | Path, command: str, *, inputs: Iterable[Path] = (), adopt: Iterable[str] = ()) -> Iterator[OutputFolder]:
    """Claim ``path`` for ``command`` (see the module docstring) for the duration of the block.

    ``inputs`` are the files and folders the command reads; ``adopt`` the names a folder written
    by an older version of this command may hold (it is then marked as the workbook's).
    """
    from filelock import FileLock, Timeout

    folder = Path(path)
    inputs = tuple(Path(p) for p in inputs)
    check_folder(folder, command, inputs=inputs, adopt=adopt)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(folder / LOCK), timeout=0, mode=file_mode())
        lock.acquire()
    except Timeout:
        raise UsageError(f"another rrp command is writing to {folder} now: wait for it to finish, or choose "
                         "another --out") from None
    except OSError as error:
        raise UsageError(f"--out {folder} cannot be written ({error.strerror or error}): choose a folder you can "
                         "write to") from None
    try:
        marker = _read_marker(folder) or {}
        commands = [*marker.get("written_by", []), command]
        files = marker.get("files", {}) if isinstance(marker.get("files"), dict) else {}
        try:
            _write_marker(folder, commands, files)
        except OSError as error:
            raise UsageError(f"--out {folder} cannot be written ({error.strerror or error}): choose a folder you "
                             "can write to") from None
        yield OutputFolder(folder, command, inputs, dict(files))
    finally:
        lock.release()


def check_collaborative_folder(path: str | Path, command: str, *, inputs: Iterable[Path] = ()) -> None:
    """Refuse (UsageError), writing nothing, a folder :func:`write_collaborative` would refuse for
    ``command`` before it sees the files (called before the collaborative is made)."""
    marker = _read_marker(Path(path)) if Path(path).is_dir() else None
    others = sorted(set((marker or {}).get("written_by", [])) - {command})
    if others:
        raise UsageError(f"{path} holds a collaborative written by {', '.join(others)}: {command} would mix its files "
                         "with those. Choose another --out")
    check_folder(path, command, inputs=inputs)


def write_collaborative(path: str | Path, command: str, files: Mapping[str, bytes], *, inputs: Iterable[Path] = ()) -> Path:
    """Write a collaborative's ``files`` (name -> content) into the folder ``path`` (see the
    module docstring): refused if a file the workbook wrote there has been edited since, if the
    folder is not the workbook's, or if another command wrote it (an import never overwrites the
    demo); the user's other files are kept; the swap is atomic."""
    check_collaborative_folder(path, command, inputs=inputs)
    with claim(path, command, inputs=inputs) as out:
        edited = [name for name in files if (out.path / name).exists()
                  and out.files.get(name) != _sha256(out.path / name)]
        if edited:
            raise UsageError(f"{', '.join(edited)} in {out.path} {'was' if len(edited) == 1 else 'were'} not written by "
                             f"rrp, or {'has' if len(edited) == 1 else 'have'} been edited since: {command} would replace "
                             "your changes. Move the file(s) elsewhere, or choose another --out")
        check_not_inputs([out.path / name for name in files], out.inputs)
        hashes = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
        # The lock file is linked in too: the swapped-in folder keeps the lock this run holds.
        keep = [entry for entry in os.scandir(out.path) if entry.name not in files and entry.name != MARKER
                and not entry.name.startswith(TMP_PREFIX)]

        def fill(staging: Path) -> None:
            for name, content in files.items():
                (staging / name).write_bytes(content)
                os.chmod(staging / name, file_mode())
            for entry in keep:
                _link_into(Path(entry.path), staging / entry.name)
            marker = _read_marker(out.path) or {}
            _write_marker(staging, [*marker.get("written_by", []), command], {**out.files, **hashes})

        replace_folder(out.path, fill)
    return Path(path)


def _link_into(source: Path, target: Path) -> None:
    """``source`` (a file, link or folder) at ``target`` without copying a byte: hard links, so the
    user's files keep their inodes through the swap."""
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
    elif source.is_dir():
        target.mkdir()
        shutil.copystat(source, target)
        for entry in os.scandir(source):
            _link_into(Path(entry.path), target / entry.name)
    else:
        os.link(source, target)

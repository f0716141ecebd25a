"""rrp_helpers.files: safe names, atomic writes with the umask's permissions, folder replacement,
and the clean-up of stale temporaries (only the workbook's own, only of dead processes)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rrp_helpers import files


@pytest.mark.parametrize("text", ["../../evil", "a/b", "a\\b", "..", ".", "", "con", "index", "Ward One", "é/../x", "x" * 300])
def test_safe_name_cannot_escape_the_folder(text):
    name = files.safe_name(text)
    assert re.fullmatch(r"[a-z0-9_-]{1,60}", name), name
    assert name not in {"", ".", ".."}
    assert (Path("/base/wards") / name).resolve().parent == Path("/base/wards")


def test_safe_names_do_not_clash():
    ids = ["a/b", "a.b", "a-b", "a b", "A-B", "a--b", "../a-b", "con", "CON"]
    names = [files.safe_name(i) for i in ids]
    assert len(set(names)) == len(ids), names
    assert files.safe_name("alder") == "alder"  # slugs (the data contract) are kept as they are
    assert files.safe_name("a/b") == files.safe_name("a/b")  # deterministic


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_atomic_writes_honour_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        files.write_atomic(tmp_path / "a.txt", "text")
        folder = files.replace_folder(tmp_path / "folder", lambda staging: (staging / "x").write_text("x"))
    finally:
        os.umask(previous)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    assert folder.stat().st_mode & 0o777 == 0o777 & ~umask


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("good")
    with pytest.raises(RuntimeError):
        with files.atomic_path(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_replace_folder_swaps_or_keeps_the_old_one(tmp_path):
    target = tmp_path / "out"
    files.replace_folder(target, lambda staging: (staging / "one").write_text("1"))
    assert [p.name for p in target.iterdir()] == ["one"]

    def failing(staging: Path) -> None:
        (staging / "two").write_text("2")
        raise OSError("disk full")

    with pytest.raises(OSError):
        files.replace_folder(target, failing)
    assert [p.name for p in target.iterdir()] == ["one"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    files.replace_folder(target, lambda staging: (staging / "two").write_text("2"))
    assert [p.name for p in target.iterdir()] == ["two"]


def test_only_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    (tmp_path / "sub").mkdir()
    stale = tmp_path / "sub" / f"{files.TMP_PREFIX}{dead}-page.html.abc.tmp"
    live = tmp_path / f"{files.TMP_PREFIX}{os.getpid()}-page.html.def.tmp"
    other = tmp_path / f"{files.TMP_PREFIX}someone-else.tmp"  # not ours (no pid): kept
    users = tmp_path / "notes.tmp"
    for path in (stale, live, other, users):
        path.write_text("x")
    files.remove_stale_temporaries(tmp_path)
    assert not stale.exists()
    assert live.exists() and other.exists() and users.exists()

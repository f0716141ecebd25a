"""rrp_helpers.outputs: the workbook writes only into folders it made or marked, never over an
input, one run at a time; a collaborative it wrote is rewritten keeping the user's own files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rrp_helpers.errors import UsageError
from rrp_helpers.outputs import LOCK, MARKER, claim, write_collaborative


def test_a_new_or_empty_folder_is_created_and_marked(tmp_path):
    for folder in (tmp_path / "new" / "deeper", tmp_path / "empty"):
        if folder.name == "empty":
            folder.mkdir()
        with claim(folder, "rrp results") as out:
            (out.path / "table.csv").write_text("a\n")
        marker = json.loads((folder / MARKER).read_text())
        assert marker["written_by"] == ["rrp results"]


def test_a_folder_of_someone_elses_files_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.docx").write_text("precious")
    with pytest.raises(UsageError, match="did not write"):
        with claim(folder, "rrp results"):
            pass
    assert sorted(p.name for p in folder.iterdir()) == ["notes.docx"]


def test_a_file_as_out_and_an_unwritable_folder_are_refused(tmp_path):
    a_file = tmp_path / "out.txt"
    a_file.write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        with claim(a_file, "rrp results"):
            pass
    assert a_file.read_text() == "x"
    if os.geteuid() == 0:
        pytest.skip("root can write to a read-only folder")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(UsageError, match="cannot be written"):
            with claim(locked / "out", "rrp results"):
                pass
    finally:
        locked.chmod(0o700)


def test_an_out_inside_or_holding_an_input_is_refused(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "monthly.csv").write_text("x\n")
    for out in (data, data / "results", tmp_path):
        with pytest.raises(UsageError, match="input"):
            with claim(out, "rrp results", inputs=[data, data / "monthly.csv"]):
                pass
    assert sorted(p.name for p in data.iterdir()) == ["monthly.csv"]


def test_one_run_at_a_time_and_a_dead_runs_lock_is_taken_over(tmp_path):
    folder = tmp_path / "out"
    with claim(folder, "rrp reports"):
        with pytest.raises(UsageError, match="another rrp command is writing"):
            with claim(folder, "rrp reports"):
                pass
    # A run killed while holding the lock: the operating system releases it with the process.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from filelock import FileLock; lock = FileLock(sys.argv[1], timeout=0); "
         "lock.acquire(); print('held', flush=True); time.sleep(60)", str(folder / LOCK)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(UsageError, match="another rrp command"):
        with claim(folder, "rrp reports"):
            pass
    holder.kill()
    holder.wait()
    with claim(folder, "rrp reports") as out:
        assert out.path == folder


def test_write_collaborative_keeps_user_files_and_refuses_over_their_edits(tmp_path):
    folder = tmp_path / "collab"
    write_collaborative(folder, "rrp demo", {"a.csv": b"1\n", "b.csv": b"2\n"})
    (folder / "annotations.csv").write_text("mine\n")
    inode = (folder / "annotations.csv").stat().st_ino
    write_collaborative(folder, "rrp demo", {"a.csv": b"10\n", "b.csv": b"2\n"})
    assert (folder / "a.csv").read_bytes() == b"10\n"
    assert (folder / "annotations.csv").stat().st_ino == inode
    (folder / "b.csv").write_text("edited by hand\n")
    with pytest.raises(UsageError, match="b.csv .*edited"):
        write_collaborative(folder, "rrp demo", {"a.csv": b"11\n", "b.csv": b"3\n"})
    assert (folder / "a.csv").read_bytes() == b"10\n" and (folder / "b.csv").read_text() == "edited by hand\n"
    assert not [p for p in tmp_path.iterdir() if p.name != "collab"]  # no staging folder left behind


def test_an_input_is_never_overwritten(tmp_path):
    folder = tmp_path / "collab"
    write_collaborative(folder, "rrp demo", {"a.csv": b"1\n"})
    with pytest.raises(UsageError, match="input"):
        write_collaborative(folder, "rrp demo", {"a.csv": b"2\n"}, inputs=[folder / "a.csv"])
    assert (folder / "a.csv").read_bytes() == b"1\n"


def test_a_collaborative_is_never_another_commands_output(tmp_path):
    from rrp_helpers.demo import write_demo

    demo = write_demo(tmp_path / "demo", seed=1)
    before = sorted(path.name for path in demo.iterdir())
    with pytest.raises(UsageError, match="holds a collaborative"):
        with claim(demo, "rrp results"):
            pass
    assert sorted(path.name for path in demo.iterdir()) == before

"""Faults during a batch: a worker killed part way, a full disk, Ctrl-C. Previous good reports
stay intact, the index stays consistent with the files, and a rerun completes."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # batches of `rrp reports` in subprocesses

ROOT = Path(__file__).resolve().parents[1]
RRP = [sys.executable, "-m", "rrp_helpers.cli", "reports"]
WARDS = ["alder", "ash", "aspen"]
# The interrupted runs take more wards than the good one (a run is caught mid-flight, whatever the
# machine's speed: wait_mid_flight).
MANY_WARDS = [*WARDS, "beech", "birch"]


def reports(data, out, *extra, wait=True, wards=WARDS):
    command = [*RRP, str(data), "--out", str(out), "--wards", *wards, "--jobs", "1", "--no-collaborative", "--no-png", "--quiet", *extra]
    if not wait:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, capture_output=True, text=True)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    base = tmp_path_factory.mktemp("faults")
    shutil.copytree(ROOT / "data" / "demo", base / "data" / "demo")
    shutil.copytree(ROOT / "data" / "reference", base / "data" / "reference")
    return base / "data" / "demo"


@pytest.fixture(scope="module")
def good_run(data, tmp_path_factory) -> Path:
    """A good run of WARDS, made once: each test starts from a copy of it."""
    out = tmp_path_factory.mktemp("good") / "out"
    done = reports(data, out)
    assert done.returncode == 0, done.stderr
    return out


def good_copy(good_run: Path, out: Path) -> Path:
    shutil.copytree(good_run, out, symlinks=True)
    (out / ".rrp-workbook.lock").unlink(missing_ok=True)
    return out


def snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.html"))}


def assert_consistent(out: Path) -> None:
    """No temporary file is left, and every link of the index points at a file that exists."""
    assert not [p for p in out.rglob("*") if ".rrp-tmp-" in p.name or p.name.endswith(".tmp")]
    page = (out / "index.html").read_text()
    for href in re.findall(r'href="([^"]+)"', page):
        assert (out / href).exists(), href
    manifest = json.loads((out / "manifest.json").read_text())
    for key, entry in manifest["entries"].items():
        if entry["status"] == "ok" and key.startswith("ward:"):
            name = key[5:]
            assert (out / "wards" / name / f"{name}.html").exists(), key


def descendants(pid: int) -> list[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_mid_flight(run: subprocess.Popen, out: Path, timeout: float = 120) -> None:
    """Wait until ``run`` is executing a notebook: a temporary executed notebook exists in
    ``out/notebooks`` (a worker writes one only while a notebook runs). Fails if the run ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(".rrp-tmp-" in path.name for path in (out / "notebooks").rglob("*")):
            return
        if run.poll() is not None:
            pytest.fail(f"the run ended (exit {run.returncode}) before a notebook was seen executing")
        time.sleep(0.02)
    pytest.fail("no notebook was seen executing in time")


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_worker_killed_part_way(data, good_run, tmp_path):
    out = good_copy(good_run, tmp_path / "out")
    good = snapshot(out)
    run = reports(data, out, "--force", wait=False, wards=MANY_WARDS)
    wait_mid_flight(run, out)
    # A worker is the parent of a warm kernel (ipykernel) process.
    workers = [parent(p) for p in descendants(run.pid) if "ipykernel" in command_line(p)]
    assert workers, "no worker process found"
    os.kill(workers[0], signal.SIGKILL)
    run.communicate(timeout=120)
    assert run.returncode != 0
    assert_consistent(out)
    for name, content in good.items():  # a killed run never damages a good report
        assert (out / name).exists()
        page = (out / name).read_bytes()
        assert page == content or b"</html>" in page[-200:]
    rerun = reports(data, out, "--rerun-failed", wards=MANY_WARDS)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert_consistent(out)
    manifest = json.loads((out / "manifest.json").read_text())["entries"]
    assert all(manifest[f"ward:{w}"]["status"] == "ok" for w in MANY_WARDS)


def test_ctrl_c(data, good_run, tmp_path):
    out = good_copy(good_run, tmp_path / "out")
    good = snapshot(out)
    run = reports(data, out, "--force", wait=False, wards=MANY_WARDS)
    wait_mid_flight(run, out)
    run.send_signal(signal.SIGINT)
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode != 0
    assert "Traceback" not in stderr
    assert_consistent(out)
    for name in good:
        assert (out / name).exists()
    assert reports(data, out).returncode == 0
    assert_consistent(out)


@pytest.fixture
def small_disk(tmp_path):
    """A 24 MB tmpfs: a real 'no space left on device' (root only; CI runs as root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot mount a tmpfs in CI: {done.stderr.decode()}")
        pytest.skip("needs root to mount a small tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_full_disk(data, good_run, small_disk):
    out = good_copy(good_run, small_disk / "out")
    good = snapshot(out)
    filler = small_disk / "filler"
    with filler.open("wb") as handle:  # fill the disk to the last byte
        try:
            while True:
                handle.write(b"\0" * (1 << 20))
                handle.flush()
        except OSError:
            pass
    run = reports(data, out, "--force")
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert snapshot(out) == good  # every previous report intact, byte for byte
    assert_consistent(out)
    filler.unlink()
    rerun = reports(data, out, "--force")
    assert rerun.returncode == 0, rerun.stderr
    assert_consistent(out)

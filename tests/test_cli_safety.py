"""The command line with people's files: inputs, the demo folder and unrelated files survive every
command; two report runs on one folder; bad arguments and unusable folders are exit 2 before any
work; hostile text cannot become a formula or break a page."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "nhs_mhsds_sample" / "raw"
RRP = [sys.executable, "-m", "rrp_helpers.cli"]


def rrp(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*RRP, *map(str, args)], capture_output=True, text=True, **kwargs)


def rrp_here(*args: str | Path) -> subprocess.CompletedProcess:
    """``rrp`` run in this process (``cli.main``, what the console script calls): no interpreter
    and import start-up for each of many quick commands."""
    from rrp_helpers import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(arg) for arg in args])
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def snapshot(folder: Path) -> dict[str, tuple[bytes, int | None]]:
    """Every file below ``folder``: its bytes, and the inode of files rrp did not write (they must
    be the very same files; rrp's own may be rewritten with the same bytes). The lock file a
    command leaves is left aside."""
    ours = {"collaborative.toml", "README.md", ".rrp-workbook.json"} | {p.name for p in folder.glob("*.csv")}
    return {str(p.relative_to(folder)): (p.read_bytes(), None if p.name in ours and folder.name == "demo" else p.stat().st_ino)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".rrp-workbook.lock"}


def workbook_of(folder: Path, target: Path) -> Path:
    """The collaborative in ``folder`` as one workbook (a sheet per file, settings as key | value)."""
    book = openpyxl.Workbook()
    settings = book.active
    settings.title = "collaborative"
    for key, value in (("name", "Workbook collaborative"), ("baseline", "2017-08:2018-07"), ("testing", "2018-08:2020-02")):
        settings.append([key, value])
    for stem in ("wards", "monthly"):
        sheet = book.create_sheet(stem)
        frame = pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
    book.save(target)
    return target


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    base = tmp_path_factory.mktemp("safety")
    demo = base / "demo"
    shutil.copytree(ROOT / "data" / "demo", demo)
    (demo / "my_notes.txt").write_text("the coach's notes")
    unrelated = base / "unrelated"
    unrelated.mkdir()
    (unrelated / "unrelated.txt").write_text("keep")
    (unrelated / "manifest.json").write_text('{"mine": true}')
    (unrelated / ".rrp-tmp-1-mine.tmp").write_text("a file of mine that only looks like a temporary")
    books = base / "books"
    books.mkdir()
    workbook_of(demo, books / "results.xlsx")
    return demo, unrelated, books


def test_inputs_the_demo_and_unrelated_files_survive_every_command(places, tmp_path):
    demo, unrelated, books = places
    before = {folder: snapshot(folder) for folder in places}
    refused = [
        ("results", demo, "--out", unrelated), ("reports", demo, "--out", unrelated, "--wards", "alder", "--no-png"),
        ("demo", "--out", unrelated), ("import-mhsds", RAW, "--out", unrelated),
        ("results", demo, "--out", demo), ("results", demo, "--out", demo / "results"),
        ("reports", demo, "--out", demo, "--wards", "alder"), ("import-mhsds", RAW, "--out", demo),
        ("results", books / "results.xlsx", "--out", books), ("results", demo, "--out", unrelated / "unrelated.txt"),
    ]
    for command in refused:
        done = rrp_here(*command)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "please report" not in done.stderr, command
    assert rrp_here("demo", "--out", demo).returncode == 0  # the demo's own folder: rewritten, the notes kept
    assert rrp_here("results", demo, "--out", tmp_path / "results").returncode == 0
    assert rrp_here("results", books / "results.xlsx", "--out", tmp_path / "book-results").returncode == 0
    for folder in places:
        assert snapshot(folder) == before[folder], folder


def test_bad_arguments_and_data_stop_before_any_work(places, tmp_path):
    demo, _, _ = places
    out = tmp_path / "reports"
    for args, words in [
        (("reports", demo, "--out", out, "--publish", "--suppress-below", "0"), "suppress"),
        (("results", demo, "--out", out, "--publish", "--round-to", "0"), "round"),
        (("reports", demo, "--out", out, "--jobs", "0"), "--jobs"),
    ]:
        started = time.monotonic()
        done = rrp(*args)
        assert done.returncode == 2 and words in done.stderr, (args, done.stderr)
        assert time.monotonic() - started < 30  # no notebook was run first
        assert not out.exists()


def test_two_report_runs_on_one_folder(places, tmp_path):
    demo, _, _ = places
    out = tmp_path / "out"
    wards = ["alder", "ash", "aspen", "beech", "birch", "blackthorn"]
    first = subprocess.Popen([*RRP, "reports", str(demo), "--out", str(out), "--wards", *wards, "--jobs", "1",
                              "--no-collaborative", "--no-png", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(".rrp-tmp-" in p.name for p in out.rglob("*")) and time.monotonic() < deadline:
        assert first.poll() is None, first.communicate()
        time.sleep(0.02)
    second = rrp("reports", demo, "--out", out, "--wards", "oak", "--no-collaborative", "--no-png", "--quiet")
    assert second.returncode == 2 and "another rrp command is writing" in second.stderr
    stdout, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    page = (out / "index.html").read_text()
    for ward in wards:
        assert f'href="wards/{ward}/{ward}.html"' in page
    assert not [p for p in out.rglob("*") if ".rrp-tmp-" in p.name]


def test_formula_text_in_the_data_is_never_a_formula(places, tmp_path):
    demo, _, _ = places
    data = tmp_path / "data"
    shutil.copytree(demo, data)
    wards = pd.read_csv(data / "wards.csv", dtype=str, keep_default_na=False)
    wards.loc[0, "specialty"] = '=HYPERLINK("http://evil.example","x")'
    wards.loc[1, "ward_name"] = "@SUM(A1:A9)"
    wards.to_csv(data / "wards.csv", index=False)
    out = tmp_path / "results"
    assert rrp("results", data, "--out", out).returncode == 0
    book = openpyxl.load_workbook(out / "results.xlsx")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    for csv in out.glob("*.csv"):
        for line in csv.read_text().splitlines():
            assert not re.search(r'(^|,)"?[=+@]', line), (csv.name, line)


def test_hostile_cases_exit_two_fast(tmp_path):
    demo = ROOT / "data" / "demo"

    def variant(name: str, **replace: str) -> Path:
        folder = tmp_path / name
        shutil.copytree(demo, folder)
        toml = (folder / "collaborative.toml").read_text()
        for old, new in replace.items():
            toml = toml.replace(old, new)
        (folder / "collaborative.toml").write_text(toml)
        return folder

    for folder in (variant("year0", **{'"2017-08"': '"0000-01"'}), variant("far", **{'"2020-02"': '"9999-12"'})):
        started = time.monotonic()
        done = rrp("validate", folder)
        assert done.returncode == 2 and "year" in done.stdout, done.stdout[-500:]
        assert time.monotonic() - started < 30
    big = tmp_path / "big"
    shutil.copytree(demo, big)
    done = rrp("validate", big, env={**os.environ, "RRP_MAX_FILE_MB": "0.1"})
    assert done.returncode == 2 and "over the limit" in done.stdout


def test_a_workbook_that_expands_past_the_limit_is_not_opened(tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<row/>" * 2_000_000)  # 12 MB, compressed to kilobytes
    assert bomb.stat().st_size < 200_000
    done = rrp("validate", bomb, env={**os.environ, "RRP_MAX_FILE_MB": "5"})
    assert done.returncode == 2 and "would expand to" in done.stdout, done.stdout


def test_an_unusable_out_is_refused_before_the_work(places, monkeypatch):
    """rrp results and rrp demo check --out before computing anything (a refusal is immediate)."""
    from rrp_helpers import cli

    demo, unrelated, _ = places

    def no_work(*args, **kwargs):
        raise AssertionError("the work started before --out was checked")

    monkeypatch.setattr(cli, "compute_results", no_work)
    monkeypatch.setattr(cli, "write_demo", no_work)
    for command in (("results", demo, "--out", unrelated), ("results", demo, "--out", demo), ("demo", "--out", unrelated)):
        done = rrp_here(*command)
        assert done.returncode == 2 and ("--out" in done.stderr or "holds" in done.stderr), (command, done.stderr)

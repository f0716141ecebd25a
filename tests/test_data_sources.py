"""rrp_helpers.data.sources: finding a collaborative's files (a folder or one workbook)."""

from __future__ import annotations

from pathlib import Path

from data_support import one, write_dir, write_xlsx
from rrp_helpers.data import validate


def test_missing_path_and_files(tmp_path: Path) -> None:
    report = validate(tmp_path / "nope")
    assert not report.ok and "does not exist" in report.format()
    (tmp_path / "empty").mkdir()
    report = validate(tmp_path / "empty")
    for f in ("collaborative.toml", "wards.csv", "monthly.csv"):
        one(report, f, None, None, "error", "required file", "missing")


def test_excel_missing_sheet_and_bad_file(tmp_path: Path, tables) -> None:
    t = dict(tables)
    t["Monthly data"] = t.pop("monthly")
    book = write_xlsx(tmp_path / "book.xlsx", t)
    report = validate(book)
    one(report, "book.xlsx[monthly]", None, None, "error", "no sheet called 'monthly'")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    one(validate(fake), "fake.xlsx", None, None, "error", "could not be read")


def test_a_link_to_a_file_outside_the_folder_is_not_read(tmp_path: Path, tables) -> None:
    folder = write_dir(tmp_path / "c", tables)
    secret = tmp_path / "outside.csv"
    secret.write_text("ward_id,month,note\nward-a,2019-02,a secret line from elsewhere\n")
    (folder / "annotations.csv").unlink()
    (folder / "annotations.csv").symlink_to(secret)
    report = validate(folder)
    one(report, "annotations.csv", None, None, "error", "outside the collaborative's folder")
    assert "secret line" not in report.format()

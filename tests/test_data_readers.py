"""rrp_helpers.data.readers: encodings, CSV dialects and workbook sheets, read through
``validate``/``load_collaborative`` on the collaborative of tests/data_support.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data_support import one, write_dir, write_xlsx
from rrp_helpers.data import Collaborative, load_collaborative, validate


def test_semicolon_separated_file_loads(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    tables["wards"].to_csv(d / "wards.csv", index=False, sep=";")
    assert validate(d).ok


def test_undecodable_bytes_do_not_crash(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    raw = (d / "wards.csv").read_bytes().replace(b"Ward A", b"Ward \x81\x8d")
    (d / "wards.csv").write_bytes(raw)
    report = validate(d)
    assert report.ok
    one(report, "wards.csv", None, None, "warning", "Latin-1")


def _frames_equal(a: Collaborative, b: Collaborative) -> None:
    assert a.config == b.config
    for name in ("wards", "monthly", "safety_cross", "incident_reports", "change_ideas",
                 "change_package", "annotations", "engagement"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


@pytest.mark.parametrize("native", [True, False])
def test_excel_workbook_loads_equal_to_csv(tmp_path: Path, good: Path, tables, native: bool) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", tables, native=native)
    report = validate(book)
    assert report.ok and not report.problems, report.format()
    _frames_equal(load_collaborative(good), load_collaborative(book))

"""rrp_helpers.text: decoding text files as spreadsheet programs save them, plurals, and compact
lists of months."""

import pandas as pd
import pytest

from rrp_helpers.text import decode_bytes, month_runs, months_text, plural

TEXT = "ward_id,note\nalder,Café – £5\n"


@pytest.mark.parametrize("raw, encoding", [
    (TEXT.encode("utf-8"), "utf-8-sig"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),  # the byte order mark is dropped
    (TEXT.encode("utf-16"), "utf-16"),  # with its byte order mark, as Excel's "Unicode text"
    (TEXT.encode("cp1252"), "cp1252"),  # Excel's "CSV" on Windows
])
def test_decode_bytes(raw, encoding):
    assert decode_bytes(raw) == (TEXT, encoding)


def test_decode_bytes_falls_back_to_latin1_for_any_byte():
    raw = b"Ward \x81\x8d\x90"  # bytes cp1252 leaves undefined
    assert decode_bytes(raw) == ("Ward \x81\x8d\x90", "latin-1")
    assert decode_bytes(bytes(range(256)))[1] == "latin-1"


def test_plural():
    assert plural(1, "ward") == "1 ward"
    assert plural(0, "ward") == "0 wards" and plural(2, "ward") == "2 wards"
    assert plural(1, "child", "children") == "1 child" and plural(3, "child", "children") == "3 children"


def test_month_runs_group_consecutive_months_across_years():
    assert month_runs([(2019, 2), (2018, 12), (2019, 1), (2018, 3), (2019, 1)]) == [
        ((2018, 3), (2018, 3)), ((2018, 12), (2019, 2))]
    assert month_runs([]) == []


def test_months_text_runs_and_count():
    months = [(2018, 3), (2019, 1), (2019, 2), (2019, 3), (2019, 4)]
    assert months_text(months) == "2018-03, 2019-01 to 2019-04 (5 months)"
    assert months_text(months, count=False) == "2018-03, 2019-01 to 2019-04"
    timestamps = [pd.Timestamp("2020-02-01"), pd.Timestamp("2020-01-01"), pd.Timestamp("2020-02-01")]
    assert months_text(timestamps) == "2020-01 to 2020-02 (2 months)"  # each month once
    assert months_text([pd.Period("2021-07", "M")]) == "2021-07 (1 month)"
    assert months_text([]) == ""


def test_months_text_limit_counts_every_month():
    months = [(2020, m) for m in range(1, 13, 2)]  # six runs of one month
    assert months_text(months, limit=2) == "2020-01, 2020-03 … (6 months)"
    assert months_text(months, limit=2, count=False) == "2020-01, 2020-03 …"
    assert months_text(months, limit=6) == "2020-01, 2020-03, 2020-05, 2020-07, 2020-09, 2020-11 (6 months)"

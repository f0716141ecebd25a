"""Months of the MHSDS importer (``rrp_helpers.importers.mhsds.months``): REPORTING_PERIOD_START
dates, ``--baseline``/``--testing`` periods, ranges and lists of months."""

from __future__ import annotations

import pytest

from rrp_helpers.importers.mhsds import ImportRefused, parse_date
from rrp_helpers.importers.mhsds.months import (
    end_month,
    format_month,
    month_range,
    months_listed,
    parse_period,
)


@pytest.mark.parametrize("text", ["01/09/2021", "1/9/2021", " 01/09/2021 ", "2021-09-01", "2021-09-01 00:00:00",
                                  "2021-09-01T00:00:00.000"])
def test_dates_are_read_in_uk_order_or_iso(text):
    assert parse_date(text) == ((2021, 9), None)


@pytest.mark.parametrize(("text", "why"), [("2021/09/01", "not a date"), ("15/09/2021", "first day of a month"),
                                           ("01/13/2021", "no month 13"), ("2021-09-32", "no day 32"),
                                           ("09/01/2021 12:00", "not a date"), ("", "not a date")])
def test_a_date_that_cannot_be_read_says_why(text, why):
    month, problem = parse_date(text)
    assert month is None and why in problem


def test_the_end_of_a_reporting_period_may_be_any_day():
    assert end_month("30/09/2021") == (2021, 9)
    assert end_month("2021-10-31") == (2021, 10)
    assert end_month("not a date") is None


def test_periods_are_start_colon_end_in_months():
    assert parse_period("2021-09:2022-02", "--baseline") == ((2021, 9), (2022, 2))
    assert parse_period(" 2021-09 to 2022-02 ", "--baseline") == ((2021, 9), (2022, 2))
    assert parse_period("2021-09..2021-09", "--testing") == ((2021, 9), (2021, 9))
    assert parse_period(None, "--testing") is None


@pytest.mark.parametrize(("text", "why"), [("2021-9:2022-02", "write the period as START:END"),
                                           ("2021-13:2022-02", "there is no month 13"),
                                           ("2022-02:2021-09", "ends before it starts")])
def test_a_period_that_cannot_be_read_is_refused_naming_its_flag(text, why):
    with pytest.raises(ImportRefused) as refused:
        parse_period(text, "--baseline")
    assert refused.value.problems[0].startswith(f"--baseline {text!r}") and why in refused.value.problems[0]


def test_months_are_written_listed_and_ranged():
    assert format_month((2021, 9)) == "2021-09"
    assert month_range((2021, 11), (2022, 2)) == [(2021, 11), (2021, 12), (2022, 1), (2022, 2)]
    assert month_range((2021, 11), (2021, 11)) == [(2021, 11)]
    assert months_listed([(2022, 5), (2021, 9), (2021, 10), (2021, 9)]) == "2021-09 to 2021-10, 2022-05"
    assert months_listed([]) == "none"
    every_other = [(2020, m) for m in range(1, 13, 2)] + [(2021, m) for m in range(1, 13, 2)]
    assert months_listed(every_other).count(", ") == 11  # every month, never shortened with '…'

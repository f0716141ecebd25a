"""Months: ``REPORTING_PERIOD_START`` dates and ``START:END`` periods read, months written
``YYYY-MM``, ranges and compact lists of months."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rrp_helpers.importers.mhsds.model import ImportRefused, Month
from rrp_helpers.text import months_text

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_PERIOD = re.compile(r"^\s*(\d{4}-\d{2})\s*(?::|\.\.|\bto\b)\s*(\d{4}-\d{2})\s*$")


def parse_date(text: str) -> tuple[Month | None, str | None]:
    """``dd/mm/yyyy`` (UK order) or ``yyyy-mm-dd`` -> ((year, month), None), or (None, why not);
    the day must be the 1st."""
    t = text.strip()
    m = _DMY.match(t)
    if m:
        d, mo, y = (int(g) for g in m.groups())
    else:
        m = _ISO.match(t)
        if not m:
            return None, "not a date written dd/mm/yyyy or yyyy-mm-dd"
        y, mo, d = (int(g) for g in m.groups())
    if not 1 <= mo <= 12:
        return None, f"there is no month {mo}"
    if not 1 <= d <= 31:
        return None, f"there is no day {d}"
    if d != 1:
        return None, "REPORTING_PERIOD_START must be the first day of a month (monthly files only)"
    return (y, mo), None


def end_month(text: str) -> Month | None:
    """The month of a ``REPORTING_PERIOD_END`` date (any day), or None if it is not a date."""
    dmy = _DMY.match(text)
    if dmy:
        return int(dmy.group(3)), int(dmy.group(2))
    iso = _ISO.match(text)
    if iso:
        return int(iso.group(1)), int(iso.group(2))
    return None


def parse_period(text: str | None, flag: str) -> tuple[Month, Month] | None:
    """``--baseline``/``--testing`` text ``YYYY-MM:YYYY-MM`` -> (first, last) month; None stays None.

    Raises ImportRefused naming ``flag`` when the text is not such a period."""
    if text is None:
        return None
    m = _PERIOD.match(text)
    if not m:
        raise ImportRefused([(f"{flag} {text!r}: write the period as START:END in months, e.g. "
                              f"{flag} 2021-09:2022-02")])
    out = []
    for part in m.groups():
        y, mo = (int(x) for x in part.split("-"))
        if not 1 <= mo <= 12:
            raise ImportRefused([f"{flag} {text!r}: there is no month {mo}"])
        out.append((y, mo))
    if out[1] < out[0]:
        raise ImportRefused([f"{flag} {text!r}: the period ends before it starts"])
    return out[0], out[1]


def format_month(month: Month) -> str:
    """``YYYY-MM``."""
    return f"{month[0]:04d}-{month[1]:02d}"


def month_range(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last``, both included (just ``first`` if last < first)."""
    out = [first]
    while out[-1] < last:
        y, m = out[-1]
        out.append((y + 1, 1) if m == 12 else (y, m + 1))
    return out


def months_listed(months: Iterable[Month]) -> str:
    """Every month, runs joined: ``'2021-09 to 2022-02, 2022-05'``; ``'none'`` when there are none."""
    distinct = set(months)
    return months_text(distinct, limit=len(distinct), count=False) or "none"

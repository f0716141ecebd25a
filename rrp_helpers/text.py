"""Words and characters shared by every module that reads files or writes sentences: decoding
text files as spreadsheet programs save them, plurals, and compact lists of months.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["decode_bytes", "plural", "month_runs", "months_text"]


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of a text file: UTF-16 (with a BOM), UTF-8 (with or without a BOM),
    cp1252 (Excel's "CSV" on Windows, NHS Digital's files), else Latin-1, which reads any byte
    (accented letters may then look wrong: the caller says so)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 ward``, ``2 wards`` (``words`` for an irregular plural)."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def month_runs(months: Iterable[tuple[int, int]]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Consecutive (year, month) pairs grouped as (first, last) runs, in order."""
    runs: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for month in sorted(set(months)):
        if runs and (month[0] * 12 + month[1]) - (runs[-1][1][0] * 12 + runs[-1][1][1]) == 1:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


def months_text(months: Iterable, limit: int = 8, *, count: bool = True) -> str:
    """Compact list of months (Timestamps, Periods or (year, month) pairs):
    ``'2018-03, 2019-01 to 2019-04 (5 months)'``; ``''`` when there are none."""
    pairs = {(m[0], m[1]) if isinstance(m, tuple) else (m.year, m.month) for m in months}
    runs = month_runs(pairs)
    if not runs:
        return ""

    def fmt(m: tuple[int, int]) -> str:
        return f"{m[0]:04d}-{m[1]:02d}"

    parts = [fmt(a) if a == b else f"{fmt(a)} to {fmt(b)}" for a, b in runs]
    text = ", ".join(parts[:limit]) + (" …" if len(parts) > limit else "")
    return f"{text} ({plural(len(pairs), 'month')})" if count else text

"""Problems found in a collaborative, the report they make, and the words they are written in.

Row numbers count as a person does in a spreadsheet: header = row 1, first data row = 2 (for a
TOML file, the line number). No problem ever echoes an NHS number (:class:`Problem` scrubs every
text it holds).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from rrp_helpers import privacy
from rrp_helpers.text import months_text, plural

__all__ = ["Problem", "ValidationReport", "DataError", "Collector", "months_text", "plural"]


def short(text: str | None, limit: int = 60) -> str | None:
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One finding. ``row`` counts as a spreadsheet does (header = 1, first data row = 2)."""

    severity: str
    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        # Safety net: no report ever echoes an NHS number, whichever check produced it.
        for name in ("file", "column", "value", "message", "hint"):
            v = getattr(self, name)
            if isinstance(v, str):
                object.__setattr__(self, name, privacy.scrub(v))

    def location(self) -> str:
        """``file row N, column 'c'`` (the parts that are known)."""
        parts = [self.file]
        if self.row is not None:
            parts.append(f" {'line' if self.file.lower().endswith('.toml') else 'row'} {self.row}")
        if self.column is not None:
            parts.append(("," if self.row is not None else "") + f" column '{self.column}'")
        return "".join(parts)

    def __str__(self) -> str:
        head = self.location()
        if self.value is not None:
            head += f": value '{short(self.value)}'"
        text = f"{head} — {self.message}"
        if self.hint:
            text = text.rstrip(".") + f". Fix: {self.hint}"
        return text


@dataclass(frozen=True)
class ValidationReport:
    """All problems found in one collaborative (errors block loading, warnings do not)."""

    path: Path
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def format(self, max_per_file: int = 50, *, where: str | None = None) -> str:
        """Readable report grouped by file, errors first, at most ``max_per_file`` lines each.
        ``where`` replaces the data's path in the first line (a report page names no local path)."""
        ne, nw = len(self.errors), len(self.warnings)
        path = where if where is not None else privacy.scrub(str(self.path))
        if ne:
            summary = (f"{plural(ne, 'error')} and {plural(nw, 'warning')} in {path}: "
                       "the data cannot be loaded until the errors are fixed.")
        elif nw:
            summary = f"No errors, {plural(nw, 'warning')} in {path}: the data can be loaded."
        else:
            summary = f"No problems found in {path}."
        lines = [summary]
        files: dict[str, list[Problem]] = {}
        for p in self.problems:
            files.setdefault(p.file, []).append(p)
        for fname, probs in files.items():
            probs = sorted(probs, key=lambda p: p.severity != "error")  # stable: errors first
            e = sum(p.severity == "error" for p in probs)
            lines.append("")
            lines.append(f"{fname} ({plural(e, 'error')}, {plural(len(probs) - e, 'warning')})")
            for p in probs[:max_per_file]:
                tag = "ERROR  " if p.severity == "error" else "warning"
                body = str(p)
                if body.startswith(p.file):
                    body = body[len(p.file):].lstrip(" :—") or body
                    if body.startswith("—"):
                        body = body[1:].lstrip()
                lines.append(f"  {tag} {body}")
            if len(probs) > max_per_file:
                lines.append(f"  … and {len(probs) - max_per_file} more in {fname}")
        if self.problems:
            lines.append("")
            lines.append(summary)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


class DataError(Exception):
    """Raised by :func:`load_collaborative` when validation finds errors; ``.report`` has them."""

    def __init__(self, report: ValidationReport):
        super().__init__(report.format())
        self.report = report

    def __str__(self) -> str:
        return self.report.format()



class Collector:
    """Accumulates problems; remembers redacted cells so no later check re-reports them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.redacted: set[tuple[str, int | None, str | None]] = set()

    def error(self, file: str, row: int | None, column: str | None, value: Any,
              message: str, hint: str = "") -> None:
        self._add("error", file, row, column, value, message, hint)

    def warn(self, file: str, row: int | None, column: str | None, value: Any,
             message: str, hint: str = "") -> None:
        self._add("warning", file, row, column, value, message, hint)

    def _add(self, severity: str, file: str, row: int | None, column: str | None, value: Any,
             message: str, hint: str) -> None:
        if value is not None:
            value = short(str(value), 80)
        self.problems.append(Problem(severity, file, None if row is None else int(row), column,
                                     value, message, hint))


def closest(word: str, options: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    options = list(dict.fromkeys(str(o) for o in options))
    lower = {o.lower(): o for o in options}
    hits = difflib.get_close_matches(str(word).lower(), list(lower), n=n, cutoff=cutoff)
    return [lower[h] for h in hits]


def did_you_mean(word: str, options: Iterable[str], n: int = 3) -> str:
    hits = closest(word, options, n=n)
    if not hits:
        return ""
    return "Did you mean " + " or ".join(f"'{h}'" for h in hits) + "?"


def rows_text(rows: Sequence[int], limit: int = 6) -> str:
    rows = sorted(int(r) for r in rows)
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"rows {shown}{more}"


def also(rows: Sequence[int]) -> str:
    """' (rows 5, 9 and 3 more)' when a value recurs; '' when it is on one row only."""
    return "" if len(rows) <= 1 else f" ({rows_text(rows)})"


def fmt_month(ts: pd.Timestamp) -> str:
    return f"{ts.year:04d}-{ts.month:02d}"

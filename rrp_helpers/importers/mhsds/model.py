"""The records the MHSDS importer passes from step to step: months, what was read (cells) and
what was built (the collaborative's text), and the one exception it raises."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

#: A calendar month as (year, month), e.g. (2021, 9); ordered like the months themselves.
Month = tuple[int, int]


class ImportRefused(Exception):
    """The input cannot be imported; ``problems`` lists every reason found (file, row, column)."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass
class Cell:
    """One published value placed in the collaborative's terms."""

    kind: str            # "count" (provider-level measure), "type", "beds", "detentions"
    file: str            # the file's label (see Reading.files)
    row: int             # 1-based row number in the file
    column: str          # the value's column, as problems name it
    month: Month
    provider: str        # key (see reading.provider_key)
    name: str            # as published
    metric: str          # MHS76 / MHS77 / beds / detentions
    type_code: str = ""  # restrictive-intervention type ("01" … "17", "UNKNOWN") of "type" cells
    value: int | None = None  # None when suppressed
    suppressed: bool = False


@dataclass
class Reading:
    """Everything read from the inputs, before it is turned into a collaborative."""

    cells: list[Cell] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)        # label -> layout
    hashes: dict[str, str] = field(default_factory=dict)       # label -> sha256 (hex)
    dropped_breakdowns: Counter = field(default_factory=Counter)
    dropped_metrics: Counter = field(default_factory=Counter)
    unplaced: Counter = field(default_factory=Counter)         # file label -> rows of UNKNOWN
    ignored_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Imported:
    """The collaborative's tables as text rows, plus what to tell the user."""

    toml: str                   # collaborative.toml
    wards: list[list[str]]      # wards.csv rows, in writing.WARD_COLUMNS order
    monthly: list[list[str]]    # monthly.csv rows, in writing.MONTHLY_COLUMNS order
    readme: str                 # README.md
    summary: list[str]          # lines to print: what was read, then "Note: …" lines

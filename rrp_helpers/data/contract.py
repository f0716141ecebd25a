"""The data contract: every table of a collaborative and every setting, declared once.

Everything else is derived from these declarations: the column checks and typed frames of
:mod:`rrp_helpers.data.tables`, the header written by the MHSDS importer and the demo generator,
the blank collaborative of ``rrp new``, and the contract table of the README
(:func:`markdown_table`; a test checks the README holds it). ``docs/design.md`` explains the
contract's choices.

Column ``kind`` is what a cell holds in the file and the type of the loaded column:

=========  ==================================  ===========================
kind       in the file                         loaded as (pandas dtype)
=========  ==================================  ===========================
text       any text                            ``str`` (empty = missing)
month      ``YYYY-MM``                         ``datetime64[us]``, 1st of the month
date       ``YYYY-MM-DD``                      ``datetime64[us]``
count      whole number >= 0, empty = missing  ``Int64`` (``int64`` when never missing)
number     number >= 0, empty = missing        ``Float64``
integer    whole number >= 0, empty = missing  ``Int64``
yes/no     TRUE/FALSE, yes/no, 1/0             ``boolean`` (``bool`` when never missing)
=========  ==================================  ===========================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "Column",
    "TableSpec",
    "Setting",
    "TABLES",
    "SETTINGS",
    "TABLE_COLUMNS",
    "REQUIRED_COLUMNS",
    "MONTH_DTYPE",
    "markdown_table",
    "columns_table",
    "settings_table",
]

MONTH_DTYPE = "datetime64[us]"
_DTYPES = {"text": "str", "month": MONTH_DTYPE, "date": MONTH_DTYPE, "count": "Int64", "number": "Float64",
           "integer": "Int64", "yes/no": "boolean"}


@dataclass(frozen=True)
class Column:
    """One column: ``name`` as in the file's header, ``kind`` (see the module docstring),
    ``required`` in the file, and what it holds."""

    name: str
    kind: str
    required: bool
    description: str
    dtype_override: str | None = None  # the loaded dtype when it differs from the kind's

    @property
    def dtype(self) -> str:
        """The pandas dtype of the loaded column."""
        return self.dtype_override or _DTYPES[self.kind]


@dataclass(frozen=True)
class TableSpec:
    """One table (a CSV file, or a sheet of the workbook named like the file's stem)."""

    stem: str
    columns: tuple[Column, ...]
    description: str
    needed: bool = False  # the file itself must exist
    needs_rows: bool = False  # a header-only file is an error
    sort_by: tuple[str, ...] = ()  # the loaded frame's order

    @property
    def names(self) -> tuple[str, ...]:
        """Every column name, required first, in the contract's order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    @property
    def dtypes(self) -> dict[str, str]:
        """Column name -> pandas dtype of the loaded frame."""
        return {c.name: c.dtype for c in self.columns}

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.stem} has no column {name!r}")


def _c(name: str, kind: str, description: str, *, required: bool = True, dtype: str | None = None) -> Column:
    return Column(name, kind, required, description, dtype)


def _o(name: str, kind: str, description: str, *, dtype: str | None = None) -> Column:
    return Column(name, kind, False, description, dtype)


WARD_ID = "ward's id from wards.csv"
TABLES: dict[str, TableSpec] = {
    spec.stem: spec
    for spec in (
        TableSpec(
            "wards",
            (
                _c("ward_id", "text", "short unique id: letters, digits, '-' or '_'"),
                _c("ward_name", "text", "the ward's name as people know it"),
                _c("trust", "text", "the NHS trust (or provider)"),
                _c("specialty", "text", "e.g. General adult, Forensic adult (Table 1)"),
                _c("ward_type", "text", "e.g. Psychiatric intensive care unit (Table 1)"),
                _c("gender", "text", "Mixed gender, Male or Female (Table 1)"),
                _o("beds", "integer", "number of beds"),
            ),
            "one row per ward (or unit)",
            needed=True,
            needs_rows=True,
            sort_by=("ward_id",),
        ),
        TableSpec(
            "monthly",
            (
                _c("ward_id", "text", WARD_ID),
                _c("month", "month", "the month counted"),
                _c("measure", "text", "a measure of collaborative.toml (restraint, seclusion, rapid_tranquillisation)"),
                _c("count", "count", "incidents that month; empty = missing (never read as 0), * = suppressed"),
                _o("occupied_bed_days", "number", "the ward-month's occupied bed days (u-charts, rates)"),
                _o("source", "text", "incident_report, safety_cross or published"),
                _o("suppressed", "yes/no", "TRUE when a publisher hid a small count", dtype="bool"),
            ),
            "one row per ward, month and measure",
            needed=True,
            needs_rows=True,
            sort_by=("ward_id", "measure", "month"),
        ),
        TableSpec(
            "safety_cross",
            (
                _c("ward_id", "text", WARD_ID),
                _c("date", "date", "the day"),
                _c("measure", "text", "a measure"),
                _c("count", "count", "incidents that day", dtype="int64"),
            ),
            "daily entries; they must add up to the monthly count of safety-cross months",
            sort_by=("ward_id", "measure", "date"),
        ),
        TableSpec(
            "incident_reports",
            (
                _c("ward_id", "text", WARD_ID),
                _c("month", "month", "the month counted"),
                _c("measure", "text", "a measure"),
                _c("count", "count", "incidents in the incident-reporting system"),
            ),
            "a second source for the same months, for the cross-check of sources",
            sort_by=("ward_id", "measure", "month"),
        ),
        TableSpec(
            "change_ideas",
            (
                _c("ward_id", "text", WARD_ID),
                _c("idea_id", "text", "the idea's id, unique within the ward"),
                _c("idea", "text", "what was tested, in a few words"),
                _c("change_concept", "text", "a concept of the change package"),
                _c("started", "month", "the month testing started"),
                _o("pdsa_cycles", "integer", "number of PDSA cycles"),
                _o("status", "text", "e.g. testing, adopted, abandoned"),
            ),
            "the change ideas each ward tested",
            sort_by=("ward_id", "started", "idea_id"),
        ),
        TableSpec(
            "change_package",
            (
                _c("primary_driver", "text", "primary driver"),
                _c("secondary_driver", "text", "secondary driver"),
                _c("change_concept", "text", "change concept (unique, ignoring case)"),
            ),
            "the change-concept taxonomy (Table 2); the shipped one unless the collaborative names its own",
        ),
        TableSpec(
            "annotations",
            (
                _c("ward_id", "text", "ward's id, or ALL for every ward"),
                _c("month", "month", "the month the note is about"),
                _c("note", "text", "the note shown on the charts"),
                _o("measure", "text", "the measure it applies to (empty = every measure)"),
            ),
            "notes shown on the charts",
            sort_by=("ward_id", "month"),
        ),
        TableSpec(
            "engagement",
            (
                _c("ward_id", "text", WARD_ID),
                _c("month", "month", "the month"),
                _o("learning_set_attended", "yes/no", "the ward attended that month's learning set"),
                _o("coach_contacts", "integer", "contacts with the QI coach"),
                _o("data_on_time", "yes/no", "the month's data arrived on time"),
            ),
            "engagement with the collaborative, per ward and month",
            sort_by=("ward_id", "month"),
        ),
    )
}

#: Column names per table (required first), and the required ones.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {stem: spec.names for stem, spec in TABLES.items()}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {stem: spec.required for stem, spec in TABLES.items()}


@dataclass(frozen=True)
class Setting:
    """One setting of ``collaborative.toml`` (or the workbook's ``collaborative`` sheet)."""

    key: str
    default: Any
    description: str
    example: str = ""  # a TOML line showing it, for the blank collaborative
    required: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("name", None, "the collaborative's name, shown on every page", 'name = "My collaborative"', True),
    Setting("description", "", "one sentence about it", 'description = "Reducing restrictive practice, 2024-2026"'),
    Setting("baseline", None, "first and last baseline month (inclusive); sets the first centre line and limits",
            'baseline = ["2024-01", "2024-12"]', True),
    Setting("testing", None, "first and last month of testing changes (absent = monitoring only: no before/after)",
            'testing = ["2025-01", "2026-06"]'),
    Setting("shift_points", 8, "a run of this many months on one side of the centre line is a sustained shift (5 or more)",
            "shift_points = 8"),
    Setting("trend_points", 6, "this many months rising or falling in a row is a trend (5 or more)", "trend_points = 6"),
    Setting("aim_reduction_pct", 33, "the collaborative's aim: reduction from the baseline mean, in %", "aim_reduction_pct = 33"),
    Setting("rate_per", 1000, "rates are incidents per this many occupied bed days", "rate_per = 1000"),
    Setting("ward_chart", "c", "chart of a ward's months: c (counts), u (per rate_per bed days), i (XmR) or run",
            'ward_chart = "c"'),
    Setting("collaborative_chart", "i", "chart of the collaborative's monthly sums: i, c, u, up (Laney) or run",
            'collaborative_chart = "i"'),
    Setting("collaborative_sum", "auto", "the collaborative's monthly sum when some wards have no count that month: "
            "complete_months (the paper's: the month is left out), scaled (the wards that reported, scaled up to "
            "every ward, when at least 90% reported) or auto (complete_months up to 100 wards, scaled beyond)",
            'collaborative_sum = "auto"'),
    Setting("unit_label", "ward", "what one unit is called in sentences (ward, provider)", 'unit_label = "ward"'),
    Setting("change_package", None, "a change package CSV of your own (path relative to this file); absent = the shipped one",
            '# change_package = "my_change_package.csv"'),
    Setting("values_rounded_to", None, "the publisher rounded every count to this (e.g. 5 for NHS Digital)",
            "# values_rounded_to = 5"),
    Setting("extra_ward_columns", None, "columns of wards.csv beyond the contract to keep (e.g. a directorate); "
            "every other extra column is left out of every output", '# extra_ward_columns = ["directorate"]'),
    Setting("synthetic", False, "true stamps SYNTHETIC DATA on every page (the demo); leave false for real data",
            "synthetic = false"),
    Setting("measures", None, "[measures.<name>] tables: label, direction (down/up), kind (outcome/balancing); "
            "absent = restraint, seclusion and rapid tranquillisation",
            '# [measures.restraint]\n# label = "Physical restraint"\n# direction = "down"\n# kind = "outcome"'),
)
#: Keys accepted besides the settings above: periods as two keys each (the workbook's rows).
PERIOD_KEYS = ("baseline_start", "baseline_end", "testing_start", "testing_end")
CONFIG_KEYS: tuple[str, ...] = (*(s.key for s in SETTINGS), *PERIOD_KEYS)
MEASURE_KEYS = ("label", "direction", "kind")


def markdown_table() -> str:
    """The README's contract table: one row per file, its required columns and notes
    (``tools/readme_tables.py`` writes it into the README; a test checks they agree)."""
    lines = ["| file | required columns | notes |", "|---|---|---|"]
    required = ", ".join(f"`{s.key}`" for s in SETTINGS if s.required)
    optional = ", ".join(f"`{s.key}`" for s in SETTINGS if not s.required)
    lines.append(f"| `collaborative.toml` | {required} | settings: {optional} ([every setting](#every-setting)) |")
    for spec in TABLES.values():
        notes = [spec.description + ("" if spec.needed else " (optional file)")]
        if spec.optional:
            notes.append("optional columns: " + ", ".join(f"`{name}`" for name in spec.optional))
        lines.append(f"| `{spec.stem}.csv` | {', '.join(f'`{n}`' for n in spec.required)} | {'; '.join(notes)} |")
    return "\n".join(lines)


def columns_table() -> str:
    """The README's table of every column of every file: kind, required or optional, meaning."""
    lines = ["| file | column | kind | | meaning |", "|---|---|---|---|---|"]
    for spec in TABLES.values():
        for column in spec.columns:
            lines.append(f"| `{spec.stem}.csv` | `{column.name}` | {column.kind} | {'required' if column.required else 'optional'} "
                         f"| {column.description} |")
    return "\n".join(lines)


def settings_table() -> str:
    """The README's table of every setting of ``collaborative.toml``."""
    lines = ["| setting | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        if setting.required:
            default = "required"
        elif setting.default in (None, ""):
            default = "none"
        else:
            default = f"`{str(setting.default).lower() if isinstance(setting.default, bool) else setting.default}`"
        lines.append(f"| `{setting.key}` | {default} | {setting.description} |")
    return "\n".join(lines)


"""A blank collaborative to fill in: what ``rrp new DIR`` writes.

A coach starting a collaborative of their own gets one new folder holding

* ``collaborative.toml``: every setting of the data contract
  (:data:`rrp_helpers.data.contract.SETTINGS`), each explained in a comment, with placeholder
  values that validate (the periods are examples to edit); the optional settings without a
  default are commented out, ``change_package`` among them (the shipped change package is used
  unless a collaborative names its own); the three core measures as ``[measures.<name>]`` tables;
* ``wards.csv`` and ``monthly.csv``, the two required tables, with their headers only;
* ``collaborative.xlsx``, the same collaborative as one workbook in the layout the workbook reader
  expects (:mod:`rrp_helpers.data.settings`, :mod:`rrp_helpers.data.sources`): an
  ``instructions`` sheet (ignored by the reader), the key/value ``collaborative`` sheet, the
  ``measures`` sheet and one sheet per table of the contract but the change package, required
  column names bold on an amber fill, every column name with a note saying what it holds, and
  drop-downs for ward ids, measures and yes/no cells (months are text ``YYYY-MM``, checked as they
  are typed);
* ``README.md``: what to fill, in which order, how to add each new month, and the commands.

Everything is derived from the contract, so a setting or column added there appears here. The
folder is written only when it is new or empty (:func:`write_blank`): nothing is ever overwritten.
It is not marked as a folder the workbook may write to (:mod:`rrp_helpers.outputs`): filled in, it
holds the coach's own data.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import textwrap
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rrp_helpers.data.contract import SETTINGS, TABLES, Column, Setting, TableSpec
from rrp_helpers.data.model import DEFAULT_MEASURES, MeasureSpec
from rrp_helpers.data.settings import CHART_SETTINGS, CONFIG_STEM, MEASURES_SHEET, MEASURES_SHEET_SPEC
from rrp_helpers.errors import UsageError
from rrp_helpers.files import TMP_PREFIX, file_mode, temporary_file

__all__ = [
    "COMMAND",
    "WORKBOOK",
    "CSV_TABLES",
    "WORKBOOK_TABLES",
    "INSTRUCTIONS_SHEET",
    "toml_text",
    "csv_header",
    "readme_text",
    "workbook_bytes",
    "blank_files",
    "write_blank",
]

COMMAND = "rrp new"
WORKBOOK = "collaborative.xlsx"
INSTRUCTIONS_SHEET = "instructions"
#: The tables written as header-only CSV files: the required ones (the others are added when used).
CSV_TABLES: tuple[str, ...] = tuple(stem for stem, spec in TABLES.items() if spec.needed)
#: The tables of the workbook: every one but the change package (an empty change_package sheet
#: would replace the shipped one; a collaborative with its own adds the sheet).
WORKBOOK_TABLES: tuple[str, ...] = tuple(stem for stem in TABLES if stem != "change_package")

_WIDTH = 96
#: What a setting's comment says beyond the contract's description.
_NOTES: dict[str, str] = {
    "name": "Replace the placeholder.",
    "description": "May be left empty.",
    "baseline": 'Months are quoted text "YYYY-MM". The placeholder months are examples: write your own.',
    "testing": "Starts after the baseline ends. Delete the line for a collaborative that only monitors. "
               "A month after the end of testing is left out of the analysis: extend the end as the months come in.",
    "shift_points": "8 is the collaborative's rule, 7 Making Data Count's, 6 IHI's.",
    "aim_reduction_pct": "Drawn as the aim line on the charts; 33 means a third fewer incidents than the baseline mean.",
    "rate_per": "Used by u-charts and rates, which need occupied_bed_days in monthly.csv.",
    "ward_chart": "One of: " + ", ".join(CHART_SETTINGS["ward_chart"]) + ".",
    "collaborative_chart": "One of: " + ", ".join(CHART_SETTINGS["collaborative_chart"]) + ".",
    "change_package": "Leave it commented out to use the change package shipped with the workbook "
                      "(data/reference/change_package.csv). To use your own, put the CSV file in this folder, "
                      "remove the # and write its name.",
    "values_rounded_to": "For published statistics only; leave it commented out for your own counts.",
    "extra_ward_columns": "Remove the # to keep, e.g., a directorate column of wards.csv in the outputs.",
    "synthetic": "Only made-up data, such as the demo collaborative's, say true: never a collaborative's own.",
    "measures": "<name> is what monthly.csv's measure column holds (lower-case letters, digits and _). "
                "label: the name shown on charts and tables. "
                'direction: "down" when fewer is better, "up" when more is better. kind: "outcome" (what the '
                'collaborative sets out to reduce) or "balancing" (watched for unintended harm). The tables below '
                "are the three core measures: keep, change or delete them, or add a table for a measure of your own.",
}


# --- collaborative.toml -------------------------------------------------------------------------


def _default_text(setting: Setting) -> str:
    if setting.required:
        return "required"
    if setting.default in (None, ""):
        return "optional, no default"
    value = str(setting.default).lower() if isinstance(setting.default, bool) else setting.default
    return f"optional, default {value}"


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, _WIDTH - 2, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False)


def _setting_comment(setting: Setting) -> list[str]:
    note = _NOTES.get(setting.key, "")
    return _comment(f"{setting.key} ({_default_text(setting)}): {setting.description}." + (f" {note}" if note else ""))


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _measure_table(measure: MeasureSpec) -> list[str]:
    return [f"[measures.{measure.name}]", f"label = {_toml_string(measure.label)}",
            f"direction = {_toml_string(measure.direction)}", f"kind = {_toml_string(measure.kind)}"]


def toml_text(measures: Iterable[MeasureSpec] = DEFAULT_MEASURES) -> str:
    """``collaborative.toml``: every setting of the contract after a comment saying what it does,
    its default and what to write; the measures as ``[measures.<name>]`` tables, last."""
    lines = [
        "# The settings of a collaborative, written by `rrp new`. Lines starting with # are comments.",
        "# Edit the values, keep the quotes around text and months, then check the folder with",
        "# `rrp validate FOLDER`. A setting commented out (# in front) takes its default.",
    ]
    for setting in SETTINGS:
        if setting.key == "measures":
            continue
        example = setting.example or f"# {setting.key} = "
        lines += ["", *_setting_comment(setting), *example.splitlines()]
    measures_setting = next(s for s in SETTINGS if s.key == "measures")
    lines += ["", *_setting_comment(measures_setting)]
    for measure in measures:
        lines += ["", *_measure_table(measure)]
    return "\n".join(lines) + "\n"


def _example_value(setting: Setting) -> tuple[Any, bool] | None:
    """The contract's example value of a setting and whether it is commented out (None when the
    example is not one ``key = value`` line)."""
    example = setting.example.strip()
    commented = example.startswith("#")
    line = example.lstrip("#").strip()
    if "\n" in example or not line.startswith(f"{setting.key} ") and not line.startswith(f"{setting.key}="):
        return None
    try:
        return tomllib.loads(line)[setting.key], commented
    except (tomllib.TOMLDecodeError, KeyError):
        return None


# --- CSV files and README ---------------------------------------------------------------------------


def csv_header(stem: str) -> str:
    """The header row of a table's CSV file: every column of the contract, required first."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(TABLES[stem].names)
    return buffer.getvalue()


def _columns_lines(spec: TableSpec) -> list[str]:
    return [f"   - `{c.name}` ({'required' if c.required else 'optional'}, {c.kind}): {c.description}" for c in spec.columns]


def readme_text(folder: str = "FOLDER") -> str:
    """The folder's ``README.md``: what to fill, in which order, each new month, the commands
    (``folder`` is how the commands name the folder)."""
    optional = ", ".join(f"`{stem}.csv`" for stem in TABLES if stem not in CSV_TABLES)
    measures = ", ".join(f"`{m.name}`" for m in DEFAULT_MEASURES)
    book = f"{folder.rstrip('/')}/{WORKBOOK}"
    out = folder.rstrip("/")  # outputs beside the folder: my_collab-results
    if Path(out).name in ("", ".", ".."):  # rrp new . : name the folder from its parent
        out = os.path.join("..", Path(os.path.abspath(folder)).name)
    lines = [
        "# A blank collaborative",
        "",
        "Written by `rrp new`. Fill it in either as **CSV files** (`collaborative.toml`, `wards.csv`,",
        f"`monthly.csv`) or as **one workbook** (`{WORKBOOK}`, the same tables as sheets, with",
        "drop-downs and an `instructions` sheet): choose one and keep to it. Only aggregate counts per",
        "ward and month belong here: never a patient's name, NHS number or date of birth.",
        "",
        "## What to fill, in this order",
        "",
        "1. `collaborative.toml`: every setting is explained in a comment. Write the collaborative's",
        "   `name`, the `baseline` months and the `testing` months (the placeholder months are",
        "   examples), and keep, change or add the measures (`[measures.<name>]` tables).",
        "2. `wards.csv`: one row per ward.",
        *_columns_lines(TABLES["wards"]),
        "3. `monthly.csv`: one row per ward, month and measure, e.g. `ward-a,2024-01,restraint,4`.",
        *_columns_lines(TABLES["monthly"]),
        "",
        f"`measure` is a measure of `collaborative.toml` ({measures} unless you change",
        "them). A count that is not known is left empty: never 0, which means no incidents.",
        "`occupied_bed_days` is one number per ward and month: the same on each measure's row.",
        "",
        f"Optional tables, added when you have them: {optional}",
        "(their columns are in the project README, section \"Data contracts\"). The change package",
        "shipped with the workbook is used unless `change_package` in `collaborative.toml` names your own.",
        "",
        "## Every new month",
        "",
        "Add one row to `monthly.csv` for each ward and measure of the new month (in the workbook,",
        "rows of the `monthly` sheet). When the month is after the end of `testing`, move the end of",
        "`testing` on first: months outside the periods are left out of the analysis. Then run",
        "`rrp validate`: it names the wards that have no count for the latest month.",
        "",
        "## Commands",
        "",
        "```sh",
        f"rrp validate {folder}    # until it reports no errors",
        f"rrp results {folder} --out {out}-results    # the results tables: CSV files and results.xlsx",
        f"rrp reports {folder} --out {out}-reports    # a report per ward, as offline HTML pages",
        "```",
        "",
        "For the workbook, name the workbook instead of the folder:",
        "",
        "```sh",
        f"rrp validate {book}",
        f"rrp results {book} --out {out}-results",
        f"rrp reports {book} --out {out}-reports",
        "```",
        "",
        "Outputs go to folders outside this one: the workbook never writes into your data.",
    ]
    return "\n".join(lines) + "\n"


# --- collaborative.xlsx -------------------------------------------------------------------------------

_REQUIRED_FILL = "FFD966"  # amber: a required column
_OPTIONAL_FILL = "E7E6E6"  # grey: an optional column
_TABLE_ROWS = 100_000  # rows the drop-downs and checks cover
_WARD_IDS, _MEASURE_NAMES = "ward_ids", "measure_names"  # the drop-downs' defined names
_MONTH_KINDS = {"month": 7, "date": 10}  # text length of a month (YYYY-MM) and a date (YYYY-MM-DD)


def _header(sheet, columns: Iterable[Column]) -> None:
    """Row 1: the column names, required ones bold on amber, each with a note; frozen."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(1, index, column.name)
        cell.font = Font(bold=column.required)
        cell.fill = PatternFill("solid", fgColor=_REQUIRED_FILL if column.required else _OPTIONAL_FILL)
        comment = Comment(f"{'Required' if column.required else 'Optional'} ({column.kind}): {column.description}",
                          COMMAND)
        comment.width, comment.height = 260, 90
        cell.comment = comment
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column.name) + 4)
    sheet.freeze_panes = "A2"


def _validation(sheet, letter: str, **options: Any) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    rule = DataValidation(allow_blank=True, showInputMessage=True, showErrorMessage=True, **options)
    rule.add(f"{letter}2:{letter}{_TABLE_ROWS}")
    sheet.add_data_validation(rule)


def _column_checks(sheet, stem: str, index: int, column: Column) -> None:
    """The drop-down or check of one column of a table sheet, and its input prompt."""
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(index)
    everyone = stem == "annotations"  # ALL, and the total, are allowed there: a warning, not a stop
    if column.name == "ward_id" and stem != "wards":
        _validation(sheet, letter, type="list", formula1=_WARD_IDS, errorStyle="warning" if everyone else "stop",
                    promptTitle="ward_id", prompt="A ward_id of the wards sheet" + (", or ALL." if everyone else "."),
                    errorTitle="Unknown ward", error="Use a ward_id of the wards sheet (add the ward there first).")
    elif column.name == "measure":
        _validation(sheet, letter, type="list", formula1=_MEASURE_NAMES, errorStyle="warning" if everyone else "stop",
                    promptTitle="measure",
                    prompt="A measure of the measures sheet" + (" (empty: every measure)." if everyone else "."),
                    errorTitle="Unknown measure", error="Use a name of the measures sheet (add the measure there first).")
    elif column.kind in _MONTH_KINDS:
        size = _MONTH_KINDS[column.kind]
        shape = "YYYY-MM, e.g. 2024-01" if column.kind == "month" else "YYYY-MM-DD, e.g. 2024-01-31"
        cell = f"{letter}2"
        sheet.column_dimensions[letter].number_format = "@"  # typed months stay text, never dates
        _validation(sheet, letter, type="custom",
                    formula1=f'AND(LEN({cell})={size},MID({cell},5,1)="-",ISNUMBER(VALUE(LEFT({cell},4))),'
                             f"ISNUMBER(VALUE(RIGHT({cell},2))))",
                    promptTitle=column.name, prompt=f"Type the {column.kind} as {shape}.",
                    errorTitle=f"Not a {column.kind}", error=f"Write the {column.kind} as {shape}.")
    elif column.kind == "yes/no":
        _validation(sheet, letter, type="list", formula1='"TRUE,FALSE"', errorStyle="warning",
                    promptTitle=column.name, prompt="TRUE or FALSE (yes/no and 1/0 are read too); empty if unknown.")
    elif column.kind == "count":
        _validation(sheet, letter, type=None, promptTitle=column.name,
                    prompt="A whole number, 0 or more. Leave it empty when unknown: never 0 for unknown.")


def _settings_rows() -> list[tuple[str, Any, str]]:
    """The ``collaborative`` sheet's (key, value, meaning) rows: every setting but the measures
    (their sheet); settings without a value to give are commented out (``#`` before the key)."""
    rows: list[tuple[str, Any, str]] = []
    for setting in SETTINGS:
        if setting.key == "measures":
            continue
        example = _example_value(setting)
        value, commented = example if example is not None else (None, True)
        if isinstance(value, list):
            value = (":" if setting.key in ("baseline", "testing") else ", ").join(str(v) for v in value)
        note = _NOTES.get(setting.key, "").replace('Months are quoted text "YYYY-MM". ', "")
        note = note.replace("the line", "the row").replace("wards.csv", "the wards sheet")
        note = note.replace("monthly.csv", "the monthly sheet").replace("remove the #", "remove the # before the key")
        meaning = f"{setting.description} ({_default_text(setting)})." + (f" {note}" if note else "")
        if setting.key in ("baseline", "testing"):
            meaning += (" In this sheet a period is one cell, first month:last month (or two rows, "
                        f"{setting.key}_start and {setting.key}_end).")
        rows.append((f"# {setting.key}" if commented else setting.key, value, meaning))
    return rows


def _settings_sheet(book) -> None:
    """The key/value ``collaborative`` sheet, with a drop-down where a setting has few values."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = book.create_sheet(CONFIG_STEM)
    sheet.append(["key", "value", "meaning"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, (key, value, meaning) in enumerate(_settings_rows(), start=2):
        sheet.append([key, value, meaning])
        if isinstance(value, str):
            sheet.cell(row, 2).number_format = "@"
        sheet.cell(row, 3).alignment = Alignment(wrap_text=True, vertical="top")
        bare = key.lstrip("# ")
        allowed = CHART_SETTINGS.get(bare) or (("TRUE", "FALSE") if bare == "synthetic" else None)
        if allowed:
            rule = DataValidation(type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=False)
            rule.add(f"B{row}")
            sheet.add_data_validation(rule)
    for letter, width in (("A", 22), ("B", 30), ("C", 100)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def _measures_sheet(book, measures: tuple[MeasureSpec, ...]) -> None:
    """The ``measures`` sheet (name, label, direction, kind), holding ``measures``."""
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = book.create_sheet(MEASURES_SHEET)
    meanings = {
        "name": "the measure's name, as the monthly sheet's measure column holds it (lower-case letters, digits, _)",
        "label": "the name shown on charts and tables",
        "direction": "down when fewer is better, up when more is better (default down)",
        "kind": "outcome (what the collaborative sets out to reduce) or balancing (watched for harm); default outcome",
    }
    _header(sheet, (Column(c.name, c.kind, c.required, meanings[c.name]) for c in MEASURES_SHEET_SPEC.columns))
    for measure in measures:
        sheet.append([measure.name, measure.label, measure.direction, measure.kind])
    for letter, allowed in (("C", "down,up"), ("D", "outcome,balancing")):
        rule = DataValidation(type="list", formula1=f'"{allowed}"', allow_blank=True)
        rule.add(f"{letter}2:{letter}200")
        sheet.add_data_validation(rule)
    sheet.column_dimensions["B"].width = 28


_HEADINGS = ("What to fill, in this order", "Column names", "Every new month", "Commands (name the workbook, not its folder)")


def _instructions_lines(measures: tuple[MeasureSpec, ...]) -> list[str]:
    names = ", ".join(m.name for m in measures)
    return [
        "A blank collaborative, written by rrp new. rrp ignores this sheet: it is only for you.",
        "",
        _HEADINGS[0],
        "1. collaborative: one setting per row, key in column A, value in column B (column C says what it is). "
        "Write the name and the baseline and testing periods (first month:last month; the placeholders are "
        "examples). A row whose key starts with # is ignored: remove the # to use it.",
        f"2. measures: one row per measure (now: {names}). Keep, change or add rows; at least one.",
        "3. wards: one row per ward. ward_id is a short id (letters, digits, - or _), used on every other sheet.",
        "4. monthly: one row per ward, month and measure. Months are text YYYY-MM. Leave a count empty when it "
        "is unknown: never 0 (0 means no incidents). occupied_bed_days is one number per ward and month: the same "
        "on each measure's row.",
        "5. The other sheets are optional: fill them when you have the data, or leave them with their header "
        "only. To use a change package of your own, add a sheet called change_package (columns primary_driver, "
        "secondary_driver, change_concept); without it the shipped change package is used.",
        "",
        _HEADINGS[1],
        "Required column: bold on amber",
        "Optional column: grey",
        "Required columns must be there and filled; optional ones may be left empty, or deleted. "
        "Each column name has a note saying what it holds.",
        "ward_id and measure cells have drop-downs from the wards and measures sheets; month cells take text "
        "YYYY-MM, date cells YYYY-MM-DD.",
        "",
        _HEADINGS[2],
        "Add one row to the monthly sheet for each ward and measure. When the month is after the end of the "
        "testing period, move the period's end on first (months outside the periods are left out). "
        "rrp validate names the wards with no count for the latest month.",
        "",
        _HEADINGS[3],
        f"rrp validate FOLDER/{WORKBOOK}",
        f"rrp results FOLDER/{WORKBOOK} --out my-results",
        f"rrp reports FOLDER/{WORKBOOK} --out my-reports",
        "",
        "Only aggregate counts per ward and month belong here: never a patient's name, NHS number or date of birth.",
        "Sheets keep their names (collaborative, measures, wards, monthly, ...); other sheets, such as this one, "
        "are ignored.",
    ]


def _instructions_sheet(book, measures: tuple[MeasureSpec, ...]) -> None:
    """The first sheet: what to fill, the colours, each new month, the commands; column A only,
    so that the reader (which ignores the sheet) finds no unnamed column."""
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = book.active
    sheet.title = INSTRUCTIONS_SHEET
    fills = {"Required column: bold on amber": _REQUIRED_FILL, "Optional column: grey": _OPTIONAL_FILL}
    for row, text in enumerate(_instructions_lines(measures), start=1):
        cell = sheet.cell(row, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = Font(bold=row == 1 or text in _HEADINGS or text in fills)
        if text in fills:
            cell.fill = PatternFill("solid", fgColor=fills[text])
    sheet.column_dimensions["A"].width = 110


def workbook_bytes(measures: Iterable[MeasureSpec] = DEFAULT_MEASURES) -> bytes:
    """``collaborative.xlsx``: the instructions, the ``collaborative`` and ``measures`` sheets, then
    one sheet per table of :data:`WORKBOOK_TABLES` with the contract's columns (header only)."""
    import openpyxl
    from openpyxl.workbook.defined_name import DefinedName

    measures = tuple(measures)
    book = openpyxl.Workbook()
    _instructions_sheet(book, measures)
    _settings_sheet(book)
    _measures_sheet(book, measures)
    for stem in WORKBOOK_TABLES:
        sheet = book.create_sheet(stem)
        _header(sheet, TABLES[stem].columns)
        for index, column in enumerate(TABLES[stem].columns, start=1):
            _column_checks(sheet, stem, index, column)
    book.defined_names[_WARD_IDS] = DefinedName(_WARD_IDS, attr_text="wards!$A$2:$A$5000")
    book.defined_names[_MEASURE_NAMES] = DefinedName(_MEASURE_NAMES, attr_text=f"{MEASURES_SHEET}!$A$2:$A$200")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the folder ------------------------------------------------------------------------------------


def blank_files(folder: str = "FOLDER") -> dict[str, bytes]:
    """Every file of a blank collaborative: name -> content (``folder`` names it in the README)."""
    files = {"collaborative.toml": toml_text().encode("utf-8")}
    files |= {f"{stem}.csv": csv_header(stem).encode("utf-8") for stem in CSV_TABLES}
    files |= {WORKBOOK: workbook_bytes(), "README.md": readme_text(folder).encode("utf-8")}
    return files


def write_blank(folder: str | Path) -> Path:
    """Write a blank collaborative into ``folder``, which must not exist or be empty: a folder
    holding anything (hidden files too) is refused with :class:`UsageError` and left untouched.

    A new folder is built beside its place under a temporary name and renamed into place in one
    step. An existing empty folder is kept (its permissions too) and filled file by file, each
    written whole under a temporary name and linked to its name only if that name is still free.
    The folder is not marked as the workbook's (:mod:`rrp_helpers.outputs`): once filled it holds
    the coach's own data, which no command may take as its output folder.
    """
    path = Path(folder)
    _refuse_unless_new_or_empty(path)
    files = blank_files(str(folder))
    try:
        if path.is_dir():
            _fill_empty_folder(path, files)
        else:
            _create_folder(path, files)
    except FileExistsError:
        raise UsageError(f"{path} received files while rrp new was writing it: nothing of yours was overwritten. "
                         "Give the name of a new folder") from None
    except OSError as error:
        raise UsageError(f"{path} cannot be written ({error.strerror or error}): choose a folder you can write to") from None
    return path


def _create_folder(path: Path, files: dict[str, bytes]) -> None:
    """``path`` (which does not exist) holding ``files``, built beside it and renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-{path.name}.", dir=path.parent))
    try:
        os.chmod(staging, file_mode(folder=True))  # mkdtemp makes a private folder
        for name, content in files.items():
            (staging / name).write_bytes(content)
            os.chmod(staging / name, file_mode())
        if path.exists():  # created meanwhile: never replaced
            raise FileExistsError(path)
        os.rename(staging, path)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _fill_empty_folder(path: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into the empty folder ``path``; a name taken meanwhile is never overwritten
    (FileExistsError), and the files written before it are removed."""
    written: list[Path] = []
    try:
        for name, content in files.items():
            target = path / name
            with temporary_file(target) as temporary:
                temporary.write_bytes(content)
                os.chmod(temporary, file_mode())
                try:
                    os.link(temporary, target)  # fails if the name is taken: never overwrites
                except FileExistsError:
                    raise
                except OSError:  # a file system without hard links: exclusive creation instead
                    with open(target, "xb") as handle:
                        handle.write(content)
            written.append(target)
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        raise


def _refuse_unless_new_or_empty(path: Path) -> None:
    """:class:`UsageError` unless ``path`` does not exist or is an empty folder."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path} is a file: give the name of a new folder for the collaborative")
    if path.is_dir():
        with os.scandir(path) as entries:
            names = sorted(entry.name for entry in entries)
        if names:
            shown = ", ".join(repr(name) for name in names[:3]) + (" ..." if len(names) > 3 else "")
            raise UsageError(f"{path} already holds files ({shown}): rrp new writes only into a new or empty "
                             "folder and never overwrites anything. Give the name of a new folder")

"""Finding a collaborative's files: a folder of CSV files, or one Excel workbook.

``path`` is a **folder** holding ``collaborative.toml``, ``wards.csv`` and ``monthly.csv`` and
any optional tables of the contract (a ``.toml`` path means its folder), or one **workbook**
(``.xlsx``/``.xlsm``) with a sheet per file, named by the file's stem (case and surrounding
spaces ignored). Files and sheets outside the contract are scanned for identifiers and then
ignored (a warning when the name is close to a contract file's). :class:`Source` records every
file read, so that the load cache can tell when any of them changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rrp_helpers.data.contract import TABLES
from rrp_helpers.data.extract import RawTable, extract_table, load_table
from rrp_helpers.data.problems import Collector, closest
from rrp_helpers.data.readers import read_csv_grid, read_workbook
from rrp_helpers.data.settings import CONFIG_STEM, MEASURES_SHEET, Entry, config_from_sheet, config_from_toml

@dataclass
class Source:
    path: Path
    base_dir: Path
    config_label: str
    config: tuple[dict[str, Entry], dict[str, dict[str, Entry]] | None] | None
    tables: dict[str, RawTable | None]      # stem -> table (None = absent or unreadable)
    present: set[str]                     # stems whose file/sheet exists
    is_sheet: bool
    labels: dict[str, str]
    read: list[Path] = field(default_factory=list)  # every file read, for the load cache's key


def open_directory(d: Path, col: Collector, toml_path: Path | None = None) -> Source | None:
    toml_path = toml_path or d / "collaborative.toml"
    expected = ["collaborative.toml"] + [f"{s}.csv" for s in TABLES]
    missing = [n for n in ["collaborative.toml", "wards.csv", "monthly.csv"] if not (d / n).is_file()]
    if toml_path.name != "collaborative.toml" and "collaborative.toml" in missing:
        missing.remove("collaborative.toml")
    files = {p.name.lower(): p for p in d.iterdir() if p.is_file()} if d.is_dir() else {}
    for n in missing:
        xlsx = [p.name for p in d.glob("*.xls*")]
        near = closest(n, [f for f in files], n=1)
        hint = (f"'{near[0]}' is here: rename it to '{n}'. " if near else "") + \
            (f"For a workbook, pass the .xlsx file itself (e.g. {d / xlsx[0]}). " if xlsx else "") + \
            f"A collaborative folder holds {', '.join(expected[:3])} (required) and optionally " \
            f"{', '.join(expected[3:])}"
        col.error(n, None, None, None, f"required file {n} is missing from {d}", hint)
    config = config_from_toml(toml_path, toml_path.name, col) if toml_path.is_file() else None
    read = [toml_path] if toml_path.is_file() else []
    tables: dict[str, RawTable | None] = {}
    present: set[str] = set()
    labels: dict[str, str] = {}
    for stem, spec in TABLES.items():
        p = d / f"{stem}.csv"
        labels[stem] = p.name
        if not p.is_file():
            tables[stem] = None
            continue
        present.add(stem)
        if not p.resolve().is_relative_to(d.resolve()):
            col.error(p.name, None, None, None, "the file is a link to a file outside the collaborative's folder, "
                      "which is not read", "copy the file itself into the folder")
            tables[stem] = None
            continue
        read.append(p)
        tables[stem] = load_table(read_csv_grid(p, p.name, col), spec, col, stem, p.stat().st_size)
    known = {f"{s}.csv" for s in TABLES} | {"collaborative.toml"}
    for name, p in sorted(files.items()):
        if p.suffix.lower() == ".csv" and p.name not in known and p.resolve().is_relative_to(d.resolve()):
            grid = read_csv_grid(p, p.name, col)
            read.append(p)
            if grid is not None:
                extract_table(grid, None, col, p.stem)   # privacy scan of extra files too
            near = closest(p.name, known, n=1, cutoff=0.8)
            if near and not (d / near[0]).is_file():
                col.warn(p.name, None, None, None, "this file is not part of the data contract "
                         "and was ignored", f"if it is {near[0]}, rename it")
    return Source(d, d, toml_path.name, config, tables, present, False, labels, read)



def open_workbook(path: Path, col: Collector) -> Source | None:
    grids = read_workbook(path, col)
    if grids is None:
        return None
    label = path.name
    expected = [CONFIG_STEM, *TABLES]
    for need in (CONFIG_STEM, "wards", "monthly"):
        if need not in grids:
            near = closest(need, list(grids), n=1)
            col.error(f"{label}[{need}]", None, None, None,
                      f"the workbook has no sheet called '{need}' (sheets found: "
                      f"{', '.join(g.label.split('[', 1)[1][:-1] for g in grids.values()) or 'none'})",
                      (f"rename sheet '{near[0]}' to '{need}'. " if near else "") +
                      f"Sheets are named after the files: {', '.join(expected)}")
    config = None
    if CONFIG_STEM in grids:
        config = config_from_sheet(grids[CONFIG_STEM], grids.get(MEASURES_SHEET), col)
    tables: dict[str, RawTable | None] = {}
    present: set[str] = set()
    labels: dict[str, str] = {}
    for stem, spec in TABLES.items():
        labels[stem] = f"{label}[{stem}]"
        if stem not in grids:
            tables[stem] = None
            continue
        labels[stem] = grids[stem].label
        present.add(stem)
        tables[stem] = load_table(grids[stem], spec, col, stem)
    for key, grid in grids.items():
        if key in TABLES or key in (CONFIG_STEM, MEASURES_SHEET):
            continue
        extract_table(grid, None, col, key)   # privacy scan of every other sheet
        near = closest(key, expected, n=1, cutoff=0.8)
        if near and near[0] not in grids:
            col.warn(grid.label, None, None, None, "this sheet is not part of the data contract "
                     "and was ignored", f"if it is the {near[0]} sheet, rename it '{near[0]}'")
    cfg_label = grids[CONFIG_STEM].label if CONFIG_STEM in grids else f"{label}[{CONFIG_STEM}]"
    return Source(path, path.parent, cfg_label, config, tables, present, True, labels, [path])


def open_source(path: Path, col: Collector) -> Source | None:
    if not path.exists():
        col.error(str(path), None, None, None, "this path does not exist",
                  "pass a collaborative folder (holding collaborative.toml) or an .xlsx workbook")
        return None
    if path.is_dir():
        return open_directory(path, col)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return open_workbook(path, col)
    if path.suffix.lower() == ".toml":
        return open_directory(path.parent, col, toml_path=path)
    col.error(path.name, None, None, None, "not a collaborative folder or Excel workbook",
              "pass the folder holding collaborative.toml, or an .xlsx workbook")
    return None

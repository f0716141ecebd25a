"""Validate and load a collaborative: the orchestration of the checks, and the load cache.

``validate(path)`` collects every problem it can find and never raises for bad data;
``load_collaborative(path)`` returns a :class:`~rrp_helpers.data.model.Collaborative` or raises
:class:`~rrp_helpers.data.problems.DataError` (whose ``str()`` is the readable report).

The change package is the ``change_package`` setting's file (relative to the TOML or workbook),
else ``change_package.csv`` beside ``collaborative.toml`` (a ``change_package`` sheet), else the
one shipped in ``data/reference/``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rrp_helpers.data.columns import CheckContext
from rrp_helpers.data.contract import TABLES
from rrp_helpers.data.extract import RawTable, load_table
from rrp_helpers.data.model import DEFAULT_MEASURES, Collaborative, CollaborativeConfig, MeasureSpec
from rrp_helpers.data.problems import Collector, DataError, Problem, ValidationReport, closest
from rrp_helpers.data.readers import read_csv_grid
from rrp_helpers.data.settings import build_config
from rrp_helpers.data.sources import Source, open_source
from rrp_helpers.data.tables import (
    check_annotations,
    check_engagement,
    check_ideas,
    check_monthish,
    check_monthly,
    check_package,
    check_safety_cross,
    check_wards,
    complete_monthly,
    cross_check_safety_cross,
    sorted_frame,
    typed,
)
from rrp_helpers.paths import shipped_change_package_path

__all__ = ["validate", "load_collaborative"]


@dataclass
class _Checked:
    """The checked tables of one run (None: absent or unusable)."""

    wards: pd.DataFrame | None = None
    monthly: pd.DataFrame | None = None
    safety_cross: pd.DataFrame | None = None
    incident_reports: pd.DataFrame | None = None
    change_ideas: pd.DataFrame | None = None
    change_package: pd.DataFrame | None = None
    annotations: pd.DataFrame | None = None
    engagement: pd.DataFrame | None = None


def _run(path: Path, build: bool = True) -> tuple[list[Problem], Collaborative | None, list[Path]]:
    """Every check of the collaborative at ``path``: (problems, the collaborative when ``build``
    and there are no errors, every file read)."""
    col = Collector()
    src = open_source(path, col)
    if src is None:
        return col.problems, None, [path] if path.is_file() else []
    cfg: CollaborativeConfig | None = None
    specs: tuple[MeasureSpec, ...] = DEFAULT_MEASURES
    if src.config is not None:
        cfg, specs = build_config(src.config[0], src.config[1], src.config_label, col, src.is_sheet)
    ctx = CheckContext(col, tuple(m.name for m in specs), cfg.months() if cfg else None, src.labels["wards"])
    checked, monthly_rows = _check_tables(src, ctx, cfg)
    if cfg is not None:
        _warn_extra_columns(src, cfg, col)
    if checked.monthly is None and monthly_rows is not None and cfg is not None and checked.wards is not None:
        monthly_ok = not any(p.severity == "error" and p.file == src.labels["monthly"] for p in col.problems)
        checked.monthly = complete_monthly(monthly_rows, checked.wards["ward_id"].tolist(), cfg,
                                           src.labels["monthly"], ctx, monthly_ok, build)
    problems = [p for p in col.problems
                if not ((p.file, p.row, p.column) in col.redacted and "NHS number" not in p.message)]
    if (not build or any(p.severity == "error" for p in problems) or cfg is None
            or checked.wards is None or checked.monthly is None):
        return problems, None, src.read
    keep = {"wards": cfg.extra_ward_columns}
    frames = {stem: typed(getattr(checked, stem), spec.dtypes, keep.get(stem, ())) for stem, spec in TABLES.items()}
    frames = {stem: sorted_frame(frame, list(TABLES[stem].sort_by)) for stem, frame in frames.items()}
    collab = Collaborative(path=path, config=cfg, **frames, sources=tuple(dict.fromkeys(src.read)),
                           problems=tuple(p for p in problems if p.severity == "warning"))
    return problems, collab, src.read


def _warn_extra_columns(src: Source, cfg: CollaborativeConfig, col: Collector) -> None:
    """One warning per file for columns outside the contract: they reach no output (only the
    ward columns named in ``extra_ward_columns`` are kept)."""
    for stem, table in src.tables.items():
        if table is None:
            continue
        names = TABLES[stem].names
        extras = [c for c in table.df.columns if c not in names and not (stem == "wards" and c in cfg.extra_ward_columns)
                  and not closest(c, [o for o in TABLES[stem].optional if o not in table.df.columns], n=1)]
        if extras:
            hint = ('to keep a ward column, name it in collaborative.toml: extra_ward_columns = ["' + extras[0] + '"]'
                    if stem == "wards" else "delete the column, or leave it: it is ignored")
            col.warn(table.label, table.header_row, None, None,
                     f"{'column' if len(extras) == 1 else 'columns'} {', '.join(repr(c) for c in extras[:8])} "
                     f"{'is' if len(extras) == 1 else 'are'} not part of the data contract and left out of every output", hint)


def _check_tables(src: Source, ctx: CheckContext, cfg: CollaborativeConfig | None
                  ) -> tuple[_Checked, pd.DataFrame | None]:
    """Check every table present; returns them and the monthly rows before the grid is built."""
    tables, col = src.tables, ctx.col
    checked = _Checked()
    if tables["wards"] is not None:
        checked.wards = check_wards(tables["wards"], ctx)
    else:
        ctx.ward_ids = None  # cannot check ward ids against a broken wards file
    monthly_rows = check_monthly(tables["monthly"], ctx, cfg) if tables["monthly"] is not None else None
    package_table, package_label = _change_package(src, col)
    if package_table is not None:
        checked.change_package = check_package(package_table, ctx)
    if tables["safety_cross"] is not None:
        checked.safety_cross = check_safety_cross(tables["safety_cross"], ctx)
    if tables["incident_reports"] is not None:
        frame, usable = check_monthish(tables["incident_reports"], ctx, count=True)
        checked.incident_reports = frame[usable]
    if tables["change_ideas"] is not None:
        if checked.change_package is None:
            col.warn(tables["change_ideas"].label, None, "change_concept", None,
                     "no change package was found, so change concepts were not checked",
                     "add change_package.csv beside the data")
        checked.change_ideas = check_ideas(tables["change_ideas"], ctx, checked.change_package, package_label)
    if tables["annotations"] is not None:
        checked.annotations = check_annotations(tables["annotations"], ctx)
    if tables["engagement"] is not None:
        checked.engagement = check_engagement(tables["engagement"], ctx)
    if monthly_rows is not None and checked.safety_cross is not None:
        cross_check_safety_cross(monthly_rows, checked.safety_cross, src.labels["monthly"], col)
    return checked, monthly_rows


def _change_package(src: Source, col: Collector) -> tuple[RawTable | None, str]:
    """The change package's table and label: the configured file, else the one beside the data,
    else the shipped one. Files read are added to ``src.read``."""
    label = src.labels["change_package"]
    entries = src.config[0] if src.config else {}
    spec = TABLES["change_package"]
    if "change_package" in entries:
        entry = entries["change_package"]
        path = (src.base_dir / str(entry.value)).resolve()
        label = path.name if path.parent == src.base_dir.resolve() else str(entry.value)
        if not path.is_relative_to(src.base_dir.resolve()):
            col.error(src.config_label, entry.row, "value" if src.is_sheet else "change_package", str(entry.value),
                      "the change package must be a file in the collaborative's folder (files elsewhere are not read)",
                      "copy your change package into the folder and name it there, e.g. change_package = "
                      "\"my_change_package.csv\", or remove the setting to use the shipped change package")
            return None, label
        if path.is_file():
            src.read.append(path)
            return load_table(read_csv_grid(path, label, col), spec, col, "change_package"), label
        col.error(src.config_label, entry.row, "value" if src.is_sheet else "change_package", str(entry.value),
                  f"the change package file was not found ({path})",
                  "correct the path (relative to the collaborative's folder), or remove the "
                  "setting to use the shipped change package")
        return None, label
    if "change_package" in src.present:
        return src.tables["change_package"], label
    shipped = shipped_change_package_path()
    if shipped.is_file():
        src.read.append(shipped)
        label = "data/reference/change_package.csv"
        return load_table(read_csv_grid(shipped, label, col), spec, col, "change_package"), label
    return None, label


def validate(path: str | Path) -> ValidationReport:
    """Check a collaborative folder or workbook; collects every problem, never raises for bad data."""
    path = Path(path)
    problems, _, _ = _run(path, build=False)
    return ValidationReport(path, tuple(problems))


# The last collaborative loaded in this process (a warm report kernel loads the same one once
# per ward): the input path, the signature of every file it read, and the collaborative.
_LOADED: dict[str, tuple[tuple, Collaborative]] = {}


def _signature(path: Path, read: list[Path]) -> tuple:
    """What identifies a load's inputs: every file read (path, size, modification time) and, for
    a folder, the names of its files (a table added since is read next time)."""
    entries: list[tuple] = []
    if path.is_dir():
        entries.append(("listing", *sorted(entry.name for entry in os.scandir(path))))
    for file in sorted(set(read)):
        status = file.stat()
        entries.append((str(file), status.st_size, status.st_mtime_ns))
    return tuple(entries)


def load_collaborative(path: str | Path) -> Collaborative:
    """Load a validated collaborative; raises :class:`DataError` if there are errors.

    Loads are cached within a process, keyed by every file the load read (their paths, sizes and
    modification times, the change package included wherever it is) and the folder's listing;
    each call returns its own copies of the tables, so a caller changing one cannot affect the next.
    """
    path = Path(path)
    key = str(path.resolve())
    cached = _LOADED.get(key)
    collab = None
    if cached is not None:
        signature, collab = cached
        try:
            if _signature(path, [Path(name) for name, *_ in signature if name != "listing"]) != signature:
                collab = None
        except OSError:
            collab = None
    if collab is None:
        problems, collab, read = _run(path)
        if collab is None:
            raise DataError(_failed_report(path, problems))
        _LOADED.clear()
        try:
            _LOADED[key] = (_signature(path, read), collab)
        except OSError:
            pass
    tables = {stem: getattr(collab, stem).copy() for stem in TABLES}
    return dataclasses.replace(collab, **tables)


def _failed_report(path: Path, problems: list[Problem]) -> ValidationReport:
    report = ValidationReport(path, tuple(problems))
    if report.ok:  # defensive: something could not be built without an explicit error
        report = ValidationReport(path, tuple(problems) + (Problem(
            "error", path.name, None, None, None, "the collaborative could not be loaded",
            "see the other problems listed"),))
    return report

"""rrp_helpers.data.settings: collaborative.toml, and a workbook's collaborative and measures
sheets (periods, rules, measures, their errors with the TOML's line numbers).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from data_support import NHS, SETTINGS, TOML, one, write_dir, write_xlsx
from rrp_helpers.data import MEASURES, CollaborativeConfig, MeasureSpec, load_collaborative, validate


def test_config_periods_and_measures(good: Path) -> None:
    cfg = load_collaborative(good).config
    assert isinstance(cfg, CollaborativeConfig)
    assert len(cfg.months()) == 24 and cfg.months()[0] == pd.Timestamp("2018-01-01")
    assert len(cfg.baseline_months()) == 12 and len(cfg.testing_months()) == 12
    assert cfg.testing_months()[0] == pd.Timestamp("2019-01-01")
    assert cfg.measure("seclusion") == MeasureSpec("seclusion", "Seclusion", "down", "outcome")
    assert cfg.measure("restraint").label == "Physical restraint"
    assert (cfg.shift_points, cfg.trend_points, cfg.aim_reduction_pct, cfg.rate_per) == (8, 6, 33.0, 1000)
    assert cfg.values_rounded_to is None
    with pytest.raises(KeyError):
        cfg.measure("restrain")


def test_monitoring_only_without_testing_period(tmp_path: Path, tables) -> None:
    toml = TOML.replace('testing = ["2019-01", "2019-12"]\n', "").replace(
        '"2018-12"', '"2019-12"')
    c = load_collaborative(write_dir(tmp_path / "c", tables, toml))
    assert c.config.testing_start is None and len(c.config.testing_months()) == 0
    assert len(c.config.months()) == 24


def test_measures_table_with_balancing_measure(tmp_path: Path, tables) -> None:
    toml = TOML + "".join(
        f'\n[measures.{m}]\nlabel = "{m.title()}"\ndirection = "down"\nkind = "outcome"\n'
        for m in MEASURES) + '\n[measures.staff_injuries]\nlabel = "Staff injuries"\ndirection = "up"\nkind = "balancing"\n'
    m = tables["monthly"]
    extra = m[m["measure"] == "restraint"].assign(measure="staff_injuries")
    tables["monthly"] = pd.concat([m, extra], ignore_index=True)
    c = load_collaborative(write_dir(tmp_path / "c", tables, toml))
    assert c.config.measure("staff_injuries") == MeasureSpec("staff_injuries", "Staff injuries", "up", "balancing")
    assert len(c.monthly) == 3 * 24 * 4


@pytest.mark.parametrize("edit, row, column, words", [
    (lambda t: t.replace('name = "Test collaborative (synthetic)"\n', ""), None, "name", ("needs a name",)),
    (lambda t: t.replace('baseline = ["2018-01", "2018-12"]\n', ""), None, "baseline", ("missing",)),
    (lambda t: t.replace('"2018-12"', '"2018-13"'), 4, "baseline", ("no month 13",)),
    (lambda t: t.replace('["2019-01", "2019-12"]', '["2019-12", "2019-01"]'), 5, "testing", ("reversed",)),
    (lambda t: t.replace('["2019-01", "2019-12"]', '["2017-01", "2017-06"]'), 5, "testing", ("overlap",)),
    (lambda t: t.replace('["2018-01", "2018-12"]', '["2018-01"]'), 4, "baseline", ("two months",)),
    (lambda t: t.replace("shift_points = 8", "shift_points = 0"), 6, "shift_points", ("at least 5",)),
    (lambda t: t.replace("shift_points = 8", "shift_points = 1"), 6, "shift_points", ("at least 5", "by chance")),
    (lambda t: t.replace("trend_points = 6", 'trend_points = "six"'), 7, "trend_points", ("whole number",)),
    (lambda t: t.replace("aim_reduction_pct = 33", "aim_reduction_pct = 330"), 8, "aim_reduction_pct",
     ("between 0 and 100",)),
    (lambda t: t + '\n[measures.Restraint]\nlabel = "R"\n', 11, "measures", ("snake_case",)),
    (lambda t: t + '\n[measures.restraint]\nkind = "primary"\n', 12, "kind", ("'balancing'",)),
])
def test_config_errors(tmp_path: Path, tables, edit, row, column, words) -> None:
    report = validate(write_dir(tmp_path / "c", tables, edit(TOML)))
    one(report, "collaborative.toml", row, column, "error", *words)


def test_config_unknown_measure_key_warns(tmp_path: Path, tables) -> None:
    toml = TOML + "".join(f'\n[measures.{m}]\nlabel = "{m}"\n' for m in MEASURES) + 'directon = "up"\n'
    report = validate(write_dir(tmp_path / "c", tables, toml))
    assert report.ok
    one(report, "collaborative.toml", 19, "directon", "warning", "'direction'")


def test_config_toml_path_and_alternative_period_keys(tmp_path: Path, tables) -> None:
    toml = TOML.replace('baseline = ["2018-01", "2018-12"]',
                        'baseline_start = "2018-01"\nbaseline_end = 2018-12-01')
    d = write_dir(tmp_path / "c", tables, toml)
    c = load_collaborative(d / "collaborative.toml")
    assert c.config.baseline_end == pd.Timestamp("2018-12-01")


def test_nhs_number_in_toml_refused(tmp_path: Path, tables) -> None:
    toml = TOML.replace("Three wards, two years", f"Contact {NHS}")
    report = validate(write_dir(tmp_path / "c", tables, toml))
    one(report, "collaborative.toml", 3, "description", "error", "NHS number")
    assert NHS not in report.format()


def test_excel_settings_with_period_keys_and_measures_sheet(tmp_path: Path, tables) -> None:
    rows = [r for r in SETTINGS if r[0] not in ("baseline", "testing")] + [
        ("baseline_start", dt.datetime(2018, 1, 1)), ("baseline_end", "2018-12"),
        ("testing_start", "2019-01"), ("testing_end", dt.datetime(2019, 12, 1))]
    book = write_xlsx(tmp_path / "book.xlsx", tables, rows)
    wb = openpyxl.load_workbook(book)
    ws = wb.create_sheet("measures")
    ws.append(["name", "label", "direction", "kind"])
    for m in MEASURES:
        ws.append([m, m.title(), "down", "outcome"])
    wb.save(book)
    c = load_collaborative(book)
    assert c.config.testing_end == pd.Timestamp("2019-12-01") and c.config.measure("seclusion").label == "Seclusion"


def test_excel_config_sheet_errors(tmp_path: Path, tables) -> None:
    rows = [r if r[0] != "testing" else ("testing", "2018-06 to 2019-12") for r in SETTINGS]
    rows.append(("shift_pionts", 7))
    book = write_xlsx(tmp_path / "book.xlsx", tables, rows)
    report = validate(book)
    one(report, "book.xlsx[collaborative]", 6, "value", "error", "overlap")
    one(report, "book.xlsx[collaborative]", 11, "key", "warning", "'shift_points'")

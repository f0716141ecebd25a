"""rrp_helpers.data.load: validating and loading a whole collaborative into a typed
``Collaborative``, ``DataError``, inputs left untouched, a large file, and the load cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_support import TOML, WARDS, write_dir
from rrp_helpers.data import (
    MEASURES,
    TOTAL,
    Collaborative,
    DataError,
    ValidationReport,
    load_collaborative,
    validate,
)


def test_valid_collaborative_loads_with_typed_tables(good: Path) -> None:
    report = validate(good)
    assert report.ok and report.problems == (), report.format()
    c = load_collaborative(good)
    assert isinstance(c, Collaborative) and c.problems == ()
    assert c.config.name == "Test collaborative (synthetic)" and c.config.synthetic
    assert c.config.measure_names() == MEASURES
    assert len(c.monthly) == 3 * 24 * 3
    assert list(c.monthly.columns) == ["ward_id", "month", "measure", "count",
                                       "occupied_bed_days", "source", "suppressed"]
    assert c.monthly["count"].dtype == "Int64"
    assert c.monthly["occupied_bed_days"].dtype == "Float64"
    assert c.monthly["suppressed"].dtype == bool and not c.monthly["suppressed"].any()
    assert pd.api.types.is_datetime64_any_dtype(c.monthly["month"])
    assert (c.monthly["month"].dt.day == 1).all()
    assert c.monthly.equals(c.monthly.sort_values(["ward_id", "measure", "month"]).reset_index(drop=True))
    assert c.wards["ward_id"].tolist() == WARDS
    assert c.wards["beds"].dtype == "Int64" and c.wards["beds"].isna().sum() == 1
    got = c.monthly.set_index(["ward_id", "month", "measure"])["count"]
    assert got[("ward-a", pd.Timestamp("2019-01-01"), "restraint")] == 4
    assert c.safety_cross["count"].sum() == 4 and c.safety_cross["count"].dtype == "int64"
    assert c.change_ideas["pdsa_cycles"].tolist()[1] is pd.NA
    assert c.change_ideas["started"].dt.day.eq(1).all()
    assert c.annotations["measure"].isna().sum() == 1 and "ALL" in c.annotations["ward_id"].tolist()
    assert c.engagement["learning_set_attended"].dtype == "boolean"
    assert c.engagement["data_on_time"].tolist() == [True, False]
    assert c.change_package.shape == (3, 3)
    assert TOTAL not in c.monthly["measure"].unique()


def test_inputs_are_not_modified(good: Path) -> None:
    before = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
              for p in good.iterdir()}
    load_collaborative(good)
    validate(good)
    after = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
             for p in good.iterdir()}
    assert before == after


def test_large_file_validates(tmp_path: Path) -> None:
    wards = [f"w{i:04d}" for i in range(1500)]
    months = pd.date_range("2016-01-01", periods=60, freq="MS").strftime("%Y-%m")
    idx = pd.MultiIndex.from_product([wards, months, MEASURES], names=["ward_id", "month", "measure"])
    m = idx.to_frame(index=False)
    m["count"] = np.random.default_rng(0).poisson(4, len(m))
    m["occupied_bed_days"] = 540
    d = tmp_path / "big"
    d.mkdir()
    (d / "collaborative.toml").write_text(TOML.replace("2018-01", "2016-01").replace(
        '"2018-12"', '"2017-12"').replace('"2019-01"', '"2018-01"').replace('"2019-12"', '"2020-12"'))
    pd.DataFrame({"ward_id": wards, "ward_name": wards, "trust": "T", "specialty": "Acute",
                  "ward_type": "Adult", "gender": "Mixed"}).to_csv(d / "wards.csv", index=False)
    m.iloc[123, m.columns.get_loc("count")] = -1
    m.to_csv(d / "monthly.csv", index=False)
    report = validate(d)
    assert len(m) == 270_000
    assert [(p.row, p.column) for p in report.errors] == [(125, "count")], report.format()


def test_data_error_carries_report(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[0, "count"] = "-1"
    d = write_dir(tmp_path / "c", tables)
    with pytest.raises(DataError) as exc:
        load_collaborative(d)
    assert isinstance(exc.value.report, ValidationReport) and not exc.value.report.ok
    assert str(exc.value) == exc.value.report.format()
    assert "monthly.csv" in str(exc.value) and "row 2" in str(exc.value)


def test_load_cache_reloads_an_edited_change_package_elsewhere_and_a_new_table(tmp_path: Path, tables) -> None:
    """The cache is keyed by every file a load read (the change package in a subfolder of the
    collaborative's folder included) and by the folder's listing."""
    package = tables.pop("change_package")
    annotations = tables.pop("annotations")
    folder = write_dir(tmp_path / "c", tables, TOML + 'change_package = "elsewhere/pkg.csv"\n')
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    package.to_csv(elsewhere / "pkg.csv", index=False)
    first = load_collaborative(folder)
    assert "Sleep hygiene" in first.change_package["change_concept"].tolist()
    assert first.annotations.empty
    # Edit the package outside the folder (a later modification time too, whatever the clock's grain).
    package.loc[package["change_concept"].eq("Sleep hygiene"), "change_concept"] = "Sleep hygiene and rest"
    package.to_csv(elsewhere / "pkg.csv", index=False)
    status = (elsewhere / "pkg.csv").stat()
    os.utime(elsewhere / "pkg.csv", ns=(status.st_atime_ns, status.st_mtime_ns + 2_000_000_000))
    edited = load_collaborative(folder)
    concepts = edited.change_package["change_concept"].tolist()
    assert "Sleep hygiene and rest" in concepts and "Sleep hygiene" not in concepts
    # Add an optional table beside the data.
    annotations.to_csv(folder / "annotations.csv", index=False)
    added = load_collaborative(folder)
    assert added.annotations["note"].tolist() == ["Testing period starts", "New ward manager <b>"]
    assert "Sleep hygiene and rest" in added.change_package["change_concept"].tolist()

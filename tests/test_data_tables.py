"""rrp_helpers.data.tables: each table's checks and typed frame (monthly: missing and
suppressed counts, rounding; safety cross; change ideas and package; annotations; engagement).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data_support import TOML, base_tables, one, row_of, write_dir
from rrp_helpers import paths
from rrp_helpers.data import load_collaborative, validate


def test_missing_ward_months_are_na_with_one_warning_per_ward(tmp_path: Path, tables) -> None:
    m = tables["monthly"]
    drop = ((m["ward_id"] == "ward-b") & m["month"].isin(["2018-03", "2019-01", "2019-02"])) | \
           ((m["ward_id"] == "ward-c") & (m["month"] == "2018-06") & (m["measure"] == "seclusion"))
    tables["monthly"] = m[~drop]
    c = load_collaborative(write_dir(tmp_path / "c", tables))
    assert len(c.monthly) == 216
    gone = c.monthly[(c.monthly["ward_id"] == "ward-b") & (c.monthly["month"] == "2019-02-01")]
    assert gone["count"].isna().all() and len(gone) == 3         # NA, never 0
    assert gone["occupied_bed_days"].isna().all()
    warns = [p for p in c.problems if "no count" in p.message]
    assert [p.message.split(":")[0] for p in warns] == ["ward ward-b", "ward ward-c"]
    assert "2018-03, 2019-01 to 2019-02 (3 months)" in warns[0].message
    assert "2018-06: seclusion" in warns[1].message
    assert all(p.file == "monthly.csv" and p.column == "count" for p in warns)


def test_empty_count_is_missing_not_zero(tmp_path: Path, tables) -> None:
    tables["monthly"].loc[row_of(1, 5, 2) - 2, "count"] = ""
    d = write_dir(tmp_path / "c", tables)
    report = validate(d)
    assert report.ok
    one(report, "monthly.csv", row_of(1, 5, 2), "count", "warning", "ward ward-b", "2018-06",
        "never counted as 0")
    c = load_collaborative(d)
    cell = c.monthly[(c.monthly["ward_id"] == "ward-b") & (c.monthly["month"] == "2018-06-01")
                     & (c.monthly["measure"] == "rapid_tranquillisation")]
    assert cell["count"].isna().all()
    assert cell["occupied_bed_days"].notna().all()


def test_star_is_suppressed_and_reported_once(tmp_path: Path, tables) -> None:
    rows = [row_of(0, m, 1) for m in range(4)]
    tables["monthly"].loc[[r - 2 for r in rows], "count"] = "*"
    d = write_dir(tmp_path / "c", tables)
    report = validate(d)
    stars = [p for p in report.problems if "'*'" in p.message]
    assert len(stars) == 1 and stars[0].row == rows[0] and "4 counts" in stars[0].message
    c = load_collaborative(d)
    sup = c.monthly[c.monthly["suppressed"]]
    assert len(sup) == 4 and sup["count"].isna().all()


def test_values_rounded_to(tmp_path: Path, tables) -> None:
    tables["monthly"]["count"] = "5"
    tables["monthly"].loc[row_of(0, 12, 0) - 2, "source"] = "incident_report"
    tables["monthly"].loc[10, "count"] = "7"
    del tables["safety_cross"]
    c = load_collaborative(write_dir(tmp_path / "c", tables, TOML + "values_rounded_to = 5\n"))
    assert c.config.values_rounded_to == 5
    assert any("multiples of 5" in p.message and p.row == 12 for p in c.problems)


def test_safety_cross_matching_sum_is_fine_and_mismatch_named(tmp_path: Path, tables) -> None:
    assert validate(write_dir(tmp_path / "ok", tables)).ok
    tables["safety_cross"].loc[0, "count"] = "3"
    report = validate(write_dir(tmp_path / "bad", tables))
    one(report, "monthly.csv", row_of(0, 12, 0), "count", "error", "ward-a", "2019-01",
        "restraint", "is 4", "add up to 7")


def test_safety_cross_duplicate_and_bad_dates(tmp_path: Path, tables) -> None:
    sc = tables["safety_cross"]
    sc.loc[4, "date"] = "2019-01-04"          # row 6 repeats row 5's date
    sc.loc[10, "date"] = "2019-04-31"         # row 12
    report = validate(write_dir(tmp_path / "c", tables))
    one(report, "safety_cross.csv", 5, None, "error", "rows 5 and 6", "2019-01-04")
    one(report, "safety_cross.csv", 12, "date", "error", "April 2019 has 30 days")


def test_change_ideas_checks(tmp_path: Path, tables) -> None:
    ideas = tables["change_ideas"]
    ideas.loc[1, "change_concept"] = "Something new"
    ideas.loc[0, "started"] = "2019-02-31"
    ideas.loc[0, "pdsa_cycles"] = "two"
    report = validate(write_dir(tmp_path / "c", tables))
    one(report, "change_ideas.csv", 3, "change_concept", "error", "not in the change package")
    one(report, "change_ideas.csv", 2, "started", "error", "February 2019 has 28 days")
    one(report, "change_ideas.csv", 2, "pdsa_cycles", "error", "whole number")


def test_change_package_duplicates_and_paths(tmp_path: Path, tables, monkeypatch) -> None:
    pkg = tables["change_package"]
    tables["change_package"] = pd.concat([pkg, pkg.iloc[[0]].assign(change_concept="safety huddles")],
                                         ignore_index=True)
    report = validate(write_dir(tmp_path / "dup", tables))
    one(report, "change_package.csv", 2, None, "error", "rows 2 and 5", "unique")
    # a package of the collaborative's own, named in the TOML (in a subfolder of it)
    tables = base_tables()
    package = tables.pop("change_package")
    d = write_dir(tmp_path / "c", tables, TOML + 'change_package = "reference/pkg.csv"\n')
    (d / "reference").mkdir()
    package.to_csv(d / "reference" / "pkg.csv", index=False)
    assert validate(d).ok
    # a file outside the folder is never read (nor echoed)
    ref = tmp_path / "reference"
    ref.mkdir()
    package.to_csv(ref / "pkg.csv", index=False)
    outside = write_dir(tmp_path / "c-out", tables, TOML + 'change_package = "/etc/passwd"\n')
    report = validate(outside)
    one(report, "collaborative.toml", 10, "change_package", "error", "must be a file in the collaborative's folder")
    assert "root:" not in report.format()
    d2 = write_dir(tmp_path / "c2", tables, TOML + 'change_package = "nowhere.csv"\n')
    one(validate(d2), "collaborative.toml", 10, "change_package", "error", "not found")
    # nothing configured, nothing beside: the shipped package is used
    (ref / "pkg.csv").rename(ref / "change_package.csv")
    monkeypatch.setattr(paths, "REFERENCE_DIR", ref)
    d3 = write_dir(tmp_path / "c3", tables)
    c = load_collaborative(d3)
    assert c.change_package["change_concept"].tolist()[0] == "Safety huddles"


def test_annotations_and_engagement(tmp_path: Path, tables) -> None:
    tables["annotations"].loc[1, "ward_id"] = "ward-x"
    tables["engagement"].loc[1, "coach_contacts"] = "-2"
    tables["engagement"] = pd.concat([tables["engagement"], tables["engagement"].iloc[[0]]])
    report = validate(write_dir(tmp_path / "c", tables))
    one(report, "annotations.csv", 3, "ward_id", "error", "not listed in wards.csv")
    one(report, "engagement.csv", 3, "coach_contacts", "error", "whole number ≥ 0")
    one(report, "engagement.csv", 2, None, "error", "rows 2 and 4")


def test_header_only_optional_file_gives_empty_frame(tmp_path: Path, tables) -> None:
    d = write_dir(tmp_path / "c", tables)
    (d / "annotations.csv").write_text("ward_id,month,note,measure\n")
    (d / "engagement.csv").unlink()
    c = load_collaborative(d)
    assert c.annotations.empty and list(c.annotations.columns) == ["ward_id", "month", "note", "measure"]
    assert c.engagement.empty and "coach_contacts" in c.engagement.columns
def test_wards_missing_the_latest_month_are_named_once(tmp_path: Path, tables) -> None:
    m = tables["monthly"]
    tables["monthly"] = m[~(m["ward_id"].isin(["ward-a", "ward-c"]) & (m["month"] == "2019-12"))]
    report = validate(write_dir(tmp_path / "c", tables))
    latest = [p for p in report.warnings if "latest month" in p.message]
    assert len(latest) == 1 and latest[0].file == "monthly.csv" and latest[0].value == "2019-12"
    assert "2 wards are missing the latest month, 2019-12: ward-a, ward-c" in latest[0].message
    assert "add their rows for 2019-12" in latest[0].hint


def test_no_latest_month_warning_when_every_ward_has_it(tmp_path: Path, tables) -> None:
    report = validate(write_dir(tmp_path / "c", tables))
    assert not [p for p in report.warnings if "latest month" in p.message]

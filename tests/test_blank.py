"""``rrp new``: the blank collaborative a coach fills in (rrp_helpers/blank.py), from the files it
writes to a filled folder and a filled workbook that validate, give results and reports."""

from __future__ import annotations

import csv
import random
import re
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from rrp_helpers.blank import CSV_TABLES, INSTRUCTIONS_SHEET, WORKBOOK, WORKBOOK_TABLES, blank_files, toml_text
from rrp_helpers.cli import main
from rrp_helpers.data import load_collaborative, validate
from rrp_helpers.data.contract import SETTINGS, TABLES
from rrp_helpers.data.model import DEFAULT_MEASURES
from rrp_helpers.outputs import MARKER

FILES = {"collaborative.toml", "wards.csv", "monthly.csv", WORKBOOK, "README.md"}
WARDS = [
    ("ward-a", "Ash Ward", "Trust A", "General adult", "Acute/assessment", "Male", 12),
    ("ward-b", "Birch Ward", "Trust A", "General adult", "Psychiatric intensive care unit", "Female", 10),
    ("ward-c", "Cedar Ward", "Trust B", "Forensic adult", "Low secure", "Mixed gender", ""),
]


def new(folder: Path, capsys=None) -> int:
    code = main(["new", str(folder)])
    if capsys is not None:
        capsys.readouterr()
    return code


def monthly_rows(folder: Path, seed: int = 11) -> list[tuple]:
    """One row per ward, measure and month of the placeholder periods, as a coach would type them:
    seeded random counts, and one number of occupied bed days per ward-month."""
    settings = tomllib.loads((folder / "collaborative.toml").read_text(encoding="utf-8"))
    months = [m.strftime("%Y-%m") for m in pd.date_range(settings["baseline"][0], settings["testing"][1], freq="MS")]
    rng = random.Random(seed)
    bed_days = {(ward[0], month): rng.randint(280, 360) for ward in WARDS for month in months}
    return [(ward[0], month, measure, rng.randint(0, 14), bed_days[ward[0], month])
            for ward in WARDS for measure in settings["measures"] for month in months]


def fill_csv(folder: Path) -> None:
    """Fill wards.csv and monthly.csv below their headers (the header's column order)."""
    rows = monthly_rows(folder)
    with open(folder / "wards.csv", "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(WARDS)
    with open(folder / "monthly.csv", "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def fill_workbook(folder: Path) -> Path:
    """Fill the workbook's wards and monthly sheets with openpyxl, as a spreadsheet program would."""
    path = folder / WORKBOOK
    book = openpyxl.load_workbook(path)
    for ward in WARDS:
        book["wards"].append(list(ward))
    for row in monthly_rows(folder):
        book["monthly"].append(list(row))
    book.save(path)
    return path


# --- the files -------------------------------------------------------------------------------------


def test_new_writes_the_blank_collaborative(tmp_path, capsys):
    folder = tmp_path / "mine"
    assert main(["new", str(folder)]) == 0
    assert str(folder) in capsys.readouterr().out
    assert {p.name for p in folder.iterdir()} == FILES
    assert not list(tmp_path.glob(".rrp-tmp-*"))  # built beside, renamed into place
    assert set(CSV_TABLES) == {"wards", "monthly"}
    for stem in CSV_TABLES:
        assert (folder / f"{stem}.csv").read_text(encoding="utf-8") == ",".join(TABLES[stem].names) + "\n"
    assert not (folder / MARKER).exists()  # the coach's data: no command may take it as its --out


def test_no_command_writes_its_outputs_into_a_blank_collaborative(tmp_path, capsys):
    other, mine = tmp_path / "other", tmp_path / "mine"
    new(other, capsys)
    fill_csv(other)
    new(mine, capsys)
    before = {p.name: p.read_bytes() for p in mine.iterdir()}
    assert main(["results", str(other), "--out", str(mine)]) == 2
    assert "did not write" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in mine.iterdir()} == before


def test_an_empty_folder_is_kept_and_filled(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "empty"
    folder.mkdir()
    folder.chmod(0o750)
    inode = folder.stat().st_ino
    monkeypatch.chdir(folder)
    assert main(["new", "."]) == 0
    capsys.readouterr()
    assert {p.name for p in folder.iterdir()} == FILES  # no temporaries left
    assert folder.stat().st_ino == inode and folder.stat().st_mode & 0o777 == 0o750
    assert "rrp results . --out ../empty-results" in (folder / "README.md").read_text(encoding="utf-8")


def test_every_setting_of_the_contract_is_in_the_toml_with_a_comment():
    text = toml_text()
    settings = tomllib.loads(text)
    lines = text.splitlines()
    for setting in SETTINGS:
        pattern = r"^\[measures\." if setting.key == "measures" else rf"^(# )?{setting.key} = "
        at = next((i for i, line in enumerate(lines) if re.match(pattern, line)), None)
        comment = next((i for i, line in enumerate(lines) if line.startswith(f"# {setting.key} (")), None)
        assert at is not None and comment is not None and comment < at, setting.key
        assert all(line.startswith("#") for line in lines[comment:at] if line.strip()), setting.key
    assert settings["synthetic"] is False
    assert "change_package" not in settings and '# change_package = "' in text  # the shipped one is used
    assert {name: (m["label"], m["direction"], m["kind"]) for name, m in settings["measures"].items()} == {
        m.name: (m.label, m.direction, m.kind) for m in DEFAULT_MEASURES}
    for word in ("label:", "direction:", "kind:", "shipped", "real data"):
        assert word in text, word


def test_the_readme_says_what_to_fill_each_new_month_and_the_commands(tmp_path, capsys):
    folder = tmp_path / "mine"
    new(folder, capsys)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for text in ("collaborative.toml", "wards.csv", "monthly.csv", WORKBOOK, "## Every new month",
                 f"rrp validate {folder}", f"rrp results {folder} --out", f"rrp reports {folder} --out"):
        assert text in readme, text


@pytest.mark.parametrize("existing", ["mine.txt", ".hidden"])
def test_a_folder_holding_anything_is_refused_and_left_untouched(tmp_path, capsys, existing):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / existing).write_text("my own file")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(["new", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "rrp new:" in err and "new or empty folder" in err and existing in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not list(tmp_path.glob(".rrp-tmp-*"))


def test_a_filled_blank_collaborative_is_refused_too(tmp_path, capsys):
    folder = tmp_path / "mine"
    new(folder, capsys)
    fill_csv(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(["new", str(folder)]) == 2
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("x")
    assert main(["new", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert target.read_text() == "x"


# --- the workbook ------------------------------------------------------------------------------------


def test_the_workbook_has_the_layout_the_reader_expects(tmp_path):
    path = tmp_path / WORKBOOK
    path.write_bytes(blank_files()[WORKBOOK])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [INSTRUCTIONS_SHEET, "collaborative", "measures", *WORKBOOK_TABLES]
    assert "change_package" not in book.sheetnames  # an empty one would replace the shipped package
    settings = {row[0]: row[1] for row in book["collaborative"].iter_rows(min_row=2, values_only=True)}
    assert settings["name"] and settings["baseline"] == "2024-01:2024-12" and settings["synthetic"] is False
    assert "# change_package" in settings  # commented out: a # key is skipped
    assert {s.key for s in SETTINGS if s.key != "measures"} == {key.lstrip("# ") for key in settings}
    assert [row for row in book["measures"].iter_rows(values_only=True)] == [
        ("name", "label", "direction", "kind"), *((m.name, m.label, m.direction, m.kind) for m in DEFAULT_MEASURES)]
    for stem in WORKBOOK_TABLES:
        sheet = book[stem]
        header = [cell for cell in sheet[1]]
        assert [cell.value for cell in header] == list(TABLES[stem].names)
        for cell in header:
            required = TABLES[stem].column(cell.value).required
            assert cell.font.bold == required and cell.comment is not None
            assert cell.comment.text.startswith("Required" if required else "Optional")
    rules = {(rule.formula1, str(rule.sqref).split(":")[0]) for rule in book["monthly"].data_validations.dataValidation}
    assert ("ward_ids", "A2") in rules and ("measure_names", "C2") in rules
    assert any(formula and formula.startswith("AND(LEN(B2)=7") for formula, _ in rules)  # months are YYYY-MM text
    assert book.defined_names["ward_ids"].attr_text == "wards!$A$2:$A$5000"
    assert book.defined_names["measure_names"].attr_text == "measures!$A$2:$A$200"


def test_the_blank_workbook_wants_only_its_rows(tmp_path, capsys):
    """The instructions sheet, the settings and the empty optional sheets raise no problem: only the
    two required tables without rows do."""
    folder = tmp_path / "mine"
    new(folder, capsys)
    report = validate(folder / WORKBOOK)
    assert sorted(p.file for p in report.problems) == [f"{WORKBOOK}[monthly]", f"{WORKBOOK}[wards]"]
    assert all("no data rows" in p.message for p in report.problems)


# --- end to end, as a coach would ---------------------------------------------------------------------


def test_filled_csv_files_validate_and_give_results(tmp_path, capsys):
    folder = tmp_path / "mine"
    new(folder, capsys)
    fill_csv(folder)
    assert main(["validate", str(folder)]) == 0
    assert "No problems found" in capsys.readouterr().out
    out = tmp_path / "results"
    assert main(["results", str(folder), "--out", str(out)]) == 0
    assert "My collaborative: 3 wards" in capsys.readouterr().out
    assert {"table1.csv", "team_results.csv", "results.xlsx"} <= {p.name for p in out.iterdir()}
    collab = load_collaborative(folder)
    assert collab.ward_ids == ["ward-a", "ward-b", "ward-c"] and collab.config.synthetic is False
    assert len(collab.change_package) > 0  # the shipped change package


@pytest.mark.slow
def test_filled_csv_files_give_reports(tmp_path, capsys):
    folder = tmp_path / "mine"
    new(folder, capsys)
    fill_csv(folder)
    out = tmp_path / "reports"
    assert main(["reports", str(folder), "--out", str(out), "--jobs", "1", "--no-png", "--quiet"]) == 0
    assert (out / "index.html").is_file()


def test_a_filled_workbook_validates_and_gives_results(tmp_path, capsys):
    folder = tmp_path / "mine"
    new(folder, capsys)
    path = fill_workbook(folder)
    assert main(["validate", str(path)]) == 0
    assert "No problems found" in capsys.readouterr().out
    out = tmp_path / "results"
    assert main(["results", str(path), "--out", str(out)]) == 0
    assert "My collaborative: 3 wards" in capsys.readouterr().out
    collab = load_collaborative(path)
    assert collab.ward_ids == ["ward-a", "ward-b", "ward-c"]
    assert collab.config.measure_names() == tuple(m.name for m in DEFAULT_MEASURES)
    assert len(collab.monthly) == len(monthly_rows(folder))

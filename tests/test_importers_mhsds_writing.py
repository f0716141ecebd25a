"""Writing the collaborative (``rrp_helpers.importers.mhsds.writing``): the files' headers come
from the data contract, the TOML configures a real, monitoring-only collaborative, and the
folder is swapped into place only where it may be."""

from __future__ import annotations

import pandas as pd
import pytest
from importers_mhsds_samples import RAW, SHIPPED

from rrp_helpers.data import load_collaborative
from rrp_helpers.data.contract import TABLES
from rrp_helpers.files import TMP_PREFIX
from rrp_helpers.importers.mhsds import (
    MONTHLY_COLUMNS,
    WARD_COLUMNS,
    Imported,
    ImportRefused,
    build,
    read_inputs,
    write,
)
from rrp_helpers.outputs import LOCK, MARKER


@pytest.fixture(scope="module")
def shipped():
    return load_collaborative(SHIPPED)


@pytest.fixture(scope="module")
def imported() -> Imported:
    return build(read_inputs([RAW]))


def test_configuration_is_real_monitoring_only_rounded_to_five_per_1000_bed_days(shipped):
    cfg = shipped.config
    assert cfg.synthetic is False
    assert cfg.testing_start is None
    assert (cfg.baseline_start, cfg.baseline_end) == (pd.Timestamp("2021-09-01"), pd.Timestamp("2022-08-01"))
    assert cfg.values_rounded_to == 5 and cfg.rate_per == 1000
    assert [(m.name, m.direction, m.kind) for m in cfg.measures] == [("mhs76", "down", "outcome")]
    assert "Open Government Licence v3.0" in cfg.description
    assert "Open Government Licence v3.0" in (RAW / "README.md").read_text()


def test_headers_are_the_contracts_columns_the_importer_fills():
    assert WARD_COLUMNS == ("ward_id", "ward_name", "trust", "specialty", "ward_type", "gender")
    assert MONTHLY_COLUMNS == ("ward_id", "month", "measure", "count", "occupied_bed_days", "suppressed")
    assert set(WARD_COLUMNS) <= set(TABLES["wards"].names) and set(MONTHLY_COLUMNS) <= set(TABLES["monthly"].names)
    assert (SHIPPED / "wards.csv").read_text().splitlines()[0] == ",".join(WARD_COLUMNS)
    assert (SHIPPED / "monthly.csv").read_text().splitlines()[0] == ",".join(MONTHLY_COLUMNS)


def test_the_written_folder_holds_the_four_files_and_no_temporaries(imported, tmp_path):
    out = write(imported, tmp_path / "new" / "collaborative")
    assert sorted(p.name for p in out.iterdir() if p.name != LOCK) == [MARKER, "README.md", "collaborative.toml", "monthly.csv", "wards.csv"]
    assert (out / "collaborative.toml").read_text(encoding="utf-8") == imported.toml
    assert (out / "README.md").read_text(encoding="utf-8") == imported.readme
    assert len((out / "monthly.csv").read_text().splitlines()) == 1 + len(imported.monthly)
    assert [p.name for p in out.parent.iterdir()] == ["collaborative"]


def test_a_folder_rrp_wrote_is_rewritten_keeping_the_users_own_files(imported, tmp_path):
    """Re-importing into the same folder (e.g. with a newer month) rewrites the importer's files and
    keeps what the user added there (annotations, a safety cross...), as the same files (inodes)."""
    out = write(imported, tmp_path / "collab")
    (out / "annotations.csv").write_text("ward_id,month,note\nALL,2022-01,new lead\n")
    (out / "notes").mkdir()
    (out / "notes" / "mine.txt").write_text("keep me")
    before = {name: (out / name).stat().st_ino for name in ("annotations.csv", "notes/mine.txt")}
    (out / "monthly.csv").write_text((out / "monthly.csv").read_text())  # same content: not an edit
    write(imported, out)
    assert (out / "annotations.csv").read_text().endswith("new lead\n") and (out / "notes" / "mine.txt").read_text() == "keep me"
    assert {name: (out / name).stat().st_ino for name in before} == before
    assert (out / "collaborative.toml").read_text() == imported.toml
    empty = tmp_path / "empty"
    empty.mkdir()
    write(imported, empty)
    assert (empty / "wards.csv").is_file()
    assert not any(p.name.startswith(TMP_PREFIX) for p in tmp_path.rglob("*"))


def test_a_file_the_user_edited_is_never_replaced(imported, tmp_path):
    out = write(imported, tmp_path / "collab")
    (out / "collaborative.toml").write_text(imported.toml + 'testing = ["2022-03", "2022-08"]\n')
    with pytest.raises(ImportRefused, match="collaborative.toml .* edited since"):
        write(imported, out)
    assert (out / "collaborative.toml").read_text().endswith('"2022-08"]\n')


def test_a_folder_rrp_did_not_write_or_a_file_is_never_replaced(imported, tmp_path):
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "precious.txt").write_text("keep me")
    with pytest.raises(ImportRefused, match="did not write"):
        write(imported, keep)
    assert [p.name for p in keep.iterdir()] == ["precious.txt"]
    old = tmp_path / "old"  # a collaborative someone made by hand: also not rrp's to replace
    old.mkdir()
    (old / "collaborative.toml").write_text("name = 'old'\n")
    with pytest.raises(ImportRefused, match="did not write"):
        write(imported, old)
    assert (old / "collaborative.toml").read_text() == "name = 'old'\n"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me too")
    with pytest.raises(ImportRefused, match="is a file"):
        write(imported, a_file)
    assert a_file.read_text() == "keep me too"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep", "notes.txt", "old"]


def test_the_readme_records_every_file_read_with_its_hash(imported):
    assert imported.readme.count("| provider extract (no header row) | `") == 36
    assert "no testing period: monitoring only" in imported.readme
    assert "- Read 36 file(s): 36 provider extract (no header row)" in imported.readme

"""rrp_helpers.reports.manifest: fingerprints that change exactly when a report's inputs do."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from rrp_helpers.data import load_collaborative
from rrp_helpers.reports import manifest

ROOT = Path(__file__).resolve().parents[1]


def test_input_fingerprints_change_only_for_the_ward_edited():
    collab = load_collaborative(ROOT / "data" / "demo")
    whole, per_ward = manifest.input_fingerprints(collab)
    monthly = collab.monthly.copy()
    row = monthly.index[monthly["ward_id"].eq("oak")][5]
    monthly.loc[row, "count"] = monthly.loc[row, "count"] + 1
    edited_whole, edited = manifest.input_fingerprints(dataclasses.replace(collab, monthly=monthly))
    assert edited_whole != whole
    assert [w for w in per_ward if edited[w] != per_ward[w]] == ["oak"]
    notes = collab.annotations.copy()
    notes.loc[notes.index[notes["ward_id"].eq("ALL")][0], "note"] = "edited"
    _, all_edited = manifest.input_fingerprints(dataclasses.replace(collab, annotations=notes))
    assert all(all_edited[w] != per_ward[w] for w in per_ward)  # an ALL note is on every ward's charts


def test_the_code_fingerprint_covers_every_file_of_the_package(tmp_path, monkeypatch):
    package = tmp_path / "rrp_helpers"
    shutil.copytree(ROOT / "rrp_helpers", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(manifest, "_PACKAGE", package)
    before = manifest.code_fingerprint()
    for edited in ("fonts.py", "reports/templates/index.html.j2", "data/contract.py"):
        path = package / edited
        original = path.read_text()
        path.write_text(original + "\n")
        assert manifest.code_fingerprint() != before, edited
        path.write_text(original)
    assert manifest.code_fingerprint() == before


def test_manifest_round_trip_and_unreadable_manifests(tmp_path):
    assert manifest.read_manifest(tmp_path)["entries"] == {}
    (tmp_path / manifest.MANIFEST).write_text("{not json")
    assert manifest.read_manifest(tmp_path)["entries"] == {}
    manifest.write_manifest(tmp_path, {"version": manifest.MANIFEST_VERSION, "entries": {"ward:a": {"status": "ok"}}})
    assert manifest.read_manifest(tmp_path)["entries"] == {"ward:a": {"status": "ok"}}

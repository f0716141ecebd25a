"""rrp_helpers.data.contract: one declaration of every table and setting, and everything derived
from it agrees with it (the loaded frames, the README, the demo's and the importer's files)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from rrp_helpers.data import load_collaborative
from rrp_helpers.data.contract import CONFIG_KEYS, SETTINGS, TABLES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from readme_tables import README, regenerate  # noqa: E402


def test_the_readme_tables_are_generated_from_the_contract():
    text = README.read_text(encoding="utf-8")
    assert text.count("<!-- generated: ") == 3
    assert regenerate(text) == text, "run: python tools/readme_tables.py"


def test_loaded_frames_have_the_contract_columns_and_dtypes():
    collab = load_collaborative(ROOT / "data" / "demo")
    for stem, spec in TABLES.items():
        frame = getattr(collab, stem)
        assert list(frame.columns[: len(spec.names)]) == list(spec.names), stem
        for name, dtype in spec.dtypes.items():
            assert str(frame[name].dtype) == str(pd.Series([], dtype=dtype).dtype), (stem, name)


def test_shipped_files_follow_the_contract_order():
    for folder in (ROOT / "data" / "demo", ROOT / "data" / "nhs_mhsds_sample" / "collaborative"):
        for path in folder.glob("*.csv"):
            header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
            names = TABLES[path.stem].names
            assert set(TABLES[path.stem].required) <= set(header), path
            assert header == [name for name in names if name in header], path


def test_every_setting_is_known_once():
    keys = [setting.key for setting in SETTINGS]
    assert len(keys) == len(set(keys)) and set(keys) <= set(CONFIG_KEYS)
    assert {s.key for s in SETTINGS if s.required} == {"name", "baseline"}

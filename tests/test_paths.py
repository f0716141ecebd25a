"""rrp_helpers.paths: the shipped reference data and the user's cache folder."""

import sys
from pathlib import Path

import pytest

from rrp_helpers import paths


def test_the_shipped_change_package_exists():
    package = paths.shipped_change_package_path()
    assert package == paths.REFERENCE_DIR / "change_package.csv"
    assert package.is_file()
    assert package.read_text(encoding="utf-8").splitlines()[0].split(",")[:3] == [
        "primary_driver", "secondary_driver", "change_concept"]


def test_user_cache_dir_honours_rrp_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RRP_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.user_cache_dir() == tmp_path / "mine"
    assert not (tmp_path / "mine").exists()  # not created here


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders are Linux's")
def test_user_cache_dir_honours_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("RRP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.user_cache_dir() == tmp_path / "xdg" / "rrp-workbook"
    monkeypatch.setenv("RRP_CACHE_DIR", "")  # empty: as if unset
    assert paths.user_cache_dir() == tmp_path / "xdg" / "rrp-workbook"
    assert isinstance(paths.user_cache_dir(), Path)

"""Where things are: the project's folders, the shipped reference data and the user's cache.

The workbook is used from a clone of its repository (``pip install -e``): the notebooks and the
shipped reference data sit beside the package, not inside it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PROJECT_ROOT", "NOTEBOOKS_DIR", "REFERENCE_DIR", "shipped_change_package_path", "user_cache_dir"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
APP_NAME = "rrp-workbook"


def shipped_change_package_path() -> Path:
    """The change package shipped with the project (``data/reference/change_package.csv``)."""
    return REFERENCE_DIR / "change_package.csv"


def user_cache_dir() -> Path:
    """The folder for per-user caches: ``$RRP_CACHE_DIR`` if set, else the platform's user cache
    folder for the workbook (``platformdirs``; on Linux ``$XDG_CACHE_HOME/rrp-workbook``, by
    default ``~/.cache/rrp-workbook``). Not created here."""
    import platformdirs

    configured = os.environ.get("RRP_CACHE_DIR")
    return Path(configured) if configured else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))

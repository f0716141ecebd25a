"""Helpers shared by the browser tests (imported by ``conftest.py`` and the test modules).

A module of its own, not ``conftest``: test modules import from it (``from .browser_support import ...``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from filelock import FileLock

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "browser"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
#: The demo wards the shared report folder holds (``reports_dir``); laurel has a sustained reduction in every measure.
REPORT_WARDS = ("alder", "oak", "laurel")
#: An annotation written to break a page: it must neither stop a chart drawing nor hide the rest.
HOSTILE_NOTE = "New lead <!--<script> and </script><b>bold?</b>"


def record_timing(label: str, seconds: float) -> None:
    """Keep a measured time for the summary and ``test-artifacts/browser/timings.json``; print it too."""
    print(f"{label}: {seconds:.2f} s")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "timings.json"
    with FileLock(str(path) + ".lock"):  # two pytest-xdist workers may record at once
        try:
            saved = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            saved = {}
        saved[label] = round(seconds, 3)
        path.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")


def missing_requirement() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e '.[test]')"
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} not found (apt-get install chromium; Playwright's own browsers are not used)"
    return None


def require_browser() -> None:
    """Skip (developer machine) or fail (``CI=true``) when playwright or chromium is missing."""
    reason = missing_requirement()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}: the browser tests must run in CI", pytrace=False)
    pytest.skip(reason)


@dataclass
class PageLog:
    """Everything a page asked for or complained about."""

    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def errors(self) -> list[str]:
        return [f"console: {e}" for e in self.console_errors] + [f"page error: {e}" for e in self.page_errors]


def console_text(message) -> str:
    location = message.location or {}
    where = location.get("url", "")
    if where:
        where = f" [{where}:{location.get('lineNumber', '?')}]"
    return f"{message.text}{where}"


def file_path(url: str) -> Path:
    """The local path of a ``file://`` URL."""
    parsed = urlparse(url)
    assert parsed.scheme == "file", url
    return Path(unquote(parsed.path))

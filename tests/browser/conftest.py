"""Real-browser tests: Python Playwright driving Debian's chromium (``/usr/bin/chromium``).

Playwright cannot download its own browsers on these machines, so the tests launch the system
chromium headless, with no sandbox and with Chromium's own background networking switched off.

Skipping policy: without the ``playwright`` package or without ``/usr/bin/chromium`` the tests
skip with the reason, except when the environment variable ``CI`` is ``"true"``: there a missing
browser is a failure, because CI must really run them (``.ci/run`` installs chromium).

Screenshots and the measured timings go to ``test-artifacts/browser/`` (repo-relative, git-ignored,
kept by CI as artefacts); the timings are also printed at the end of the pytest run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from .browser_support import (
    ARTIFACTS, CHROMIUM, HOSTILE_NOTE, LAUNCH_ARGS, REPO, REPORT_WARDS, VIEWPORT, PageLog, console_text,
    record_timing, require_browser,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: real-browser test (Playwright + /usr/bin/chromium); skipped when they are missing, "
        "except with CI=true where that fails",
    )


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``test-artifacts/browser/`` (emptied when the run starts, tests/conftest.py, so it holds this
    run's files only, from every pytest-xdist worker)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module (torn down before the nbval tests run)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    """A fresh page (own context) whose requests, websockets, console errors and page errors are recorded in ``page.log``."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    log = PageLog()
    page.on("request", lambda request: log.requests.append(request.url))
    page.on("websocket", lambda ws: log.websockets.append(ws.url))
    page.on("console", lambda message: log.console_errors.append(console_text(message)) if message.type == "error" else None)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.log = log
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def reports_dir(tmp_path_factory, artifacts) -> Path:
    """``rrp reports`` of the demo's :data:`REPORT_WARDS` (and the collaborative notebooks) in a
    temporary folder, alder carrying :data:`HOSTILE_NOTE`; built once for every browser test module."""
    require_browser()  # no 25 s build when the browser tests cannot run anyway
    base = tmp_path_factory.mktemp("reports")
    data = base / "demo"
    shutil.copytree(REPO / "data" / "demo", data)
    with (data / "annotations.csv").open("a", encoding="utf-8") as notes:
        notes.write(f'alder,2019-03,"{HOSTILE_NOTE}",\n')
    out = base / "out"
    command = [sys.executable, "-m", "rrp_helpers.cli", "reports", str(data), "--out", str(out),
               "--wards", *REPORT_WARDS, "--jobs", "2", "--quiet", "--png"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    record_timing("rrp reports (3 wards + 4 collaborative notebooks, --jobs 2)", time.perf_counter() - started)
    assert done.returncode == 0, f"{' '.join(command[2:])} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert (out / "index.html").is_file()
    return out

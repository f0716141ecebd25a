"""Reports of collaboratives of every shape, opened in a real browser: the demo (the shared report
folder of ``conftest.py``), a minimal one (only the required tables, ``wards`` and ``monthly``) and
the real MHSDS sample (providers, monitoring only).

Every page must draw without a console error, show no "NaN", "<NA>", "None" or "nan", hold no
empty chart and no absolute local path, leave out the sections of tables not provided with a
sentence saying so, and speak of the collaborative's own units (providers are not wards).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .browser_support import REPO, require_browser

pytestmark = pytest.mark.browser

RAW = re.compile(r"(?<![\w<])(NaN|nan|None|<NA>|NaT)(?![\w>])")
#: JS: Vega charts of the page that drew (almost) nothing.
# Every chart of the page drawn (vega-embed has put its SVG or canvas in place).
UNDRAWN_CHARTS_JS = """() => [...document.querySelectorAll('.vega-embed')].filter(el => !el.querySelector('svg, canvas')).map(el => el.id)"""
EMPTY_CHARTS_JS = """() => [...document.querySelectorAll('.vega-embed')].filter(el => {
    const svg = el.querySelector('svg');
    if (!svg) return false;
    return svg.querySelectorAll('.role-mark path, .role-mark text, .role-mark line, .role-mark rect').length < 3;
}).map(el => el.id)"""


def _build(base: Path, data: Path, wards: list[str], *options: str) -> Path:
    out = base / "out"
    command = [sys.executable, "-m", "rrp_helpers.cli", "reports", str(data), "--out", str(out), "--wards", *wards,
               "--jobs", "2", "--quiet", *options]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def minimal(tmp_path_factory) -> tuple[Path, Path]:
    """The demo's wards and monthly counts only, with settings that name no optional table."""
    require_browser()
    base = tmp_path_factory.mktemp("minimal")
    data = base / "minimal"
    data.mkdir()
    for name in ("wards.csv", "monthly.csv"):
        shutil.copy(REPO / "data" / "demo" / name, data / name)
    settings = (REPO / "data" / "demo" / "collaborative.toml").read_text(encoding="utf-8").splitlines()
    kept = [line for line in settings if not line.startswith(("synthetic", "description", "name"))]
    (data / "collaborative.toml").write_text('name = "A minimal collaborative"\n' + "\n".join(kept) + "\n", encoding="utf-8")
    return data, _build(base, data, ["laurel"], "--shared-vega")  # and the pages load the folder's one Vega copy


@pytest.fixture(scope="module")
def providers(tmp_path_factory) -> tuple[Path, Path]:
    require_browser()
    base = tmp_path_factory.mktemp("mhsds")
    data = base / "collaborative"
    shutil.copytree(REPO / "data" / "nhs_mhsds_sample" / "collaborative", data)
    return data, _build(base, data, ["avon-and-wiltshire-mental-health-partnership-nhs-trust"])


def _pages(out: Path) -> list[Path]:
    return [out / "index.html", *sorted((out / "collaborative").glob("*.html")), *sorted((out / "wards").glob("*/*.html"))]


def _check_every_page(page, data: Path, out: Path, artifacts: Path, prefix: str) -> dict[str, str]:
    texts = {}
    for path in _pages(out):
        page.log.console_errors.clear()
        page.log.page_errors.clear()
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        try:  # the charts draw after load
            page.wait_for_function(f"() => ({UNDRAWN_CHARTS_JS})().length === 0", timeout=30_000)
        except PlaywrightTimeout:
            pytest.fail(f"{path.relative_to(out)}: charts not drawn: {page.evaluate(UNDRAWN_CHARTS_JS)}")
        text = page.inner_text("body")
        name = str(path.relative_to(out))
        assert not page.log.errors(), f"{name}: {page.log.errors()}"
        assert not RAW.findall(text), f"{name}: raw values {sorted(set(RAW.findall(text)))}"
        assert not page.evaluate(EMPTY_CHARTS_JS), f"{name}: empty charts"
        html = path.read_text(encoding="utf-8")
        for local in {str(data.resolve()), str(data.parent.resolve()), str(REPO)}:
            assert local not in html, f"{name} names a local path: {local}"
        outside = [url for url in page.log.requests if not url.startswith("file://")]
        assert not outside, outside
        page.screenshot(path=str(artifacts / f"{prefix}-{name.replace('/', '-')}.png"), full_page=True)
        texts[name] = text
    return texts


def test_the_demo_pages_are_clean(page, reports_dir, artifacts):
    texts = _check_every_page(page, reports_dir.parent / "demo", reports_dir, artifacts, "demo")
    assert "Ward report: Laurel Ward" in texts["wards/laurel/laurel.html"]
    assert "Under no real change, the method would flag about" in texts["collaborative/01_collaborative.html"]


def test_a_minimal_collaborative_leaves_out_what_it_did_not_provide(page, minimal, artifacts):
    data, out = minimal
    texts = _check_every_page(page, data, out, artifacts, "minimal")
    ward = texts["wards/laurel/laurel.html"]
    assert "Ward report: Laurel Ward" in ward
    assert "Physical restraint fell by 90% from October 2018" in ward  # the plain-English summary, from the data
    for missing in ("did not provide a change-ideas table", "did not provide an engagement table",
                    "did not provide daily safety crosses"):
        assert missing in ward
    assert "pink ticks" not in ward and "green circles" not in ward  # no words about marks not drawn
    assert "did not provide both daily safety crosses and incident-report counts" in texts["collaborative/00_data_quality.html"]
    assert "did not provide a change-ideas table" in texts["collaborative/03_change_concepts.html"]
    assert "SYNTHETIC" not in "".join(texts.values())


def test_the_mhsds_providers_are_providers(page, providers, artifacts):
    data, out = providers
    texts = _check_every_page(page, data, out, artifacts, "mhsds")
    provider = next(text for name, text in texts.items() if name.startswith("wards/"))
    assert "Provider report:" in provider and "Ward report" not in provider
    assert "65 providers" in texts["collaborative/01_collaborative.html"]
    assert "65 wards" not in "".join(texts.values())
    assert "providers compared" in texts["collaborative/01_collaborative.html"]  # the funnel plot across providers

"""rrp_helpers.reports.index: every ward of the collaborative listed with its status, escaped text
and relative links to files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_support import WARDS


def index_rows(out: Path) -> dict[str, str]:
    page = (out / "index.html").read_text()
    rows = re.findall(r"(<tr data-trust[^>]*>.*?)</tr>", page, re.DOTALL)  # the wards' rows
    return {re.search(r'<div class="muted">([^<]*)</div>', row).group(1): row for row in rows}


@pytest.mark.slow
def test_index_rows_links_and_escaping(first_run):
    out, _ = first_run
    page = (out / "index.html").read_text()
    rows = index_rows(out)
    assert set(WARDS) < set(rows)  # every ward of the collaborative is listed
    assert all(">not run<" in row for ward, row in rows.items() if ward not in WARDS)
    assert 'href="wards/alder/alder.html"' in rows["alder"] and ">ok<" in rows["alder"]
    # Alder's seclusion rose by 77% from March 2019 (worked out from the demo in tests/test_chart_data.py)
    assert '<td class="cell verdict-concern" data-sort="76.768">' in rows["alder"] and "+77% from Mar 2019" in rows["alder"]
    assert rows["alder"].count('role="img" aria-label="') == 2 * 4  # two icons per measure, each with a text alternative
    assert ">failed<" in rows["ash"] and "ValueError: ward data broken: &lt;b&gt;ash&lt;/b&gt;" in rows["ash"]
    assert 'href="wards/ash/ash.html"' not in rows["ash"]  # no good report yet
    assert ">no data<" in rows["birch"]
    assert page.count("<script") == 1 and "<script>\n// Sorting and filtering" in page  # the page's own, inline
    assert 'data-trust="Belfrey' in rows["alder"]
    assert "Alder &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page
    assert "1 ok" in page and "1 failed" in page and "1 no data" in page
    for href in re.findall(r'href="([^"]+)"', page):
        assert not href.startswith(("http:", "https:", "/")) and ".." not in href
        assert (out / href).exists(), href

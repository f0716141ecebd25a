"""rrp_helpers.reports.html: offline pages (code hidden, nothing remote, the Vega bundle once) and
the bundle's cache (the user's cache folder, never a copy others could have written)."""

from __future__ import annotations

import re

import nbformat
import pytest
from report_support import EVIL_NAME

from rrp_helpers.reports import html


def test_remote_sources_are_found_and_stripped():
    page = (
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="http://x/y.css">'
        '<script type="module">vegaEmbed("#a", {"$schema": "https://vega.github.io/schema"})</script>'
    )
    assert len(html.remote_sources(page)) == 2
    stripped = html.strip_remote_sources(page)
    assert html.remote_sources(stripped) == [] and "vegaEmbed" in stripped


@pytest.mark.slow
def test_pages_are_offline_with_code_hidden(first_run):
    out, _ = first_run
    pages = list(out.rglob("*.html"))
    assert len(pages) == 1 + 4 + 1 + 1  # index, collaborative pages, alder's report and its PNG gallery
    for page in pages:
        text = page.read_text()
        assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", text, re.I), page
        assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?\s*(https?:)?//", text, re.I), page
        assert "mathjax" not in text.lower() and "require.min.js" not in text
    ward = (out / "wards" / "alder" / "alder.html").read_text()
    assert ward.count("window.vegaEmbed=") == 1  # the bundle once per page
    assert ward.index("window.vegaEmbed=") < ward.index('vegaEmbed("#rrp-chart-1"')
    assert "load_collaborative(" not in ward  # code hidden
    assert EVIL_NAME not in ward  # escaped in tables and titles
    # The annotation travels only inside chart specs (JSON in a script, where "<" is escaped):
    # outside scripts it never appears as markup, and it cannot close the script it is in.
    outside_scripts = re.sub(r"<script\b[^>]*>.*?</script>", "", ward, flags=re.DOTALL)
    assert "<img src=x" not in outside_scripts and "alert(2)" not in outside_scripts
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(2)" in ward
    explorer = (out / "collaborative" / "04_explorer.html").read_text()
    assert "unpkg" not in explorer and "widget-view+json" not in explorer
    assert explorer.count("window.vegaEmbed=") == 1  # no second copy of the libraries for its static chart
    assert "need a running Python kernel" in explorer  # instead of widgets that cannot work here
    assert '"export": true' in ward and '"editor": false' in ward  # save as PNG/SVG, no online editor


def test_widgets_and_warnings_are_left_out_and_accessibility_kept():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Raw <img src='x.png'/>"),
        nbformat.v4.new_code_cell("x", outputs=[
            nbformat.v4.new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "m"},
                                                         "text/plain": "widget"}),
            nbformat.v4.new_output("stream", name="stderr", text="a warning for the log only"),
            nbformat.v4.new_output("stream", name="stdout", text="<b>not bold</b>"),
        ]),
    ])
    page = html.notebook_to_html(notebook, title="t", caption="c", index_href="../index.html", bundle=None)
    assert "need a running Python kernel" in page and "a warning for the log only" not in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert 'tabindex="0"' in page  # nbconvert's accessibility pass: outputs can be reached by keyboard
    assert "No description has been provided for this image" in page
    assert len(notebook.cells[1].outputs) == 3  # the notebook itself is not changed


def test_a_page_with_charts_needs_the_bundle():
    chart = '<div id="rrp-chart-1"></div><script type="module">vegaEmbed("#rrp-chart-1", {}, {"actions": {}}).catch(console.error);</script>'
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": chart})])])
    with pytest.raises(RuntimeError, match="no Vega bundle"):
        html.notebook_to_html(notebook, title="t", caption="c", index_href="x", bundle=None)
    page = html.notebook_to_html(notebook, title="t", caption="c", index_href="x", bundle="window.vegaEmbed=1;")
    assert page.count("window.vegaEmbed=1;") == 1


def test_vega_bundle_cache_folder(tmp_path, monkeypatch):
    """The bundle is kept in the user's cache (or $RRP_CACHE_DIR), else beside the reports."""
    out = tmp_path / "out"
    monkeypatch.setenv("RRP_CACHE_DIR", str(tmp_path / "cache"))
    assert html.cache_dir(out) == tmp_path / "cache"
    monkeypatch.delenv("RRP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert html.cache_dir(out) == tmp_path / "xdg" / "rrp-workbook"
    (tmp_path / "blocked").write_text("a file, so no folder can be made under it")
    monkeypatch.setenv("RRP_CACHE_DIR", str(tmp_path / "blocked" / "cache"))
    assert html.cache_dir(out) == out / ".cache"
    monkeypatch.setenv("RRP_CACHE_DIR", "relative/cache")
    assert html.cache_dir(out) == out / ".cache"


def test_a_bundle_others_can_write_is_never_inlined(tmp_path, monkeypatch):
    """The bundle is inlined as a script into every page: a cached copy that another user could
    have written is refused, and the run builds its own beside the reports."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("RRP_CACHE_DIR", str(cache))
    out = tmp_path / "out"
    planted = html.bundle_path(cache)
    cache.mkdir()
    planted.write_text("window.stolen = 1;")
    planted.chmod(0o666)
    assert html.bundle_folder(out) == out / ".cache"
    with pytest.raises(RuntimeError, match="writable by other users"):
        html.vega_bundle(cache)
    planted.chmod(0o644)
    assert html.bundle_folder(out) == cache  # this user's own, not writable by others


def test_a_page_can_load_the_folders_shared_vega_copy(tmp_path):
    from rrp_helpers.reports import html

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "x", outputs=[nbformat.v4.new_output("display_data", data={"text/html": '<div id="c"></div><script type="module">vegaEmbed("#c", {})</script>'})])])
    page = html.notebook_to_html(notebook, title="t", caption="c", index_href="../index.html", bundle=None,
                                 vega_src="../vega/vega-bundle.js")
    assert '<script src="../vega/vega-bundle.js"></script>' in page and "window.vegaEmbed=" not in page
    bundle = tmp_path / "bundle.js"
    bundle.write_text("const n=1;window.vegaEmbed=function(){};", encoding="utf-8")
    shared = html.write_shared_bundle(bundle, tmp_path / "out" / html.SHARED_BUNDLE).read_text(encoding="utf-8")
    assert shared.startswith("(function () {") and "window.vegaEmbed=" in shared and shared.rstrip().endswith("})();")

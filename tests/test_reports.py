"""``rrp reports``: the batch on a small subset (files, index rows and links, a failing ward,
``--rerun-failed``, skipping unchanged wards, no remote sources), safe file names, and the
isolation of notebooks that share one warm kernel."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from rrp_helpers import cli, reports
from rrp_helpers.data import load_collaborative

ROOT = Path(__file__).resolve().parents[1]
WARDS = ["alder", "ash", "birch"]  # alder ok, ash made to fail, birch without data
EVIL_NAME = 'Alder <script>alert("x")</script> & Co'
EVIL_NOTE = "New lead <img src=x onerror=alert(1)> </script><script>alert(2)</script>"
FAILURE = "ward data broken: <b>ash</b>"


# --------------------------------------------------------------------------------------------
# Safe names


@pytest.mark.parametrize("ward_id", ["../../evil", "a/b", "a\\b", "..", ".", "", "con", "index", "Ward One", "é/../x", "x" * 300])
def test_safe_name_cannot_escape_the_folder(ward_id):
    name = reports.safe_name(ward_id)
    assert re.fullmatch(r"[a-z0-9_-]{1,60}", name), name
    assert name not in {"", ".", ".."}
    assert (Path("/base/wards") / name).resolve().parent == Path("/base/wards")


def test_safe_names_do_not_clash():
    ids = ["a/b", "a.b", "a-b", "a b", "A-B", "a--b", "../a-b", "con", "CON"]
    names = [reports.safe_name(i) for i in ids]
    assert len(set(names)) == len(ids), names
    assert reports.safe_name("alder") == "alder"  # slugs (the data contract) are kept as they are
    assert reports.safe_name("a/b") == reports.safe_name("a/b")  # deterministic


def test_remote_sources_are_found_and_stripped():
    page = (
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="http://x/y.css">'
        '<script type="module">vegaEmbed("#a", {"$schema": "https://vega.github.io/schema"})</script>'
    )
    assert len(reports.remote_sources(page)) == 2
    stripped = reports.strip_remote_sources(page)
    assert reports.remote_sources(stripped) == [] and "vegaEmbed" in stripped


# --------------------------------------------------------------------------------------------
# The warm kernel


def _tiny_notebook(path: Path, *cells: str) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def test_warm_kernel_is_reused_and_namespace_reset(tmp_path):
    first = _tiny_notebook(tmp_path / "a.ipynb", "import os\nsecret = 'ward a'\nprint(os.getpid())")
    second = _tiny_notebook(
        tmp_path / "b.ipynb",
        "import os, sys\nprint(os.getpid())\nprint('secret' in globals(), 'rrp_helpers.charts' in sys.modules)",
    )
    try:
        a = reports.execute_notebook(first, tmp_path / "a.out.ipynb", {})
        b = reports.execute_notebook(second, tmp_path / "b.out.ipynb", {})
    finally:
        reports.shutdown_warm_kernel()
    pid_a = a.cells[0].outputs[0]["text"].strip()
    pid_b, flags = b.cells[0].outputs[0]["text"].strip().splitlines()
    assert pid_a == pid_b  # the same kernel ran both notebooks
    assert flags == "False True"  # no variable of the first; modules imported by the warm-up stay


# --------------------------------------------------------------------------------------------
# The batch


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("reports")
    data = base / "data" / "demo"
    shutil.copytree(ROOT / "data" / "demo", data)
    shutil.copytree(ROOT / "data" / "reference", base / "data" / "reference")
    wards = pd.read_csv(data / "wards.csv", dtype=str, keep_default_na=False)
    wards.loc[wards["ward_id"].eq("alder"), "ward_name"] = EVIL_NAME
    wards.to_csv(data / "wards.csv", index=False)
    with (data / "annotations.csv").open("a") as annotations:
        annotations.write(f'alder,2019-03,"{EVIL_NOTE}",\n')
    monthly = pd.read_csv(data / "monthly.csv", dtype=str, keep_default_na=False)
    monthly.loc[monthly["ward_id"].eq("birch"), "count"] = ""  # every count missing: "no data"
    monthly.to_csv(data / "monthly.csv", index=False)
    for table in ("safety_cross", "incident_reports"):  # they would no longer add up to birch's counts
        frame = pd.read_csv(data / f"{table}.csv", dtype=str, keep_default_na=False)
        frame[~frame["ward_id"].eq("birch")].to_csv(data / f"{table}.csv", index=False)
    from rrp_helpers.data import validate

    assert not validate(data).errors
    # A ward report that raises for one ward (no valid data we found makes the shipped notebook
    # fail: validation catches it first), and an error text that must be escaped in the index.
    notebooks = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    ward_nb = nbformat.read(notebooks / "02_ward_report.ipynb", as_version=4)
    broken = nbformat.v4.new_code_cell(f'if ward_id == "ash":\n    raise ValueError({FAILURE!r})')
    ward_nb.cells.insert(4, broken)
    nbformat.write(ward_nb, notebooks / "02_ward_report.ipynb")
    return base, data, notebooks


def _options(data: Path, out: Path, notebooks: Path, **overrides) -> reports.ReportOptions:
    return reports.ReportOptions(data=data, out=out, wards=WARDS, jobs=2, progress=False, notebooks_dir=notebooks, **overrides)


@pytest.fixture(scope="module")
def first_run(setup):
    base, data, notebooks = setup
    out = base / "out"
    return out, reports.build_reports(_options(data, out, notebooks))


def _index_rows(out: Path) -> dict[str, str]:
    page = (out / "index.html").read_text()
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL)[1:]  # after the header row
    return {re.search(r'<div class="muted">([^<]*)</div>', row).group(1): row for row in rows}


def test_files_written(first_run):
    out, summary = first_run
    assert (out / "index.html").exists() and (out / "manifest.json").exists()
    for stem in reports.COLLABORATIVE_NOTEBOOKS:
        assert (out / "collaborative" / f"{stem}.html").exists()
        assert (out / "notebooks" / f"{stem}.ipynb").exists()
    assert (out / "wards" / "alder" / "alder.html").exists()
    assert (out / "notebooks" / "wards" / "alder.ipynb").exists()
    pngs = sorted(p.name for p in (out / "wards" / "alder").glob("*.png"))
    assert pngs == ["alder-rapid_tranquillisation.png", "alder-restraint.png", "alder-seclusion.png", "alder-total.png"]
    assert all((out / "wards" / "alder" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert not list(out.rglob(".rrp-tmp-*"))  # no temporary file left


def test_slide_pngs_are_the_dashboard_panels(first_run):
    """Each PNG is one panel of the ward's dashboard, drawn with only the datasets it uses:
    the same picture as the panel drawn with every dataset of the dashboard."""
    import vl_convert

    from rrp_helpers.outcomes import measure_labels, reported_measures

    out, _ = first_run
    collab = load_collaborative(ROOT / "data" / "demo")
    notebook = nbformat.read(out / "notebooks" / "wards" / "alder.ipynb", as_version=4)
    dashboard = reports.chart_specs(notebook)[0]
    slides = reports.slide_charts(notebook, reported_measures(collab))
    assert sorted(slides) == ["rapid_tranquillisation", "restraint", "seclusion", "total"]
    for measure, slide in slides.items():  # each file name matches the panel's own title
        assert slide["title"]["text"].endswith(": " + measure_labels(collab)[measure])
    restraint = slides["restraint"]
    assert set(restraint["datasets"]) < set(dashboard["datasets"])
    everything = {**restraint, "datasets": dashboard["datasets"]}
    assert vl_convert.vegalite_to_png(restraint) == vl_convert.vegalite_to_png(everything)
    # The worker drew it with vl-convert's bundled font only (rrp_helpers.fonts), as a new
    # process does here; this process's vl-convert may have been set up otherwise by other tests.
    drawn = subprocess.run(
        [sys.executable, "-c", "import json, sys; from rrp_helpers.fonts import vl_convert_bundled_fonts; "
         "sys.stdout.buffer.write(vl_convert_bundled_fonts().vegalite_to_png(json.load(sys.stdin), scale=2))"],
        input=json.dumps(restraint).encode(), capture_output=True, check=True, cwd=ROOT,
    ).stdout
    assert (out / "wards" / "alder" / "alder-restraint.png").read_bytes() == drawn


def test_slide_vega_reuses_a_shape_and_draws_the_same_pngs():
    """A slide's Vega spec from a compiled shape with its own rows and title put in gives the
    same PNG, byte for byte, as compiling the slide itself: for several wards sharing a shape,
    a list subtitle, a missing title (compiled directly) and a shape of its own."""
    from rrp_helpers import charts, outcomes
    from rrp_helpers.fonts import vl_convert_bundled_fonts

    vl_convert = vl_convert_bundled_fonts()
    charts.use_theme()
    collab = load_collaborative(ROOT / "data" / "demo")
    labels, measures = outcomes.measure_labels(collab), outcomes.reported_measures(collab)
    slides = []
    for ward_id in ["oak", "yew"]:
        dashboard = charts.measure_dashboard(
            outcomes.chart_points(collab, ward_id=ward_id), labels, title_prefix=f"{ward_id}: ",
            annotations=collab.annotations[collab.annotations["ward_id"].isin([ward_id, "ALL"])],
            change_ideas=collab.change_ideas[collab.change_ideas["ward_id"].eq(ward_id)],
        ).to_dict()
        html = charts._embed_renderer(dashboard)["text/html"]
        notebook = nbformat.from_dict({"cells": [{"cell_type": "code", "outputs": [{"data": {"text/html": html}}]}]})
        slides += list(reports.slide_charts(notebook, measures).values())
    first = slides[0]
    shared = [name for name in first["datasets"] if reports._data_names_in_order(first["layer"]).count(name) > 1]
    assert shared  # a dataset drawn by two layers (the notes' rules and markers)
    slides.append({**first, "title": {"text": "Two lines", "subtitle": ["first", "second"]}})
    slides.append({**first, "title": {"text": "", "subtitle": "Vega-Lite draws neither"}})
    slides.append({key: value for key, value in first.items() if key != "title"})
    slides.append({**first, "layer": first["layer"][1:]})
    inline = {key: value for key, value in first.items() if key not in ("data", "datasets")}
    slides.append({**inline, "data": {"values": first["datasets"][first["data"]["name"]]}, "layer": first["layer"][1:6]})
    reports._VEGA_SHAPES.clear()
    for slide in slides:
        assert vl_convert.vega_to_png(reports.slide_vega(slide)) == vl_convert.vegalite_to_png(slide)
    assert len(reports._VEGA_SHAPES) < len(slides) - 6  # shapes were reused across the wards


def test_html_export_equals_nbconvert(first_run):
    """The report exporter skips nbconvert's BeautifulSoup pass but makes its edits (tabindex on
    outputs, alt text on images): once serialised by BeautifulSoup, the pages are nbconvert's."""
    import base64

    import jinja2
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    out, _ = first_run
    nbconvert = HTMLExporter(
        template_name="lab", template_file="rrp_report.html.j2", extra_loaders=[jinja2.DictLoader({"rrp_report.html.j2": reports._TEMPLATE})],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True,
    )
    png = base64.b64encode((out / "wards" / "alder" / "alder-total.png").read_bytes()).decode()
    images = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Raw <img src='x.png'/> and ![described](x.png)"),
        nbformat.v4.new_code_cell("x", outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "chart"}),
            nbformat.v4.new_output("stream", name="stdout", text="<b>not bold</b>"),
        ]),
    ])
    notebooks = [nbformat.read(path, as_version=4) for path in sorted((out / "notebooks").rglob("*.ipynb")) if ".failed" not in path.name]
    assert len(notebooks) >= 5  # alder and the collaborative notebooks
    for notebook in [*notebooks, images]:
        resources = {"metadata": {"name": "t"}, "rrp_vega_bundle": "", "rrp_caption": "c", "rrp_index_href": "x"}
        ours, _ = reports.html_exporter().from_notebook_node(notebook, resources=dict(resources))
        theirs, _ = nbconvert.from_notebook_node(notebook, resources=dict(resources))
        assert str(BeautifulSoup(ours, features="html.parser")) == theirs
        assert ours.count('tabindex="0"') == theirs.count('tabindex="0"') > 0
    assert ours.count("No description has been provided for this image") == 2  # the raw and the output image


def test_failed_ward_does_not_stop_the_others(first_run):
    out, summary = first_run
    assert summary.exit_code == reports.EXIT_FAILED
    assert not (out / "wards" / "ash" / "ash.html").exists()
    failed = out / "notebooks" / "wards" / "ash.failed.ipynb"
    assert failed.exists() and "ValueError" in failed.read_text()
    manifest = json.loads((out / "manifest.json").read_text())["entries"]
    assert manifest["ward:alder"]["status"] == "ok"
    assert manifest["ward:ash"]["status"] == "failed"
    assert manifest["ward:ash"]["error"] == f"ValueError: {FAILURE}"
    assert manifest["ward:birch"]["status"] == "no data"
    assert all(manifest[f"collaborative:{stem}"]["status"] == "ok" for stem in reports.COLLABORATIVE_NOTEBOOKS)


def test_index_rows_links_and_escaping(first_run):
    out, _ = first_run
    page = (out / "index.html").read_text()
    rows = _index_rows(out)
    assert set(WARDS) < set(rows)  # every ward of the collaborative is listed
    assert all(">not run<" in row for ward, row in rows.items() if ward not in WARDS)
    assert 'href="wards/alder/alder.html"' in rows["alder"] and ">ok<" in rows["alder"]
    assert "Sustained" in rows["alder"] or "No sustained change" in rows["alder"]
    assert ">failed<" in rows["ash"] and "ValueError: ward data broken: &lt;b&gt;ash&lt;/b&gt;" in rows["ash"]
    assert 'href="wards/ash/ash.html"' not in rows["ash"]  # no good report yet
    assert ">no data<" in rows["birch"]
    assert "<script" not in page  # the ward name's script tag is escaped, and the index has none
    assert "Alder &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "1 ok" in page and "1 failed" in page and "1 no data" in page
    for href in re.findall(r'href="([^"]+)"', page):
        assert not href.startswith(("http:", "https:", "/")) and ".." not in href
        assert (out / href).exists(), href


def test_html_is_offline_with_code_hidden(first_run):
    out, _ = first_run
    pages = list(out.rglob("*.html"))
    assert len(pages) == 1 + 4 + 1
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
    # The annotation travels only inside chart specs (JSON in a script, where "</" is escaped):
    # outside scripts it never appears as markup, and it cannot close the script it is in.
    outside_scripts = re.sub(r"<script\b[^>]*>.*?</script>", "", ward, flags=re.DOTALL)
    assert "<img src=x" not in outside_scripts and "alert(2)" not in outside_scripts
    assert "<\\/script><script>alert(2)" in ward
    explorer = (out / "collaborative" / "04_explorer.html").read_text()
    assert "unpkg" not in explorer and "widget-view+json" not in explorer
    assert explorer.count("window.vegaEmbed=") == 1  # no second copy of the libraries for its static chart
    assert "need a running Python kernel" in explorer  # instead of widgets that cannot work here
    assert '"export": true' in ward and '"editor": false' in ward  # save as PNG/SVG, no online editor


def test_unchanged_wards_are_skipped_and_rerun_failed(setup, first_run):
    base, data, notebooks = setup
    out, _ = first_run
    alder_html = out / "wards" / "alder" / "alder.html"
    before = alder_html.stat().st_mtime_ns
    # Fix the ward notebook, then rerun just what failed.
    shutil.copy(ROOT / "notebooks" / "02_ward_report.ipynb", notebooks / "02_ward_report.ipynb")
    rerun = reports.build_reports(_options(data, out, notebooks, rerun_failed=True))
    assert [r.key for r in rerun.results] == ["ward:ash"]
    assert rerun.exit_code == reports.EXIT_OK, rerun.format()
    assert (out / "wards" / "ash" / "ash.html").exists()
    assert not (out / "notebooks" / "wards" / "ash.failed.ipynb").exists()
    assert alder_html.stat().st_mtime_ns == before
    # The notebook changed since alder's report; a plain run redoes alder, then nothing.
    again = reports.build_reports(_options(data, out, notebooks, collaborative=False))
    assert [r.key for r in again.results] == ["ward:alder"]
    idle = reports.build_reports(_options(data, out, notebooks, collaborative=False))
    assert idle.results == [] and idle.exit_code == reports.EXIT_OK
    assert "unchanged" in _index_rows(out)["alder"]


def test_cli_errors_write_nothing(tmp_path, setup, capsys):
    _, data, _ = setup
    out = tmp_path / "out"
    assert cli.main(["reports", str(data), "--out", str(out), "--wards", "alder", "no-such-ward"]) == 2
    assert "no-such-ward" in capsys.readouterr().out
    bad = ROOT / "tests" / "bad_inputs" / "count_negative"
    assert cli.main(["reports", str(bad), "--out", str(out)]) == 2
    assert not out.exists()


def test_vega_bundle_cache_folder(tmp_path, monkeypatch):
    """The bundle is kept in the user's cache (or $RRP_CACHE_DIR), else beside the reports."""
    out = tmp_path / "out"
    monkeypatch.setenv("RRP_CACHE_DIR", str(tmp_path / "cache"))
    assert reports.cache_dir(out) == tmp_path / "cache"
    monkeypatch.delenv("RRP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert reports.cache_dir(out) == tmp_path / "xdg" / "rrp-workbook"
    (tmp_path / "blocked").write_text("a file, so no folder can be made under it")
    monkeypatch.setenv("RRP_CACHE_DIR", str(tmp_path / "blocked" / "cache"))
    assert reports.cache_dir(out) == out / ".cache"
    monkeypatch.setenv("RRP_CACHE_DIR", "relative/cache")
    assert reports.cache_dir(out) == out / ".cache"


def test_a_bundle_others_can_write_is_never_inlined(tmp_path, monkeypatch):
    """The bundle is inlined as a script into every page: a cached copy that another user could
    have written is refused, and the run builds its own beside the reports."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("RRP_CACHE_DIR", str(cache))
    out = tmp_path / "out"
    planted = reports._bundle_path(cache)
    cache.mkdir()
    planted.write_text("window.stolen = 1;")
    planted.chmod(0o666)
    assert reports.bundle_folder(out) == out / ".cache"
    with pytest.raises(RuntimeError, match="writable by other users"):
        reports.vega_bundle(cache)
    planted.chmod(0o644)
    assert reports.bundle_folder(out) == cache  # this user's own, not writable by others


def test_input_fingerprints_change_only_for_the_ward_edited():
    import dataclasses

    collab = load_collaborative(ROOT / "data" / "demo")
    whole, per_ward = reports.input_fingerprints(collab)
    monthly = collab.monthly.copy()
    row = monthly.index[monthly["ward_id"].eq("oak")][5]
    monthly.loc[row, "count"] = monthly.loc[row, "count"] + 1
    edited_whole, edited = reports.input_fingerprints(dataclasses.replace(collab, monthly=monthly))
    assert edited_whole != whole
    assert [w for w in per_ward if edited[w] != per_ward[w]] == ["oak"]
    notes = collab.annotations.copy()
    notes.loc[notes.index[notes["ward_id"].eq("ALL")][0], "note"] = "edited"
    _, all_edited = reports.input_fingerprints(dataclasses.replace(collab, annotations=notes))
    assert all(all_edited[w] != per_ward[w] for w in per_ward)  # an ALL note is on every ward's charts

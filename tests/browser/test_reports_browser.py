"""The offline HTML reports of ``rrp reports``, opened in a real browser from ``file://``.

One report folder is built per session (``rrp reports`` of a copy of the demo, ``--wards alder oak
laurel --jobs 2``, into a temporary folder); alder carries an annotation written to break a page
(``<!--<script>``: it must neither stop a chart drawing nor hide the rest of the page). Each page must draw its charts (Vega, inlined in the page as a ``vegaEmbed``
bundle), log no console error and request nothing but ``file://`` URLs; the index's links must
resolve; the explorer report's static ward drop-down (an HTML ``select`` bound to an Altair
parameter, no kernel) must change the drawn chart.
"""

from __future__ import annotations

import time

import pytest
from .browser_support import REPORT_WARDS as WARDS  # the wards of the reports_dir fixture (conftest.py)
from .browser_support import file_path, record_timing

pytestmark = pytest.mark.browser

WARD_NAMES = {"alder": "Alder Ward", "oak": "Oak Ward", "laurel": "Laurel Ward"}

#: JS: every Vega chart container of the page with what is drawn in it.
CHARTS_JS = """() => [...document.querySelectorAll('.vega-embed')].map(el => {
    const svg = el.querySelector('svg.marks, svg');
    const canvas = el.querySelector('canvas');
    let inked = 0;
    if (canvas && canvas.width && canvas.height) {
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
    }
    return {
        id: el.id,
        svg: !!svg,
        marks: svg ? svg.querySelectorAll('.role-mark > *').length : 0,
        paths: svg ? svg.querySelectorAll('.role-mark path').length : 0,
        canvas: !!canvas,
        inked: inked,
    };
})"""


def assert_offline_and_clean(page) -> None:
    """Nothing but file:// was requested, and nothing was logged as an error."""
    outside = [url for url in page.log.requests if not url.startswith("file://")]
    assert not outside, f"requests outside file://: {outside}"
    assert not page.log.websockets, f"websockets opened: {page.log.websockets}"
    assert not page.log.errors(), "\n".join(page.log.errors())


def wait_for_charts(page, minimum: int = 1, timeout: float = 30_000) -> list[dict]:
    """Wait until every Vega container holds a drawn chart (SVG marks or an inked canvas)."""
    page.wait_for_function(
        f"""() => {{
            const charts = ({CHARTS_JS})();
            return charts.length >= {minimum} && charts.every(c => c.marks >= 3 || c.inked > 100);
        }}""",
        timeout=timeout,
    )
    return page.evaluate(CHARTS_JS)


def test_index_lists_and_links_every_ward_report(page, reports_dir):
    page.goto((reports_dir / "index.html").as_uri())
    assert "SYNTHETIC" in page.inner_text("body")
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => [a.getAttribute('href'), a.href])")
    targets = {raw: url for raw, url in hrefs}
    for ward in WARDS:
        assert f"wards/{ward}/{ward}.html" in targets, f"no link to the {ward} report in index.html"
    assert "collaborative/04_explorer.html" in targets
    for raw, url in hrefs:
        assert url.startswith("file://"), f"index.html links outside the report folder: {raw}"
        assert file_path(url).exists(), f"index.html link {raw!r} does not resolve ({file_path(url)})"
    # Follow the links as a reader would: each ward report opens and is that ward's.
    for ward in WARDS:
        page.goto((reports_dir / "index.html").as_uri())
        page.click(f'a[href="wards/{ward}/{ward}.html"]')
        page.wait_for_load_state("load")
        assert page.url == (reports_dir / "wards" / ward / f"{ward}.html").as_uri()
        assert WARD_NAMES[ward] in page.inner_text("body")
    assert_offline_and_clean(page)


@pytest.mark.parametrize("ward", WARDS)
def test_ward_report_draws_its_charts_offline(page, reports_dir, artifacts, ward):
    report = reports_dir / "wards" / ward / f"{ward}.html"
    html = report.read_text(encoding="utf-8")
    assert "window.vegaEmbed=" in html, "the vegaEmbed bundle is not inlined in the page"
    containers = html.count('vegaEmbed("#rrp-chart-')
    assert containers >= 1, "no chart in the ward report"
    started = time.perf_counter()
    page.goto(report.as_uri())
    charts = wait_for_charts(page, minimum=containers)
    record_timing(f"ward report {ward}: open and draw {containers} charts", time.perf_counter() - started)
    drawn = [c for c in charts if c["id"].startswith("rrp-chart-")]
    assert len(drawn) == containers, charts
    for chart in drawn:
        assert (chart["svg"] and chart["paths"] >= 3) or chart["inked"] > 100, f"chart {chart['id']} is empty: {chart}"
    assert WARD_NAMES[ward] in page.inner_text("body")
    assert "Safety cross of the latest month" in page.inner_text("body")  # nothing after a note was swallowed
    page.screenshot(path=str(artifacts / f"report-ward-{ward}.png"), full_page=True)
    assert_offline_and_clean(page)


LINE_JS = """el => [...el.querySelectorAll('.mark-line path, .mark-symbol path')].map(p => (p.getAttribute('d') || '') + (p.getAttribute('transform') || '')).join('|')"""


def test_explorer_report_static_ward_dropdown_changes_the_chart(page, reports_dir, artifacts):
    page.goto((reports_dir / "collaborative" / "04_explorer.html").as_uri())
    wait_for_charts(page)
    chart = page.locator(".vega-embed:has(.vega-bind-name:text-is('Ward: '))")
    assert chart.count() == 1, "the explorer report has no (or more than one) chart with a ward drop-down"
    select = chart.locator(".vega-bind:has(.vega-bind-name:text-is('Ward: ')) select")
    options = select.locator("option").all_inner_texts()
    current = select.input_value()
    assert len(options) > 1 and current, options
    other = "Oak Ward" if "Oak Ward" in options and select.locator("option:checked").inner_text() != "Oak Ward" else options[1]
    before = chart.evaluate(LINE_JS)
    assert before, "no line or points drawn in the static explorer chart"
    chart.screenshot(path=str(artifacts / "report-explorer-before.png"))

    select.select_option(label=other)
    page.wait_for_function(
        f"before => ({LINE_JS})(document.querySelector(\".vega-embed:has(select)\")) !== before", arg=before, timeout=10_000)
    after = chart.evaluate(LINE_JS)
    chart.screenshot(path=str(artifacts / "report-explorer-after.png"))
    assert select.locator("option:checked").inner_text() == other
    assert after and after != before, f"choosing {other!r} instead of {current!r} did not change the drawn chart"
    assert other in chart.inner_text() or other in chart.evaluate("el => el.querySelector('svg').textContent")
    grid = page.locator(".vega-embed:has(.vega-bind-name:text-is('Specialty: '))")
    assert grid.count() == 1, "the explorer report has no grid of every ward"
    assert_offline_and_clean(page)


#: JS: the points (x position, fill) and text marks of the panel titled ``title`` in a page's charts.
PANEL_JS = r"""(title) => {
    const at = el => { const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(el.getAttribute('transform') || ''); return m ? +m[1] : null; };
    for (const scope of document.querySelectorAll('g.mark-group.role-scope')) {
        const heading = scope.querySelector('g.role-title text');
        if (!heading || !heading.textContent.startsWith(title)) continue;
        return {
            points: [...scope.querySelectorAll('g.mark-symbol.role-mark path')].map(p => ({x: at(p), fill: p.getAttribute('fill')})),
            texts: [...scope.querySelectorAll('g.mark-text.role-mark text')].map(t => ({x: at(t), text: t.textContent, fill: t.getAttribute('fill')})),
        };
    }
    return null;
}"""


def test_a_sustained_reduction_shows_its_signalling_run_in_improvement_colour(page, reports_dir, artifacts):
    """Laurel Ward's total fell from October 2018 (the demo's story, checked from the counts in
    tests/test_chart_data.py): the 8 months that proved it are drawn blue (improvement) and the
    phase is labelled with its direction and size, in the page a coach opens."""
    from rrp_helpers.charts.theme import NHS_LIGHT_BLUE, POINT_COLOURS

    page.goto((reports_dir / "wards" / "laurel" / "laurel.html").as_uri())
    wait_for_charts(page)
    panel = page.evaluate(PANEL_JS, "Laurel Ward: All restrictive practice")
    assert panel, "no panel titled 'Laurel Ward: All restrictive practice'"
    label = next((t for t in panel["texts"] if t["text"].startswith("from Oct 2018: sustained reduction")), None)
    assert label, [t["text"] for t in panel["texts"]]
    assert "\u221293% against the baseline" in label["text"]
    points = sorted((p for p in panel["points"] if p["fill"] in POINT_COLOURS), key=lambda p: p["x"])
    assert len(points) == 31, points  # every month drawn (notes are symbols of other colours)
    run = [p for p in points if p["x"] >= label["x"] - 4][:8]  # the label starts 3 px right of its month
    assert [p["fill"] for p in run] == [NHS_LIGHT_BLUE] * 8, run
    assert "Limits: each phase its own" in " ".join(t["text"] for t in panel["texts"])  # the reading is named
    page.screenshot(path=str(artifacts / "report-ward-laurel-total.png"), full_page=True)
    # The other reading: the baseline limits alone, chosen by the radio above the charts.
    page.locator("input[type=radio][value=baseline]").first.check()
    page.wait_for_function(f"t => ({PANEL_JS})(t).texts.some(x => x.text.startsWith('Limits: the baseline limits'))",
                           arg="Laurel Ward: All restrictive practice", timeout=10_000)
    assert_offline_and_clean(page)


def test_index_matrix_sorts_filters_and_names_its_icons(page, reports_dir, artifacts):
    page.goto((reports_dir / "index.html").as_uri())
    rows = page.locator("#wards tr")
    total = rows.count()
    assert total >= 38
    icons = page.locator("#matrix .icon")
    assert icons.count() == 2 * 4 * (total + 1)  # two icons per measure, every ward and the collaborative
    labels = icons.evaluate_all("els => els.map(e => [e.getAttribute('role'), e.getAttribute('aria-label')])")
    assert all(role == "img" and text and text.strip() for role, text in labels), labels[:5]
    for svg in page.locator("details svg").all():  # the key's drawings: text alternatives too
        assert svg.get_attribute("role") == "img" and svg.locator("title").text_content()

    page.select_option("select[name=specialty]", "Forensic adult")
    shown = page.locator("#wards tr:not([hidden])")
    forensic = shown.count()
    assert 0 < forensic < total
    assert set(shown.evaluate_all("rs => rs.map(r => r.dataset.specialty)")) == {"Forensic adult"}
    assert page.inner_text("#shown") == f"{forensic} of {total} wards shown"
    page.select_option("select[name=specialty]", "")
    page.fill("input[name=search]", "LAUREL")  # search: any case, name or id
    assert shown.evaluate_all("rs => rs.map(r => r.cells[0].dataset.sort)") == ["Laurel Ward"]
    assert page.inner_text("#shown") == f"1 of {total} wards shown"
    page.fill("input[name=search]", "")
    page.select_option("select[name=verdict]", "improvement")
    improving = shown.evaluate_all("rs => rs.map(r => r.dataset.verdicts)")
    assert improving and all("improvement" in verdicts.split() for verdicts in improving)

    page.get_by_role("button", name="All restrictive practice").click()  # ascending: the largest fall first
    header = page.locator("th:has(button:text-is('All restrictive practice'))")
    assert header.get_attribute("aria-sort") == "ascending"
    column = header.evaluate("th => th.cellIndex")
    values = shown.evaluate_all(f"rs => rs.map(r => parseFloat(r.cells[{column}].dataset.sort))")
    assert values == sorted(values) and values[0] < 0
    page.get_by_role("button", name="All restrictive practice").click()
    assert header.get_attribute("aria-sort") == "descending"
    values = shown.evaluate_all(f"rs => rs.map(r => parseFloat(r.cells[{column}].dataset.sort))")
    assert values == sorted(values, reverse=True)
    page.screenshot(path=str(artifacts / "report-index-matrix.png"), full_page=True)
    assert_offline_and_clean(page)


def test_index_shows_a_page_of_rows_then_all_on_request(page, reports_dir, tmp_path):
    """Beyond PAGE_ROWS wards the index shows the first page of matching rows and a "Show all"
    button (here with a page of 10 rows, in a copy of the demo's index)."""
    from rrp_helpers.reports.index import PAGE_ROWS

    source = (reports_dir / "index.html").read_text(encoding="utf-8")
    assert f"const PAGE = {PAGE_ROWS};" in source
    copy = reports_dir / "index-paged-test.html"
    copy.write_text(source.replace(f"const PAGE = {PAGE_ROWS};", "const PAGE = 10;"), encoding="utf-8")
    try:
        page.goto(copy.as_uri())
        total = page.locator("#wards tr").count()
        shown = page.locator("#wards tr:not([hidden])")
        assert shown.count() == 10 and page.inner_text("#shown") == f"10 of {total} matching wards shown (of {total})"
        page.click("#show-all")
        assert shown.count() == total and page.inner_text("#shown") == f"{total} of {total} wards shown"
        assert not page.is_visible("#show-all")
        page.select_option("select[name=specialty]", "General adult")  # a new filter starts a page again
        general = page.locator("#wards tr[data-specialty='General adult']").count()
        assert general > 10 and shown.count() == 10 and page.is_visible("#show-all")
        page.get_by_role("button", name="All restrictive practice").click()  # sorted: the first page of the new order
        values = shown.evaluate_all("rs => rs.map(r => parseFloat(r.cells[7].dataset.sort))")
        assert len(values) == 10 and values == sorted(values)
        assert_offline_and_clean(page)
    finally:
        copy.unlink()


def test_a_ward_report_prints_to_a4_with_every_results_column(page, reports_dir, artifacts):
    """Printed to A4 PDF with chromium, the ward report's results table keeps every column (the
    print stylesheet wraps it), and the page's menus and controls are left out."""
    import pypdf

    page.goto((reports_dir / "wards" / "laurel" / "laurel.html").as_uri())
    wait_for_charts(page)
    table = page.locator("table:has(th:text-is('Measure'))").first
    headers = [" ".join(text.split()) for text in table.locator("thead th").all_inner_texts() if text.strip()]
    assert len(headers) >= 10, headers
    pdf = artifacts / "report-ward-laurel.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages).split())
    squeezed = text.replace(" ", "")
    missing = [header for header in headers if header.replace(" ", "") not in squeezed]
    assert not missing, f"cut from the printed page: {missing}"
    assert "baseline limits only" not in text  # the limits radio (a control) is not printed
    assert "All reports" not in text  # nor the navigation bar

"""``index.html``: the summary matrix (every ward and the collaborative: each measure's team-level
result and Making Data Count icons, sortable and filterable in the page, offline), each ward's
status and links, and the collaborative reports. Rendered from ``templates/index.html.j2`` by Jinja2 with autoescaping: every text from
the data is escaped; links are relative; nothing is loaded from elsewhere.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import pandas as pd

from markupsafe import Markup

from rrp_helpers import mdc
from rrp_helpers.charts import icons
from rrp_helpers.data import Collaborative
from rrp_helpers.files import safe_name
from rrp_helpers.reports import downloads
from rrp_helpers.reports.tasks import STATUS_FAILED, STATUS_NO_DATA, STATUS_OK
from rrp_helpers.summary import COLLABORATIVE, VERDICTS

__all__ = ["matrix_rows", "icon_styles", "index_page"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)


def matrix_rows(matrix: pd.DataFrame) -> tuple[list[str], dict[str, list[dict]]]:
    """The summary matrix (:func:`rrp_helpers.summary.summary_matrix`) as the index's cells:
    the measures' labels, and per ``ward_id`` one cell per measure (verdict, result, both icons'
    classes and texts, and a number to sort by: the change in percent, 0 for none)."""
    labels = list(dict.fromkeys(matrix["measure_label"]))
    cells: dict[str, list[dict]] = {}
    for row in matrix.itertuples():
        change = row.change_pct
        if pd.isna(change):  # none, or a change whose size is not published: between the others
            change = {"improvement": -0.001, "concern": 0.001}.get(row.verdict, 0.0)
        cells.setdefault(str(row.ward_id), []).append({
            "verdict": row.verdict, "verdict_text": VERDICTS[row.verdict], "result": row.result, "sort": f"{change:.3f}",
            "variation": row.variation, "variation_text": row.variation_text,
            "assurance": row.assurance, "assurance_text": row.assurance_text,
        })
    return labels, cells


@lru_cache(maxsize=1)
def icon_styles() -> Markup:
    """CSS classes drawing each Making Data Count icon as an inline SVG image (``data:`` URIs:
    nothing fetched), one per category, so a page of many wards carries each drawing once."""
    rules = []
    for kind, draw, texts in (("v", icons.variation_svg, mdc.VARIATION_TEXTS), ("a", icons.assurance_svg, mdc.ASSURANCE_TEXTS)):
        for category, text in texts.items():
            encoded = base64.b64encode(draw(category, text).encode()).decode()
            rules.append(f'.icon-{kind}-{category} {{ background-image: url("data:image/svg+xml;base64,{encoded}"); }}')
    return Markup("\n".join(rules))


def _ward_row(ward, entry: dict | None, cells: list[dict], out: Path, skipped: bool) -> dict:
    ward_id = str(ward.ward_id)
    status = entry["status"] if entry else "not run"
    name = safe_name(ward_id)
    page = f"wards/{name}/{name}.html"
    has_report = status in (STATUS_OK, STATUS_FAILED) and (out / page).exists()
    links = []
    if has_report:
        links.append({"href": page, "text": "report", "download": False})
        optional = [(f"wards/{name}/{downloads.GALLERY}", "charts (PNG)", False),
                    (f"wards/{name}/{downloads.chart_data_name(name)}", "chart data (CSV)", True),
                    (f"notebooks/wards/{name}.ipynb", "notebook", True)]
        links += [{"href": href, "text": text, "download": download} for href, text, download in optional if (out / href).exists()]
    if status == STATUS_FAILED and (out / "notebooks" / "wards" / f"{name}.failed.ipynb").exists():
        links.append({"href": f"notebooks/wards/{name}.failed.ipynb", "text": "failed notebook", "download": True})
    notes = []
    if status == STATUS_FAILED and has_report:
        notes.append("the report linked is the last good one")
    elif skipped:
        notes.append("unchanged since the last run (not rerun)")
    return {
        "id": ward_id, "name": ward.ward_name, "trust": ward.trust, "specialty": ward.specialty, "ward_type": ward.ward_type,
        "cells": cells, "verdicts": " ".join(sorted({cell["verdict"] for cell in cells})), "status": status,
        "error": entry.get("error", "") if status == STATUS_FAILED and entry else "", "notes": notes, "links": links,
    }


#: Rows of the summary matrix shown at first (and after each search, filter or sort; a button
#: shows the rest). The others are in the page but hidden, so the browser lays out one page of
#: rows, not thousands: the index of a national collaborative opens quickly.
PAGE_ROWS = 200


def index_page(collab: Collaborative, entries: dict[str, dict], matrix: pd.DataFrame | str, *, out: Path,
               skipped: set[str], generated: str, notebook_titles: dict[str, str], notice: str | None = None,
               downloads_error: str = "") -> str:
    """The page's HTML (see the module docstring). ``matrix`` is the summary matrix, or why it
    could not be computed (the page is written all the same)."""
    measures, cells = matrix_rows(matrix) if isinstance(matrix, pd.DataFrame) else ([], {})
    counted = collab.monthly[collab.monthly["count"].notna()]
    latest = counted.groupby("ward_id")["month"].max().dt.strftime("%b %Y").to_dict()  # how fresh each ward's data are
    wards = [
        _ward_row(ward, entries.get(f"ward:{ward.ward_id}"), cells.get(str(ward.ward_id), []), out,
                  f"ward:{ward.ward_id}" in skipped) | {"latest": latest.get(ward.ward_id, "")}
        for ward in collab.wards.itertuples()
    ]
    counts = {status: sum(row["status"] == status for row in wards) for status in (STATUS_OK, STATUS_FAILED, STATUS_NO_DATA, "not run")}
    skipped_wards = sum(1 for key in skipped if key.startswith("ward:"))
    unit = collab.config.unit_label
    summary = (
        f"{len(wards)} {unit}s: {counts[STATUS_OK]} ok ({skipped_wards} unchanged, not rerun), "
        f"{counts[STATUS_FAILED]} failed, {counts[STATUS_NO_DATA]} no data"
        + (f", {counts['not run']} not run yet" if counts["not run"] else "") + "."
    )
    collaborative = []
    for stem, title in notebook_titles.items():
        entry = entries.get(f"collaborative:{stem}")
        if entry is None:
            continue
        href = f"collaborative/{stem}.html" if (out / "collaborative" / f"{stem}.html").exists() else ""
        error = entry.get("error", "") if entry["status"] == STATUS_FAILED else ""
        collaborative.append({"title": title, "href": href, "status": entry["status"], "error": error,
                              "notebook": f"notebooks/{stem}.ipynb" if (out / "notebooks" / f"{stem}.ipynb").exists() else ""})
    files = [{"href": href, "text": text} for href, text in (
        (downloads.RESULTS_WORKBOOK, "Results workbook (every results table, Excel)"),
        (f"collaborative/{downloads.CHART_DATA}", "The collaborative's chart data (CSV)"),
    ) if (out / href).exists()]
    return _environment().get_template("index.html.j2").render(
        name=collab.config.name, synthetic=collab.config.synthetic, notice=notice, summary=summary,
        collaborative=collaborative, wards=wards, generated=generated, shift_points=collab.config.shift_points,
        files=files, downloads_error=downloads_error, unit=unit,
        measures=measures, whole=cells.get(COLLABORATIVE, []), matrix_error=matrix if isinstance(matrix, str) else "",
        icon_styles=icon_styles(), icon_key=Markup(icons.icon_legend_html(mdc.VARIATION_TEXTS, mdc.ASSURANCE_TEXTS, size=24)),
        aim_pct=collab.config.aim_reduction_pct, filters={
            "trust": sorted({str(w["trust"]) for w in wards}), "specialty": sorted({str(w["specialty"]) for w in wards}),
            "ward_type": sorted({str(w["ward_type"]) for w in wards})},
        verdicts=VERDICTS, page_rows=PAGE_ROWS,
    )

"""``index.html``: every ward with its headline result, status and links, and the collaborative
reports. Rendered from ``templates/index.html.j2`` by Jinja2 with autoescaping: every text from
the data is escaped; links are relative; nothing is loaded from elsewhere.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from rrp_helpers import outcomes
from rrp_helpers.data import Collaborative
from rrp_helpers.files import safe_name
from rrp_helpers.publish import SUPPRESSED, PublishRule
from rrp_helpers.results import published_table
from rrp_helpers.reports.tasks import STATUS_FAILED, STATUS_NO_DATA, STATUS_OK

__all__ = ["ward_headlines", "index_page"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)


def ward_headlines(collab: Collaborative, publish_rule: PublishRule | None = None) -> dict[str, str]:
    """One line per ward for the index: the measures with a sustained change and by how much (a
    reduction derived from too few incidents is ``*`` under ``publish_rule``)."""
    labels = outcomes.measure_labels(collab)
    results = outcomes.team_results(collab)
    if publish_rule is not None:
        results = published_table("team_results", results, publish_rule)
    outcome_measures = outcomes.outcome_measures(collab)
    headlines = {}
    for ward_id, rows in results.groupby("ward_id", sort=False):
        better, worse = [], []
        for row in rows.itertuples():
            if row.measure not in (*outcome_measures, "total"):
                continue
            label = labels.get(row.measure, row.measure)
            reduction = pd.to_numeric(row.reduction_pct, errors="coerce")
            if row.sustained == outcomes.SUSTAINED_IMPROVEMENT:
                better.append(f"{label} down {SUPPRESSED if pd.isna(reduction) else f'{reduction:.0f}'}%")
            elif row.sustained == outcomes.SUSTAINED_DETERIORATION:
                worse.append(f"{label} up {SUPPRESSED if pd.isna(reduction) else f'{-reduction:.0f}'}%")
        improved = sum(1 for item in better if not item.startswith(labels["total"]))
        text = []
        if better:
            text.append(f"Sustained reduction in {improved} of {len(outcome_measures)} measures: " + ", ".join(better))
        if worse:
            text.append("Sustained increase: " + ", ".join(worse))
        headlines[ward_id] = "; ".join(text) if text else "No sustained change"
    return headlines


def _ward_row(ward, entry: dict | None, headline: str, out: Path, skipped: bool) -> dict:
    ward_id = str(ward.ward_id)
    status = entry["status"] if entry else "not run"
    name = safe_name(ward_id)
    page = f"wards/{name}/{name}.html"
    has_report = status in (STATUS_OK, STATUS_FAILED) and (out / page).exists()
    links = []
    if has_report:
        links += [{"href": page, "text": "report"}, {"href": f"wards/{name}/", "text": "charts (PNG)"},
                  {"href": f"notebooks/wards/{name}.ipynb", "text": "notebook"}]
    if status == STATUS_FAILED and (out / "notebooks" / "wards" / f"{name}.failed.ipynb").exists():
        links.append({"href": f"notebooks/wards/{name}.failed.ipynb", "text": "failed notebook"})
    notes = []
    if status == STATUS_FAILED and has_report:
        notes.append("the report linked is the last good one")
    elif skipped:
        notes.append("unchanged since the last run (not rerun)")
    return {
        "id": ward_id, "name": ward.ward_name, "trust": ward.trust, "specialty": ward.specialty,
        "headline": headline if status != STATUS_NO_DATA else "No monthly counts", "status": status,
        "error": entry.get("error", "") if status == STATUS_FAILED and entry else "", "notes": notes, "links": links,
    }


def index_page(collab: Collaborative, entries: dict[str, dict], headlines: dict[str, str], *, out: Path,
               skipped: set[str], generated: str, notebook_titles: dict[str, str], notice: str | None = None) -> str:
    """The page's HTML (see the module docstring)."""
    wards = [
        _ward_row(ward, entries.get(f"ward:{ward.ward_id}"), headlines.get(str(ward.ward_id), ""), out,
                  f"ward:{ward.ward_id}" in skipped)
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
        collaborative.append({"title": title, "href": href, "status": entry["status"], "error": error})
    return _environment().get_template("index.html.j2").render(
        name=collab.config.name, synthetic=collab.config.synthetic, notice=notice, summary=summary,
        collaborative=collaborative, wards=wards, generated=generated, shift_points=collab.config.shift_points,
    )

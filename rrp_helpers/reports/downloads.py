"""What a report offers beside its page: the data behind its charts (CSV), the results workbook,
and a page of a ward's PNG charts. Every file is written atomically; text from the data is
escaped (HTML) or neutralised (CSV, Excel).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rrp_helpers import chart_data, outcomes, results, summary
from rrp_helpers.data import Collaborative
from rrp_helpers.files import write_atomic
from rrp_helpers.publish import PublishRule
from rrp_helpers.spreadsheets import write_csv, write_workbook

__all__ = ["CHART_DATA", "RESULTS_WORKBOOK", "GALLERY", "chart_data_name", "write_chart_data", "write_results_workbook",
           "write_gallery"]

#: File names: the collaborative's chart data (in ``collaborative/``), the workbook (at the top),
#: and a ward's gallery page (in its folder).
CHART_DATA = "chart-data.csv"
RESULTS_WORKBOOK = "results.xlsx"
GALLERY = "index.html"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def chart_data_name(name: str) -> str:
    """The chart-data file of a ward whose folder and files are called ``name``."""
    return f"{name}-{CHART_DATA}"


def write_chart_data(collab: Collaborative, target: Path, *, ward_id: str | None = None,
                     publish_rule: PublishRule | None = None) -> list[dict]:
    """The points of every SPC chart of a ward (or, with no ``ward_id``, the collaborative) as a
    CSV file (:func:`rrp_helpers.chart_data.download_table`), published like the charts. Returns
    the ward's Making Data Count icons (:func:`rrp_helpers.summary.icon_rows`) from the same
    points, for the index's summary matrix: a batch computes them once, in the ward's task."""
    points = chart_data.chart_points(collab, ward_id=ward_id, publish_rule=publish_rule)
    write_csv(chart_data.download_table(points), target)
    return summary.icon_rows(collab, points.assign(ward_id=ward_id)).to_dict("records") if ward_id else []


def write_results_workbook(collab: Collaborative, target: Path, *, publish_rule: PublishRule | None = None) -> Path:
    """Every results table (:func:`rrp_helpers.results.compute_results`) as one workbook, as
    ``rrp results`` writes it (published with ``publish_rule``)."""
    write_workbook(results.compute_results(collab, publish_rule), target)
    return target


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)


def write_gallery(collab: Collaborative, folder: Path, pngs: dict[str, Path], *, ward_name: str, report: str) -> Path:
    """``folder/index.html``: the ward's PNG charts (``{measure: path}``) on one page, each with
    its measure as caption and alternative text, a link back to the report (``report``, relative)
    and to each file."""
    labels = outcomes.measure_labels(collab)
    images = [{"file": png.name, "caption": f"{ward_name}: {labels.get(measure, measure)}"} for measure, png in pngs.items()]
    page = _environment().get_template("gallery.html.j2").render(ward_name=ward_name, images=images, report=report,
                                                                unit=collab.config.unit_label)
    target = folder / GALLERY
    write_atomic(target, page)
    return target

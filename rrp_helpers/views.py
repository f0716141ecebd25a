"""What each page shows, composed once: the statistics of :mod:`rrp_helpers.outcomes` drawn by
:mod:`rrp_helpers.charts`, so that a notebook, a report page and its slide PNGs draw a ward or the
collaborative from the same chart data.
"""

from __future__ import annotations

from rrp_helpers import chart_data, charts, outcomes
from rrp_helpers.data import Collaborative
from rrp_helpers.publish import PublishRule

__all__ = ["ward_panels", "ward_dashboard", "collaborative_panels", "collaborative_dashboard"]


def ward_panels(collab: Collaborative, ward_id: str, *, publish_rule: PublishRule | None = None) -> dict[str, dict]:
    """The ward's SPC panel of each measure and the total, with its notes and change ideas:
    ``{measure: Vega-Lite spec}`` (each spec stands alone)."""
    ward_name = str(collab.wards.set_index("ward_id").at[ward_id, "ward_name"])
    notes = collab.annotations[collab.annotations["ward_id"].isin([ward_id, "ALL"])]
    ideas = collab.change_ideas[collab.change_ideas["ward_id"].eq(ward_id)]
    points = chart_data.chart_points(collab, ward_id=ward_id, publish_rule=publish_rule)
    return charts.measure_panels(
        points, outcomes.measure_labels(collab), title_prefix=f"{ward_name}: ", annotations=notes, change_ideas=ideas,
        y_title=outcomes.chart_unit(collab, ward=True), subtitle=outcomes.chart_note(collab),
    )


def ward_dashboard(collab: Collaborative, ward_id: str, *, publish_rule: PublishRule | None = None) -> charts.ComposedChart:
    """:func:`ward_panels` as one chart, two panels per row."""
    return charts.dashboard(list(ward_panels(collab, ward_id, publish_rule=publish_rule).values()))


def collaborative_panels(collab: Collaborative, *, publish_rule: PublishRule | None = None) -> dict[str, dict]:
    """Figure 1: the collaborative's SPC panel of each measure and the total, with the notes for
    every ward."""
    points = chart_data.chart_points(collab, publish_rule=publish_rule)
    notes = collab.annotations[collab.annotations["ward_id"].eq("ALL")]
    return charts.measure_panels(
        points, outcomes.measure_labels(collab), annotations=notes,
        y_title=outcomes.chart_unit(collab, ward=False), subtitle=outcomes.chart_note(collab),
    )


def collaborative_dashboard(collab: Collaborative, *, publish_rule: PublishRule | None = None) -> charts.ComposedChart:
    """:func:`collaborative_panels` as one chart, two panels per row."""
    return charts.dashboard(list(collaborative_panels(collab, publish_rule=publish_rule).values()))

"""The coaches' explorer: ipywidgets filters driving Altair charts that update in place.

:class:`Explorer` holds the widgets and one ``alt.JupyterChart`` per view; a change of any filter
recomputes the points (``chart_data.chart_points`` / ``spc.control_charts``) and assigns a new chart
to the widgets, so nothing is re-run by hand and the page does not reload. Works in JupyterLab and
Voila (offline: the Vega libraries come from vl-convert, not a CDN). For static HTML, where no
kernel runs, :func:`static_ward_chart` gives one chart whose ward filter is an Altair parameter
bound to a drop-down.
"""

from __future__ import annotations

import altair as alt
import ipywidgets as widgets
import numpy as np
import pandas as pd

from rrp_helpers import chart_data, charts, outcomes, publish, spc
from rrp_helpers.data import TOTAL, Collaborative

CHART_CHOICES = (("c-chart (counts)", "c"), ("I-chart (XmR)", "i"), ("Run chart (median)", "run"), ("u-chart (per 1,000 bed days)", "u"))
RULE_CHOICES = (("Collaborative (shift 8, trend 6)", "collaborative"), ("Making Data Count (shift 7, trend 7)", "mdc"), ("IHI (shift 6, trend 5)", "ihi"))
ALL = "All"


def ward_points(
    collab: Collaborative,
    ward_id: str,
    measure: str,
    *,
    chart: str = "c",
    rules: str = "collaborative",
    ward_frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """SPC points of one ward and measure for the explorer.

    Counts (``c``, ``i``, ``run``) use the phases of the sustained-change method
    (:func:`rrp_helpers.chart_data.chart_points`). The ``u`` chart plots incidents per
    ``rate_per`` occupied bed days, its limits frozen on the baseline.
    """
    frame = outcomes.ward_monthly(collab) if ward_frame is None else ward_frame
    if chart != "u":
        points = chart_data.chart_points(collab, ward_id=ward_id, chart=chart, rules=rules, ward_frame=frame, measures=[measure])
        return points.reset_index(drop=True)
    series = frame[frame["ward_id"].eq(ward_id) & frame["measure"].eq(measure)]
    direction = {m.name: m.direction for m in collab.config.measures}.get(measure, "down")
    points = spc.control_chart(
        series["count"].to_numpy(dtype=float),
        series["occupied_bed_days"].to_numpy(dtype=float),
        chart="u",
        x=series["month"],
        freeze=len(collab.config.baseline_months()),
        multiply=collab.config.rate_per,
        rules=rules,
        shift_points=collab.config.shift_points,
        trend_points=collab.config.trend_points,
    )
    points.insert(0, "measure", measure)
    return spc.classify_points(points, direction=direction)


class Explorer:
    """Filters (ward, specialty, ward type, measure, chart type, rule preset) and live charts.

    ``Explorer(collab).widget`` is the whole view to display. ``chart`` (one ward) and ``grid``
    (every ward passing the specialty / ward-type filters, one measure) are ``alt.JupyterChart``
    widgets whose ``chart`` attribute is replaced on every change.
    """

    def __init__(self, collab: Collaborative, ward_id: str | None = None, measure: str = TOTAL) -> None:
        self.collab = collab
        wards = collab.wards
        self._ward_names = dict(zip(wards["ward_id"], wards["ward_name"]))
        self.labels = outcomes.measure_labels(collab)
        self._ward_frame = outcomes.ward_monthly(collab)
        self.specialty = widgets.Dropdown(options=[ALL, *sorted(wards["specialty"].unique())], description="Specialty")
        self.ward_type = widgets.Dropdown(options=[ALL, *sorted(wards["ward_type"].unique())], description="Ward type")
        self.ward = widgets.Combobox(
            options=self._ward_options(), value=self._ward_names[ward_id or wards["ward_id"].iloc[0]],
            description="Ward", ensure_option=True, placeholder="type to search",
        )
        self.measure = widgets.Dropdown(options=[(label, name) for name, label in self.labels.items()], value=measure, description="Measure")
        self.chart_type = widgets.Dropdown(options=CHART_CHOICES, value="c", description="Chart")
        self.rules = widgets.Dropdown(options=RULE_CHOICES, value="collaborative", description="Rules")
        self.status = widgets.HTML()
        alt.JupyterChart.enable_offline()
        self.chart = alt.JupyterChart(self._ward_chart())
        self.grid = alt.JupyterChart(self._grid_chart())
        for control in (self.ward, self.measure, self.chart_type, self.rules):
            control.observe(self._on_change, names="value")
        for control in (self.specialty, self.ward_type):
            control.observe(self._on_filter, names="value")
        filters = widgets.HBox([self.specialty, self.ward_type])
        choices = widgets.HBox([self.ward, self.measure])
        options = widgets.HBox([self.chart_type, self.rules])
        self.widget = widgets.VBox([filters, choices, options, self.status, self.chart, self.grid])

    @property
    def ward_id(self) -> str:
        """The selected ward's id."""
        by_name = {name: ward_id for ward_id, name in self._ward_names.items()}
        return by_name[self.ward.value]

    def _filtered_wards(self) -> pd.DataFrame:
        wards = self.collab.wards
        keep = np.ones(len(wards), dtype=bool)
        if self.specialty.value != ALL:
            keep &= wards["specialty"].eq(self.specialty.value).to_numpy()
        if self.ward_type.value != ALL:
            keep &= wards["ward_type"].eq(self.ward_type.value).to_numpy()
        return wards[keep]

    def _ward_options(self) -> list[str]:
        if not hasattr(self, "specialty"):
            return list(self._ward_names.values())
        return list(self._filtered_wards()["ward_name"])

    def _ward_chart(self) -> alt.LayerChart:
        points = ward_points(
            self.collab, self.ward_id, self.measure.value, chart=self.chart_type.value, rules=self.rules.value, ward_frame=self._ward_frame
        )
        notes = self.collab.annotations[self.collab.annotations["ward_id"].isin([self.ward_id, "ALL"])]
        ideas = self.collab.change_ideas[self.collab.change_ideas["ward_id"].eq(self.ward_id)]
        y_title = f"Per {self.collab.config.rate_per:,} occupied bed days" if self.chart_type.value == "u" else "Incidents per month"
        self.status.value = (
            f"<b>{self._ward_names[self.ward_id]}</b>: {len(points)} months, "
            f"{int(points['special_cause'].sum())} special-cause points"
        )
        return charts.spc_chart(
            points,
            title=f"{self._ward_names[self.ward_id]}: {self.labels[self.measure.value]}",
            y_title=y_title,
            annotations=notes,
            change_ideas=ideas,
        )

    def _grid_chart(self) -> alt.FacetChart:
        wards = self._filtered_wards()
        frame = self._ward_frame[self._ward_frame["ward_id"].isin(wards["ward_id"]) & self._ward_frame["measure"].eq(self.measure.value)]
        points = spc.control_charts(
            frame,
            by=["ward_id"],
            y="count",
            x="month",
            chart="c" if self.chart_type.value == "u" else self.chart_type.value,
            freeze=len(self.collab.config.baseline_months()),
            rules=self.rules.value,
            shift_points=self.collab.config.shift_points,
            trend_points=self.collab.config.trend_points,
        )
        direction = {m.name: m.direction for m in self.collab.config.measures}.get(self.measure.value, "down")
        points = spc.classify_points(points, direction=direction)
        points["ward_name"] = points["ward_id"].map(self._ward_names)
        return charts.ward_grid(points, title=f"{self.labels[self.measure.value]}: every ward shown (limits frozen on the baseline)")

    def _on_change(self, change: dict) -> None:
        if change["name"] == "value" and change["owner"] is self.ward and change["new"] not in self._ward_names.values():
            return  # a partly typed search
        self.chart.chart = self._ward_chart()
        if change["owner"] is not self.ward:
            self.grid.chart = self._grid_chart()

    def _on_filter(self, change: dict) -> None:
        options = self._ward_options()
        if not options:
            self.status.value = "No ward matches these filters."
            return
        current = self.ward.value
        self.ward.options = options
        if current not in options:
            self.ward.value = options[0]  # fires _on_change, which redraws the ward chart
        self.grid.chart = self._grid_chart()


def static_ward_chart(
    collab: Collaborative, measure: str = TOTAL, *, publish_rule: publish.PublishRule | None = None
) -> alt.LayerChart:
    """One SPC chart of every ward for ``measure``, filtered to one ward by a drop-down.

    The filter is an Altair parameter bound to an HTML select, so it works in exported static
    HTML with no kernel. Limits are c-chart limits frozen on the baseline (computed here for all
    wards in one call, not by the chart).
    """
    frame = outcomes.ward_monthly(collab)
    frame = frame[frame["measure"].eq(measure)]
    points = spc.control_charts(
        frame, by=["ward_id"], y="count", x="month", chart="c", freeze=len(collab.config.baseline_months()),
        shift_points=collab.config.shift_points, trend_points=collab.config.trend_points,
    )
    direction = {m.name: m.direction for m in collab.config.measures}.get(measure, "down")
    points = spc.classify_points(points, direction=direction)
    if publish_rule is not None:
        # The limits are frozen on the baseline: they are derived from its incidents.
        baseline_counts = points["y"].where(points["baseline"], 0.0).fillna(0.0)
        points["phase_incidents"] = baseline_counts.groupby(points["ward_id"]).transform("sum")
        points = publish.publish_points(points, publish_rule)
    names = dict(zip(collab.wards["ward_id"], collab.wards["ward_name"]))
    points["ward_name"] = points["ward_id"].map(names)
    label = outcomes.measure_labels(collab)[measure]
    return charts.filtered_spc_chart(points, options=list(collab.wards["ward_name"]), title=f"{label} by ward (choose a ward)")

"""The coaches' explorer: ipywidgets filters over charts whose data is in the page already.

Every ward's points (:func:`explorer_points`, the same ``chart_data.chart_points`` the reports
draw) go to the browser once per chart type and rule preset; choosing a ward, a measure, a
specialty or a ward type sets a parameter of the ``alt.JupyterChart`` widgets
(:func:`rrp_helpers.charts.grids.selectable_spc_chart`, :func:`~rrp_helpers.charts.grids.ward_grid`),
and the page filters and redraws without new data. Only a new chart type or rule preset
recomputes the points. Works in JupyterLab and Voila (offline: the Vega libraries come from
vl-convert, not a CDN). For static HTML, where no kernel runs, :func:`static_ward_chart` and
:func:`static_ward_grid` bind the same parameters to drop-downs in the page.
"""

from __future__ import annotations

import html

import altair as alt
import ipywidgets as widgets
import numpy as np
import pandas as pd

from rrp_helpers import chart_data, outcomes, publish
from rrp_helpers.charts.grids import ALL, selectable_spc_chart, ward_grid
from rrp_helpers.data import TOTAL, Collaborative

__all__ = ["Explorer", "explorer_points", "series_status", "static_ward_chart", "static_ward_grid", "ward_labels",
           "CHART_CHOICES", "RULE_CHOICES"]

CHART_CHOICES = (("c-chart (counts)", "c"), ("I-chart (XmR)", "i"), ("Run chart (median)", "run"), ("u-chart (per 1,000 bed days)", "u"))
RULE_CHOICES = (("Collaborative (shift 8, trend 6)", "collaborative"), ("Making Data Count (shift 7, trend 7)", "mdc"), ("IHI (shift 6, trend 5)", "ihi"))


def ward_labels(wards: pd.DataFrame) -> pd.Series:
    """Each ward's name as the explorer shows it (indexed by ``ward_id``): the name, with the
    ward id in brackets where two wards share a name."""
    names = wards.set_index("ward_id")["ward_name"].astype(str)
    shared = names.duplicated(keep=False)
    return names.where(~shared, names + " (" + names.index.to_series().astype(str) + ")")


#: The most wards whose points a page carries at once: beyond, the explorer shows one trust at a
#: time, and a static page points to the wards' own reports.
MAX_WARDS_IN_PAGE = 60


def explorer_points(
    collab: Collaborative, *, chart: str = "c", rules: str = "collaborative", publish_rule: publish.PublishRule | None = None,
    ward_ids: list[str] | None = None,
) -> pd.DataFrame:
    """:func:`rrp_helpers.chart_data.every_ward_points` (every ward, measure and the total) with
    ``ward_label`` (:func:`ward_labels`), ``specialty`` and ``ward_type``."""
    wards = collab.wards
    points = chart_data.every_ward_points(collab, chart=chart, rules=rules, publish_rule=publish_rule, ward_ids=ward_ids)
    details = wards.set_index("ward_id")[["specialty", "ward_type"]].astype(str).assign(ward_label=ward_labels(wards))
    return points.join(details, on="ward_id")


def series_status(points: pd.DataFrame, title: str) -> str:
    """One line of HTML saying what a ward-measure's chart shows: months, the phase the team-level
    method found, and the special-cause points in each reading (the chart's own counts)."""
    months = int(points["y"].notna().sum())
    labels = [label for label in dict.fromkeys(points["phase_label"]) if label]
    counts = []
    for column, reading in (("point_type", "with the phases found"), ("point_type_base", "against the baseline limits only")):
        types = points[column].value_counts()
        counts.append(f"{int(types.get('improvement', 0))} improvement and {int(types.get('concern', 0))} concern points {reading}")
    found = "; ".join(labels) if labels else "no sustained change"
    return f"<b>{html.escape(title)}</b>: {months} months; {html.escape(found)}; {'; '.join(counts)}."


def _series_marks(collab: Collaborative, ward_ids: pd.Series, measures: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The notes of each series of ``ward_ids`` x ``measures`` (a ward's own notes and those for
    every ward, ``ALL``, each on its measure's chart or, with no measure, on all of them) and the
    change ideas of those wards (each on every chart of its ward)."""
    series = pd.MultiIndex.from_product([ward_ids, measures], names=["ward_id", "measure"]).to_frame(index=False)
    notes = collab.annotations.copy()
    notes["measure"] = notes["measure"].fillna("").astype(str)
    every = notes[notes["ward_id"].eq("ALL")].drop(columns="ward_id").merge(series[["ward_id"]].drop_duplicates(), how="cross")
    notes = pd.concat([notes[notes["ward_id"].ne("ALL")], every], ignore_index=True)
    notes = pd.concat([
        notes[notes["measure"].eq("")].drop(columns="measure").merge(series, on="ward_id"),
        notes[notes["measure"].ne("")].merge(series, on=["ward_id", "measure"]),
    ], ignore_index=True)
    return notes, collab.change_ideas[collab.change_ideas["ward_id"].isin(ward_ids)]


class Explorer:
    """Filters (ward, specialty, ward type, measure, chart type, rule preset) and live charts.

    ``Explorer(collab).widget`` is the whole view to display. ``chart`` (one ward) and ``grid``
    (every ward passing the specialty / ward-type filters, one measure) are ``alt.JupyterChart``
    widgets: a ward, measure or filter change sets their parameters; a chart type or rule preset
    change gives them new charts.
    """

    def __init__(self, collab: Collaborative, ward_id: str | None = None, measure: str | None = None) -> None:
        self.collab = collab
        measure = measure or first_measure(collab)
        wards = collab.wards
        self._labels = ward_labels(wards)
        self._ids = {label: ward_id for ward_id, label in self._labels.items()}
        self.measure_labels = outcomes.measure_labels(collab)
        self._points_cache: dict[tuple[str, str, str], pd.DataFrame] = {}
        trusts = sorted(wards["trust"].astype(str).unique())
        first = wards.set_index("ward_id").loc[ward_id or wards["ward_id"].iloc[0]]
        many = len(wards) > MAX_WARDS_IN_PAGE  # then one trust at a time: its wards' data go to the page
        self.trust = widgets.Dropdown(options=trusts if many else [ALL, *trusts], value=str(first["trust"]) if many else ALL,
                                      description="Trust")
        self.specialty = widgets.Dropdown(options=[ALL, *sorted(wards["specialty"].astype(str).unique())], description="Specialty")
        self.ward_type = widgets.Dropdown(options=[ALL, *sorted(wards["ward_type"].astype(str).unique())], description="Ward type")
        self.ward = widgets.Combobox(
            options=[], value=self._labels[ward_id or wards["ward_id"].iloc[0]],
            description="Ward", ensure_option=True, placeholder="type to search",
        )
        self.measure = widgets.Dropdown(options=[(label, name) for name, label in self.measure_labels.items()], value=measure,
                                        description="Measure")
        self.chart_type = widgets.Dropdown(options=CHART_CHOICES, value="c", description="Chart")
        self.rules = widgets.Dropdown(options=RULE_CHOICES, value="collaborative", description="Rules")
        self.status = widgets.HTML()
        self.ward.options = self._ward_options()
        alt.JupyterChart.enable_offline()
        self.chart = alt.JupyterChart(self._ward_chart())
        # Canvas: the grid's 38 small charts redraw in about half the time they take as SVG
        # (benchmarks/bench_explorer.py); the ward chart stays SVG, sharper for a single chart.
        self.grid = alt.JupyterChart(self._grid_chart(), embed_options={"renderer": "canvas"})
        self._update_status()
        self.ward.observe(self._on_ward, names="value")
        self.measure.observe(self._on_measure, names="value")
        for control in (self.chart_type, self.rules):
            control.observe(self._on_statistics, names="value")
        for control in (self.specialty, self.ward_type):
            control.observe(self._on_filter, names="value")
        self.trust.observe(self._on_trust, names="value")
        filters = widgets.HBox([self.trust, self.specialty, self.ward_type])
        choices = widgets.HBox([self.ward, self.measure])
        options = widgets.HBox([self.chart_type, self.rules])
        self.widget = widgets.VBox([filters, choices, options, self.status, self.chart, self.grid])

    @property
    def ward_id(self) -> str:
        """The selected ward's id."""
        return self._ids[self.ward.value]

    @property
    def points(self) -> pd.DataFrame:
        """Every ward's points for the chart type and rule preset chosen (computed once each)."""
        key = (self.chart_type.value, self.rules.value, self.trust.value)
        if key not in self._points_cache:
            scope = None if self.trust.value == ALL else list(self._in_trust()["ward_id"])
            self._points_cache[key] = explorer_points(self.collab, chart=key[0], rules=key[1], ward_ids=scope)
        return self._points_cache[key]

    def _in_trust(self) -> pd.DataFrame:
        wards = self.collab.wards
        return wards if self.trust.value == ALL else wards[wards["trust"].astype(str).eq(self.trust.value)]

    def _ward_options(self) -> list[str]:
        return [self._labels[ward_id] for ward_id in self._filtered_wards()["ward_id"]]

    def series(self) -> pd.DataFrame:
        """The points the ward chart shows now."""
        points = self.points
        return points[points["ward_id"].eq(self.ward_id) & points["measure"].eq(self.measure.value)]

    def _filtered_wards(self) -> pd.DataFrame:
        wards = self._in_trust()
        keep = np.ones(len(wards), dtype=bool)
        if self.specialty.value != ALL:
            keep &= wards["specialty"].astype(str).eq(self.specialty.value).to_numpy()
        if self.ward_type.value != ALL:
            keep &= wards["ward_type"].astype(str).eq(self.ward_type.value).to_numpy()
        return wards[keep]

    def _y_title(self) -> str:
        return f"Per {self.collab.config.rate_per:,} occupied bed days" if self.chart_type.value == "u" else "Incidents per month"

    def _ward_chart(self) -> alt.LayerChart:
        return _selectable_chart(self.collab, self.points, ward=self.ward_id, measure=self.measure.value, y_title=self._y_title())

    def _grid_chart(self) -> alt.FacetChart:
        return ward_grid(self.points, title="Every ward shown, with the phases found", measure=self.measure.value)

    def _update_status(self) -> None:
        self.status.value = series_status(self.series(), f"{self.ward.value}: {self.measure_labels[self.measure.value]}")

    def _on_ward(self, change: dict) -> None:
        if change["new"] not in self._ids:
            return  # a partly typed search
        self.chart.params.ward = self.ward_id
        self._update_status()

    def _on_measure(self, change: dict) -> None:
        self.chart.params.measure = change["new"]
        self._update_status()
        _after_a_frame(lambda: setattr(self.grid.params, "measure", change["new"]))

    def _on_statistics(self, change: dict) -> None:
        self.chart.chart = self._ward_chart()
        self.grid.chart = self._grid_chart()
        self._filter_grid()
        self._update_status()

    def _filter_grid(self) -> None:
        self.grid.params.specialty = self.specialty.value
        self.grid.params.ward_type = self.ward_type.value

    def _on_trust(self, change: dict) -> None:
        options = self._ward_options()
        if not options:
            self.status.value = "No ward matches these filters."
            return
        with self.ward.hold_trait_notifications():
            self.ward.options = options
            if self.ward.value not in options:
                self.ward.value = options[0]
        self._on_statistics(change)  # another trust: other wards' data to the page

    def _on_filter(self, change: dict) -> None:
        self._filter_grid()
        options = self._ward_options()
        if not options:
            self.status.value = "No ward matches these filters."
            return
        current = self.ward.value
        self.ward.options = options
        if current not in options:
            self.ward.value = options[0]  # fires _on_ward, which selects it in the chart


#: Seconds the grid's update waits after the ward chart's: the browser then paints the ward chart
#: before it spends a few hundred milliseconds redrawing the grid (sent together, the ward chart
#: waited for the grid; benchmarks/bench_explorer.py).
GRID_DELAY = 0.05


def _after_a_frame(update) -> None:
    """Run ``update`` :data:`GRID_DELAY` seconds from now on the kernel's event loop, or now when
    no loop runs (outside a kernel)."""
    import asyncio

    try:
        asyncio.get_running_loop().call_later(GRID_DELAY, update)
    except RuntimeError:
        update()


def _selectable_chart(collab: Collaborative, points: pd.DataFrame, *, ward: str, measure: str, y_title: str,
                      bound: bool = False) -> alt.LayerChart:
    labels = outcomes.measure_labels(collab)
    series = points[["ward_id", "measure", "ward_label"]].drop_duplicates(["ward_id", "measure"])
    titles = series.assign(title=series["ward_label"] + ": " + series["measure"].map(labels))
    # Only the wards drawn: a trust's, beyond MAX_WARDS_IN_PAGE wards.
    notes, ideas = _series_marks(collab, pd.Series(points["ward_id"].unique()), list(dict.fromkeys(points["measure"])))
    options = {}
    if bound:
        options = dict(ward_options=list(ward_labels(collab.wards).items()), measure_options=list(labels.items()))
    return selectable_spc_chart(points, titles=titles, annotations=notes, change_ideas=ideas, ward=ward, measure=measure,
                                y_title=y_title, **options)


def first_measure(collab: Collaborative) -> str:
    """The measure a view opens on: the total, or the first measure when there is no total."""
    return TOTAL if outcomes.has_total(collab) else outcomes.reported_measures(collab)[0]


def static_ward_chart(collab: Collaborative, points: pd.DataFrame, measure: str | None = None) -> alt.LayerChart:
    """Every ward's SPC chart of every measure (``points`` from :func:`explorer_points`) in one
    chart, one shown at a time through drop-downs of ward and measure bound in the page (works in
    a static HTML file, with no kernel)."""
    return _selectable_chart(collab, points, ward=str(collab.wards["ward_id"].iloc[0]), measure=measure or first_measure(collab),
                             y_title=outcomes.chart_unit(collab, ward=True), bound=True)


def static_ward_grid(collab: Collaborative, points: pd.DataFrame, measure: str | None = None) -> alt.FacetChart:
    """Every ward's SPC chart of one measure (``points`` from :func:`explorer_points`) as small
    multiples, the measure, specialty and ward type chosen by drop-downs bound in the page (works
    in a static HTML file, with no kernel)."""
    wards = collab.wards
    return ward_grid(
        points, title=f"Every {collab.config.unit_label}, with the phases found", measure=measure or first_measure(collab),
        measure_options=list(outcomes.measure_labels(collab).items()),
        specialty_options=sorted(wards["specialty"].astype(str).unique()),
        ward_type_options=sorted(wards["ward_type"].astype(str).unique()),
    )


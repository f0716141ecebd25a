"""QI and data-quality diagrams: the driver diagram, concepts ward by ward, change ideas, the
agreement of data sources, missing ward-months and the safety cross. Drawing only: the tables
drawn come from :mod:`rrp_helpers.concepts` and :mod:`rrp_helpers.quality`.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from rrp_helpers.charts.theme import (
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_GREEN,
    NHS_MID_GREY,
    NHS_ORANGE,
    NHS_PALE_GREY,
    NHS_PURPLE,
    NHS_RED,
    NHS_WARM_YELLOW,
)

def driver_diagram(table2: pd.DataFrame, *, width: int = 900) -> alt.LayerChart:
    """Driver diagram: primary -> secondary drivers -> change concepts (wards testing each).

    ``table2`` is :func:`rrp_helpers.concepts.table2`'s frame, in the change package's order.
    """
    concepts = table2.reset_index(drop=True).copy()
    concepts["row"] = np.arange(len(concepts), dtype=float)
    # Layout: each driver sits midway between its first and last change concept.
    secondary = concepts.groupby(["primary_driver", "secondary_driver"], sort=False)["row"].agg(["min", "max"]).sum(axis=1).div(2)
    secondary = secondary.rename("row").reset_index()
    primary = concepts.groupby("primary_driver", sort=False)["row"].agg(["min", "max"]).sum(axis=1).div(2).rename("row").reset_index()
    concepts["label"] = concepts["change_concept"] + " (" + concepts["wards"].astype(str) + ")"
    nodes = pd.concat(
        [
            pd.DataFrame({"column": 0, "row": primary["row"], "label": primary["primary_driver"], "level": "Primary driver"}),
            pd.DataFrame({"column": 1, "row": secondary["row"], "label": secondary["secondary_driver"], "level": "Secondary driver"}),
            pd.DataFrame({"column": 2, "row": concepts["row"], "label": concepts["label"], "level": "Change concept (wards)"}),
        ],
        ignore_index=True,
    )
    links = pd.concat(
        [
            secondary.merge(primary, on="primary_driver", suffixes=("", "_from")).assign(column_from=0, column=1),
            concepts.merge(secondary, on=["primary_driver", "secondary_driver"], suffixes=("", "_from")).assign(column_from=1, column=2),
        ],
        ignore_index=True,
    )[["column_from", "row_from", "column", "row"]]
    height = int(16 * len(concepts))
    x_scale = alt.Scale(domain=[-0.05, 3.2])
    level_scale = alt.Scale(
        domain=["Primary driver", "Secondary driver", "Change concept (wards)"], range=[NHS_DARK_BLUE, NHS_BLUE, NHS_DARK_GREY]
    )
    y_scale = alt.Scale(domain=[-1, len(concepts)], reverse=True)
    edges = alt.Chart(links).mark_rule(color=NHS_MID_GREY, strokeWidth=0.8).encode(
        x=alt.X("column_from:Q", scale=x_scale, axis=None),
        x2="column:Q",
        y=alt.Y("row_from:Q", scale=y_scale, axis=None),
        y2="row:Q",
    )
    def labels(frame: pd.DataFrame, dy: int) -> alt.Chart:
        return alt.Chart(frame).mark_text(align="left", dx=4, dy=dy, fontSize=10).encode(
            x=alt.X("column:Q", scale=x_scale, axis=None),
            y=alt.Y("row:Q", scale=y_scale, axis=None),
            text="label:N",
            color=alt.Color("level:N", title=None, scale=level_scale),
        )

    # Driver labels sit above their node, clear of the links that leave it.
    text = alt.layer(labels(nodes[nodes["column"] < 2], -8), labels(nodes[nodes["column"] == 2], 0))
    dots = alt.Chart(nodes).mark_circle(size=30).encode(
        x=alt.X("column:Q", scale=x_scale, axis=None),
        y=alt.Y("row:Q", scale=y_scale, axis=None),
        color=alt.Color("level:N", title=None, scale=level_scale),
    )
    return alt.layer(edges, dots, text).properties(width=width, height=height, title="Driver diagram: change concepts tested")


def concept_heatmap(ward_concepts: pd.DataFrame, table2: pd.DataFrame, wards: pd.DataFrame) -> alt.Chart:
    """Ward x change-concept heat map of the number of ideas tested (Table 2, ward by ward).

    ``ward_concepts`` is :func:`rrp_helpers.concepts.ward_concepts`; concepts keep the change
    package's order and wards their ``wards`` order.
    """
    data = ward_concepts.merge(wards[["ward_id", "ward_name"]], on="ward_id", how="left")
    return (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X("ward_name:N", title="Ward", sort=list(wards["ward_name"]), axis=alt.Axis(labelAngle=-60)),
            y=alt.Y("change_concept:N", title=None, sort=list(table2["change_concept"])),
            color=alt.Color("ideas:Q", title="Ideas", scale=alt.Scale(scheme="blues")),
            tooltip=["ward_name:N", "change_concept:N", "ideas:Q", alt.Tooltip("first_started:T", title="First idea", format="%B %Y")],
        )
        .properties(title="Change concepts tested by each ward")
    )


def missing_heatmap(missing: pd.DataFrame, wards: pd.DataFrame) -> alt.Chart:
    """Ward x month map of data completeness from :func:`rrp_helpers.quality.missing_ward_months`.

    Only incomplete cells are drawn (yellow partly missing, red missing) over a pale background,
    which keeps the chart small when almost every ward-month is complete.
    """
    data = missing.merge(wards[["ward_id", "ward_name"]], on="ward_id", how="left")
    months = sorted(pd.to_datetime(data["month"]).dt.strftime("%Y-%m").unique())
    data["month_label"] = pd.to_datetime(data["month"]).dt.strftime("%Y-%m")
    incomplete = data[data["status"].ne("complete")]
    n_incomplete = len(incomplete)
    return (
        alt.Chart(incomplete)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("month_label:O", title="Month", scale=alt.Scale(domain=months), axis=alt.Axis(labelAngle=-60)),
            y=alt.Y("ward_name:N", title=None, scale=alt.Scale(domain=list(wards["ward_name"]))),
            color=alt.Color(
                "status:N", title="Data", scale=alt.Scale(domain=["partial", "missing"], range=[NHS_WARM_YELLOW, NHS_RED])
            ),
            tooltip=["ward_name:N", alt.Tooltip("month_label:N", title="Month"), "status:N", "measures_missing:Q"],
        )
        .properties(
            title=alt.Title("Missing ward-months", subtitle=f"{n_incomplete} incomplete of {len(data)} ward-months; blank = complete"),
            width=alt.Step(14),
            height=alt.Step(11),
        )
        .configure_view(fill=NHS_PALE_GREY)
    )


def _cross_layout(days_in_month: int) -> pd.DataFrame:
    """Grid positions of the days of a month laid out as a safety cross (a plus sign)."""
    cells = [(row, col) for row in (0, 1) for col in (2, 3, 4)]
    cells += [(row, col) for row in (2, 3, 4) for col in range(7)]
    cells += [(row, col) for row in (5, 6) for col in (2, 3, 4)]
    return pd.DataFrame(cells[:days_in_month], columns=["row", "col"]).assign(day=np.arange(1, days_in_month + 1))


def safety_cross(daily: pd.DataFrame, month: str | pd.Timestamp, *, title: str | None = None) -> alt.LayerChart:
    """The safety cross of one ward-month: a day per cell, red with the count on incident days.

    ``daily`` holds that ward-month's rows of ``safety_cross`` (``date``, ``count``; several
    measures are summed per day). Days without a row had no incident.
    """
    start = pd.Timestamp(month).to_period("M").to_timestamp()
    layout = _cross_layout(start.days_in_month)
    per_day = daily.assign(day=pd.to_datetime(daily["date"]).dt.day).groupby("day")["count"].sum()
    layout["count"] = layout["day"].map(per_day).fillna(0).astype(int)
    layout["status"] = np.where(layout["count"] > 0, "Incident", "No incident")
    layout["label"] = layout["day"].astype(str) + np.where(layout["count"] > 0, " (" + layout["count"].astype(str) + ")", "")
    grid = alt.Chart(layout).encode(
        x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None), tooltip=["day:Q", alt.Tooltip("count:Q", title="Incidents")]
    )
    cells = grid.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("status:N", title=None, scale=alt.Scale(domain=["No incident", "Incident"], range=[NHS_GREEN, NHS_RED]))
    )
    labels = grid.mark_text(color="white", fontSize=10).encode(text="label:N")
    return alt.layer(cells, labels).properties(width=260, height=260, title=title or f"Safety cross, {start:%B %Y}")


def agreement_plot(pairs: pd.DataFrame, agreement: pd.DataFrame) -> alt.LayerChart:
    """Bland-Altman plot of the two data sources.

    ``pairs`` is :func:`rrp_helpers.quality.source_pairs` (dots: ward-months, x the mean of the two
    counts, y their difference); ``agreement`` is :func:`rrp_helpers.quality.source_agreement`,
    whose ``all`` row gives the lines: mean difference (solid) and 95 % limits (dashed).
    """
    # One dot per distinct (mean, difference, measure), sized by how many ward-months share it:
    # thousands of identical small-count pairs would otherwise overplot (and bloat the SVG).
    points = (
        alt.Chart(pairs)
        .mark_circle(opacity=0.6)
        .encode(
            x=alt.X("mean_count:Q", title="Mean of the two counts (incidents per month)"),
            y=alt.Y("difference:Q", title="Incident reports minus safety cross"),
            color=alt.Color("measure:N", title=None),
            size=alt.Size("count():Q", title="Ward-months"),
            tooltip=["measure:N", "mean_count:Q", "difference:Q", alt.Tooltip("count():Q", title="Ward-months")],
        )
    )
    overall = agreement[agreement["measure"].eq("all")]
    lines = pd.DataFrame(
        {
            "value": [overall["mean_difference"].iloc[0], overall["loa_lower"].iloc[0], overall["loa_upper"].iloc[0]],
            "line": ["Mean difference", "95% limit of agreement", "95% limit of agreement"],
        }
    ) if len(overall) else pd.DataFrame({"value": [], "line": []})
    rules = alt.Chart(lines).mark_rule(color=NHS_DARK_GREY).encode(
        y="value:Q",
        strokeDash=alt.StrokeDash("line:N", title=None, scale=alt.Scale(domain=["Mean difference", "95% limit of agreement"], range=[[1, 0], [4, 3]])),
        tooltip=[alt.Tooltip("line:N", title="Line"), alt.Tooltip("value:Q", title="Value", format=".2f")],
    )
    return alt.layer(points, rules).properties(width=480, height=240, title="Agreement of the two data sources")


def idea_timeline(ideas: pd.DataFrame) -> alt.Chart:
    """A ward's change ideas by concept, each a dot on the month it started (hover for the idea)."""
    data = ideas.assign(started=pd.to_datetime(ideas["started"]))
    return (
        alt.Chart(data)
        .mark_circle(size=70, color=NHS_PURPLE, opacity=0.8)
        .encode(
            x=alt.X("started:T", title="Month started", axis=alt.Axis(format="%b %Y", labelAngle=-45)),
            y=alt.Y("change_concept:N", title=None, sort=alt.EncodingSortField("started", op="min")),
            tooltip=[alt.Tooltip("started:T", format="%B %Y"), "change_concept:N", "idea:N", "pdsa_cycles:Q", "status:N"],
        )
        .properties(width=460, title="Change ideas tested")
    )


def concept_outcomes_plot(table: pd.DataFrame) -> alt.LayerChart:
    """Dot plot: per concept, the % of improving and of non-improving wards that tested it.

    ``table`` is :func:`rrp_helpers.concepts.concept_outcomes`; concepts are sorted by the
    difference between the two groups.
    """
    long = table.melt(
        id_vars=["change_concept", "difference_pct_points"],
        value_vars=["improving_pct", "not_improving_pct"],
        var_name="group",
        value_name="percent",
    )
    long["group"] = long["group"].map({"improving_pct": "Improving wards", "not_improving_pct": "Other wards"})
    order = list(table.sort_values("difference_pct_points", ascending=False)["change_concept"])
    base = alt.Chart(long).encode(y=alt.Y("change_concept:N", title=None, sort=order))
    link = base.mark_line(color=NHS_PALE_GREY, strokeWidth=3).encode(x="percent:Q", detail="change_concept:N")
    dots = base.mark_circle(size=60, opacity=1).encode(
        x=alt.X("percent:Q", title="% of the group that tested the concept"),
        color=alt.Color("group:N", title=None, scale=alt.Scale(domain=["Improving wards", "Other wards"], range=[NHS_BLUE, NHS_ORANGE])),
        tooltip=["change_concept:N", "group:N", alt.Tooltip("percent:Q", format=".0f")],
    )
    return alt.layer(link, dots).properties(width=420, title="Concepts tested by improving and other wards (association)")

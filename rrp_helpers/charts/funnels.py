"""A funnel plot: each unit's rate against its denominator, with the funnel's limits around the
collaborative's crude rate. Drawing only: the rates, limits and positions come from
:func:`rrp_helpers.sensitivity.ward_funnel` and :func:`~rrp_helpers.sensitivity.ward_funnel_limits`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from rrp_helpers.charts.theme import NHS_BLUE, NHS_DARK_BLUE, NHS_DARK_GREY, NHS_MID_GREY, NHS_ORANGE

__all__ = ["funnel_plot"]

#: Colours of the positions (highest first): a rate far above the others stands out most.
_POSITION_COLOURS = (NHS_ORANGE, "#F6C18A", NHS_MID_GREY, "#8FCBEF", NHS_BLUE)


def funnel_plot(units: pd.DataFrame, curves: pd.DataFrame, *, positions: tuple[str, ...], title: str,
                y_title: str, x_title: str = "Occupied bed days") -> alt.LayerChart:
    """``units`` (``label, bed_days, rate, position``) as points over ``curves`` (``bed_days,
    lcl95, ucl95, lcl998, ucl998, crude_rate``); ``positions`` names the positions in colour order."""
    limits = curves.melt(id_vars=["bed_days"], value_vars=["lcl95", "ucl95", "lcl998", "ucl998"], var_name="limit", value_name="rate")
    limits["level"] = limits["limit"].str[3:].map({"95": "95% limits", "998": "99.8% limits"})
    limits["side"] = limits["limit"].str[:3]
    x = alt.X("bed_days:Q", title=x_title, scale=alt.Scale(zero=False, nice=False), axis=alt.Axis(format=",.0f"))
    # The curves run high where the bed days are few: show the wards, not the curves' far ends.
    middle = float(curves["ucl998"].iloc[len(curves) // 2])  # the curve half-way along the bed days
    top = max(float(units["rate"].max()) if len(units) else 0.0, middle) * 1.25
    y = alt.Y("rate:Q", title=y_title, scale=alt.Scale(domain=[0, top], nice=True))
    lines = alt.Chart(limits).mark_line(color=NHS_DARK_GREY, strokeWidth=1, clip=True).encode(
        x=x, y=y,
        strokeDash=alt.StrokeDash("level:N", title=None, scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=[[5, 3], [1, 0]])),
        detail="limit:N")
    centre = alt.Chart(curves.iloc[[0]]).mark_rule(color=NHS_DARK_BLUE, strokeWidth=1.5).encode(
        y="crude_rate:Q", tooltip=[alt.Tooltip("crude_rate:Q", title="Collaborative rate", format=",.2f")])
    points = alt.Chart(units).mark_circle(size=60, opacity=1, stroke="white", strokeWidth=0.5).encode(
        x=x, y=y,
        color=alt.Color("position:N", title=None, scale=alt.Scale(domain=list(positions), range=list(_POSITION_COLOURS))),
        tooltip=[alt.Tooltip("label:N", title="Ward"), alt.Tooltip("rate:Q", title="Rate", format=",.2f"),
                 alt.Tooltip("bed_days:Q", title="Bed days", format=",.0f"), alt.Tooltip("position:N", title="Position")])
    return alt.layer(lines, centre, points).properties(title=title, width=560, height=300)

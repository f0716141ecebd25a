"""The summary matrix a board reads first: for the collaborative and every ward, each outcome
measure and the total, the team-level result and the two Making Data Count icons.

Every cell comes from the numbers its chart draws: the result from the sustained-change method
(:func:`rrp_helpers.outcomes.team_results`, :func:`~rrp_helpers.outcomes.collaborative_results`),
the icons (:mod:`rrp_helpers.mdc`) from the chart's own points
(:func:`rrp_helpers.chart_data.chart_points`), the assurance target being the aim line the chart
draws (the baseline mean reduced by ``aim_reduction_pct``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rrp_helpers import chart_data, mdc, outcomes, publish
from rrp_helpers.data import Collaborative
from rrp_helpers.results import published_table

__all__ = ["COLLABORATIVE", "ICON_COLUMNS", "VERDICTS", "icon_rows", "summary_matrix"]

#: The ``ward_id`` of the collaborative's own row.
COLLABORATIVE = "ALL"
#: Verdicts of a cell, from the team-level method, with their words.
VERDICTS = {"improvement": "sustained improvement", "concern": "sustained deterioration", "no_change": "no sustained change"}
_VERDICT_OF = {outcomes.SUSTAINED_IMPROVEMENT: "improvement", outcomes.SUSTAINED_DETERIORATION: "concern"}


def _result_text(verdict: str, change_pct: float, shift_start: str, direction_word: str) -> str:
    """e.g. "−57% from Nov 2018"; the direction only when the size is suppressed."""
    if verdict == "no_change":
        return "no sustained change"
    when = pd.Timestamp(f"{shift_start}-01").strftime("%b %Y")
    if np.isnan(change_pct):
        return f"sustained {direction_word} from {when} (size not shown: few incidents)"
    return f"{change_pct:+.0f}% from {when}".replace("-", "\u2212")


def _cells(results: pd.DataFrame, change_column: str, directions: dict[str, str | None]) -> pd.DataFrame:
    """Verdict, signed change against the baseline (percent, NaN when none or suppressed) and text."""
    cells = results.copy()
    cells["verdict"] = cells["sustained"].map(_VERDICT_OF).fillna("no_change")
    reduction = pd.to_numeric(cells[change_column], errors="coerce")
    cells["change_pct"] = np.where(cells["verdict"].eq("no_change"), np.nan, -reduction)
    falls = cells["measure"].map(lambda measure: directions.get(measure, "down") != "up").to_numpy()
    moved = np.where(cells["verdict"].eq("improvement").to_numpy() == falls, "reduction", "increase")
    cells["result"] = [
        _result_text(verdict, change, start, word)
        for verdict, change, start, word in zip(cells["verdict"], cells["change_pct"], cells["shift_start"], moved)
    ]
    return cells


ICON_COLUMNS = ["ward_id", "measure", "variation", "variation_text", "assurance", "assurance_text"]


def icon_rows(collab: Collaborative, points: pd.DataFrame) -> pd.DataFrame:
    """The two icons of each series of ``points`` (``chart_points`` with ``ward_id``): columns
    :data:`ICON_COLUMNS`; the assurance target is each series' aim line."""
    directions = {m.name: m.direction for m in collab.config.measures}
    points = points[points["measure"].isin(outcomes.reported_measures(collab))]
    targets = points.groupby(["ward_id", "measure"], sort=False)["aim"].first().rename("target").reset_index()
    return mdc.icon_table(points, directions, targets.dropna(subset=["target"]))[ICON_COLUMNS]


def summary_matrix(collab: Collaborative, *, publish_rule: publish.PublishRule | None = None,
                   points: pd.DataFrame | None = None, icons: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per ward (and the collaborative, ``ward_id`` :data:`COLLABORATIVE`) and measure.

    Columns ``ward_id, ward_name, trust, specialty, ward_type, measure, measure_label, verdict``
    (:data:`VERDICTS`), ``change_pct`` (the final phase's mean against the baseline mean, in
    percent, negative = lower; NaN with no sustained change or when published from few
    incidents), ``result`` (in words), ``variation``, ``variation_text``, ``assurance``,
    ``assurance_text``. ``points`` are :func:`rrp_helpers.chart_data.every_ward_points` when the
    caller has them (with the same ``publish_rule``). ``icons`` (:func:`icon_rows` of some wards,
    e.g. gathered from a batch's ward tasks) are used instead of computing every ward's points: a
    ward without is shown without icons. Wards and measures in the collaborative's order.
    """
    config = collab.config
    directions = {m.name: m.direction for m in config.measures}
    measures = outcomes.reported_measures(collab)
    whole = icon_rows(collab, chart_data.chart_points(collab, publish_rule=publish_rule).assign(ward_id=COLLABORATIVE))
    if icons is None:
        ward_points = chart_data.every_ward_points(collab, publish_rule=publish_rule) if points is None else points
        icons = icon_rows(collab, ward_points)
    icons = pd.concat([whole, icons[ICON_COLUMNS]], ignore_index=True)

    team = published_table("team_results", outcomes.team_results(collab), publish_rule)
    collaborative = published_table("collaborative_results", outcomes.collaborative_results(collab), publish_rule)
    cells = pd.concat([
        _cells(collaborative.assign(ward_id=COLLABORATIVE), "final_change_pct", directions),
        _cells(team, "reduction_pct", directions),
    ], ignore_index=True)[["ward_id", "measure", "verdict", "change_pct", "result"]]

    wards = collab.wards[["ward_id", "ward_name", "trust", "specialty", "ward_type"]].astype(str)
    whole_row = pd.DataFrame([{"ward_id": COLLABORATIVE, "ward_name": "Whole collaborative", "trust": "", "specialty": "",
                               "ward_type": ""}])
    rows = pd.concat([whole_row, wards], ignore_index=True)
    grid = rows.merge(pd.DataFrame({"measure": measures}), how="cross")
    grid["measure_label"] = grid["measure"].map(outcomes.measure_labels(collab))
    grid = grid.merge(cells, on=["ward_id", "measure"], how="left").merge(icons, on=["ward_id", "measure"], how="left")
    grid["verdict"] = grid["verdict"].fillna("no_change")
    grid["result"] = grid["result"].fillna("no monthly counts")
    for column in ("variation", "assurance"):
        grid[f"{column}_text"] = grid[f"{column}_text"].where(grid[column].notna(), f"{column.capitalize()} not computed: no report")
        grid[column] = grid[column].fillna("none")
    return grid[["ward_id", "ward_name", "trust", "specialty", "ward_type", "measure", "measure_label", "verdict",
                 "change_pct", "result", "variation", "variation_text", "assurance", "assurance_text"]]

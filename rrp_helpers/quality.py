"""Data quality: missing ward-months and agreement between the two data sources.

The paper's baseline came from incident reporting and its testing period from safety crosses;
23 wards later shared their incident counts for the testing period so that the two sources could
be cross-checked. :func:`source_agreement` does that check with Bland-Altman statistics.

Summaries that keep the charts small at any size (hundreds to thousands of wards):
:func:`pair_counts` merges identical pairs of the two sources, and :func:`missing_overview`
chooses between every ward's map of missing months and a per-month summary with the wards that
miss the most.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from rrp_helpers.data import Collaborative


def missing_ward_months(collab: Collaborative) -> pd.DataFrame:
    """One row per ward x month: how many of the measures are missing.

    Columns ``ward_id, month, measures_missing, measures_expected, status`` where status is
    ``complete``, ``partial`` or ``missing``. Suppressed values count as missing.
    """
    monthly = collab.monthly
    missing = monthly["count"].isna().astype("int64").groupby([monthly["ward_id"], monthly["month"]], sort=True)
    frame = pd.DataFrame({"measures_missing": missing.sum(), "measures_expected": missing.size()}).reset_index()
    frame["status"] = np.select(
        [frame["measures_missing"].eq(0), frame["measures_missing"].eq(frame["measures_expected"])],
        ["complete", "missing"],
        default="partial",
    )
    return frame


#: Statuses of a ward-month, from :func:`missing_ward_months`.
STATUSES = ("complete", "partial", "missing")
#: Beyond this many wards, :func:`missing_overview` summarises (a map of every ward would be too
#: tall to read) and :func:`rrp_helpers.concepts.concept_map` maps trusts instead of wards.
MAX_WARDS_DRAWN = 60
#: The most rows a chart's data may have: Altair's default data transformer refuses more.
MAX_CHART_ROWS = 5000


class MissingOverview(NamedTuple):
    """What :func:`rrp_helpers.charts.missing_heatmap` draws: ``missing_heatmap(*overview)``.

    ``missing`` holds the ward-months (rows of :func:`missing_ward_months`) of the wards drawn,
    ``wards`` those wards top to bottom. For a small collaborative they are every ward and
    ``by_month`` and ``wards_total`` are None; beyond that, ``wards`` are the wards with the most
    missing months, ``by_month`` is :func:`missing_by_month` of every ward and ``wards_total``
    the number of wards in the collaborative.
    """

    missing: pd.DataFrame
    wards: pd.DataFrame
    by_month: pd.DataFrame | None = None
    wards_total: int | None = None


def missing_by_month(missing: pd.DataFrame) -> pd.DataFrame:
    """Per month and status, how many wards and what share of the month's wards.

    ``missing`` is :func:`missing_ward_months`. Columns ``month, status, wards, wards_total,
    percent`` (``percent`` of ``wards_total``, the wards with a row that month), one row per month
    and status of :data:`STATUSES` (0 wards included), months in order.
    """
    columns = ["month", "status", "wards", "wards_total", "percent"]
    if missing.empty:
        return pd.DataFrame(columns=columns)
    counts = missing.groupby(["month", "status"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0).sort_index()
    counts.columns.name = "status"
    totals = counts.sum(axis=1)
    frame = counts.stack().rename("wards").reset_index()
    frame["wards"] = frame["wards"].astype("int64")
    frame["wards_total"] = frame["month"].map(totals).astype("int64")
    frame["percent"] = frame["wards"] / frame["wards_total"] * 100
    return frame[columns]


def most_missing_wards(missing: pd.DataFrame, wards: pd.DataFrame, n: int) -> pd.DataFrame:
    """The (at most) ``n`` wards with the most missing months, most first.

    Rows of ``wards`` with two more columns, ``months_missing`` and ``months_partial``; ranked by
    missing months, then partly missing months, then their order in ``wards``. Wards with every
    month complete are left out.
    """
    status = missing["status"]
    per_ward = (
        pd.DataFrame({"months_missing": status.eq("missing"), "months_partial": status.eq("partial")})
        .groupby(missing["ward_id"].to_numpy()).sum()
    )
    ranked = wards.join(per_ward, on="ward_id")
    ranked[["months_missing", "months_partial"]] = ranked[["months_missing", "months_partial"]].fillna(0).astype("int64")
    ranked = ranked[ranked["months_missing"].add(ranked["months_partial"]).gt(0)]
    ranked = ranked.sort_values(["months_missing", "months_partial"], ascending=False, kind="stable")
    return ranked.head(n).reset_index(drop=True)


def missing_overview(
    missing: pd.DataFrame, wards: pd.DataFrame, *, max_wards: int = MAX_WARDS_DRAWN, top: int = 40,
    max_rows: int = MAX_CHART_ROWS,
) -> MissingOverview:
    """What the map of missing ward-months shows, at any size: ``missing_heatmap(*overview)``.

    ``missing`` is :func:`missing_ward_months`, ``wards`` the collaborative's wards. Up to
    ``max_wards`` wards (and at most ``max_rows`` incomplete ward-months), every ward is drawn:
    ``MissingOverview(missing, wards)``. Beyond, the share of wards complete, partly missing and
    missing in each month (:func:`missing_by_month`) and the ``top`` wards with the most missing
    months (:func:`most_missing_wards`; fewer when the months are so many that their incomplete
    ward-months could pass ``max_rows``).
    """
    incomplete = int(missing["status"].ne("complete").sum())
    if len(wards) <= max_wards and incomplete <= max_rows:
        return MissingOverview(missing, wards)
    months = max(int(missing["month"].nunique()), 1)
    shown = most_missing_wards(missing, wards, max(1, min(top, max_rows // months)))
    cells = missing[missing["ward_id"].isin(shown["ward_id"])].reset_index(drop=True)
    return MissingOverview(cells, shown, missing_by_month(missing), len(wards))


def source_pairs(collab: Collaborative) -> pd.DataFrame:
    """Ward-months counted by both sources: safety cross (``monthly`` rows whose source is
    ``safety_cross``) and incident reports.

    Columns ``ward_id, month, measure, count_cross, count_report, mean_count, difference``
    (incident report minus safety cross; ``mean_count`` is their average, the Bland-Altman x).
    """
    crosses = collab.monthly[collab.monthly["source"].eq("safety_cross") & collab.monthly["count"].notna()]
    reports = collab.incident_reports
    keys = ["ward_id", "month", "measure"]
    paired = crosses[[*keys, "count"]].merge(reports[[*keys, "count"]], on=keys, suffixes=("_cross", "_report"))
    paired = paired[paired["count_report"].notna()].copy()
    paired["count_cross"] = paired["count_cross"].astype(float)
    paired["count_report"] = paired["count_report"].astype(float)
    paired["mean_count"] = (paired["count_cross"] + paired["count_report"]) / 2
    paired["difference"] = paired["count_report"] - paired["count_cross"]
    return paired.reset_index(drop=True)


def pair_counts(pairs: pd.DataFrame, *, max_rows: int = MAX_CHART_ROWS) -> pd.DataFrame:
    """:func:`source_pairs` with identical pairs merged: one row per measure and (incident
    reports, safety cross) pair of counts, with the number of ward-months that had it.

    Columns ``measure, count_report, count_cross, mean_count, difference, ward_months,
    rounded_to``, rows in the order each first occurs in ``pairs``. The rows are bounded by the
    counts seen, not by the number of wards. In the rare case that more than ``max_rows`` pairs
    differ, ``mean_count`` and ``difference`` are rounded to the nearest multiple of the smallest
    whole ``rounded_to`` that brings them under it (the two counts are then left empty);
    otherwise ``rounded_to`` is 1.
    """
    columns = ["measure", "count_report", "count_cross", "mean_count", "difference", "ward_months", "rounded_to"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    keys = ["measure", "count_report", "count_cross"]
    counts = pairs.groupby(keys, sort=False).size().rename("ward_months").reset_index()
    counts["mean_count"] = (counts["count_cross"] + counts["count_report"]) / 2
    counts["difference"] = counts["count_report"] - counts["count_cross"]
    counts["rounded_to"] = 1
    step = 1
    while len(counts) > max_rows:
        step += 1
        rounded = pairs[["measure"]].assign(
            mean_count=(pairs["mean_count"] / step).round() * step, difference=(pairs["difference"] / step).round() * step,
        )
        counts = rounded.groupby(list(rounded.columns), sort=False).size().rename("ward_months").reset_index()
        counts = counts.assign(count_report=math.nan, count_cross=math.nan, rounded_to=step)
    counts["ward_months"] = counts["ward_months"].astype("int64")
    return counts[columns]


def source_agreement(collab: Collaborative) -> pd.DataFrame:
    """Agreement of safety-cross and incident-report monthly counts, where a ward has both.

    Compares ``monthly`` counts whose source is ``safety_cross`` with ``incident_reports`` for the
    same ward, month and measure. One row per measure and one for ``all``; columns ``measure,
    wards, pairs, mean_difference, sd_difference, loa_lower, loa_upper,
    exact_agreement_pct, incidents`` (``incidents``: the two sources' counts added up, what the
    statistics are derived from). The difference is incident report minus safety cross (incidents per
    ward-month; ``pairs`` counts ward x month x measure comparisons); the 95 % limits of agreement are mean ± 1.96 SD (Bland and Altman). An empty
    frame (with these columns) when no ward has both sources.
    """
    columns = [
        "measure", "wards", "pairs", "mean_difference", "sd_difference", "loa_lower", "loa_upper",
        "exact_agreement_pct", "incidents",
    ]
    paired = source_pairs(collab)
    if paired.empty:
        return pd.DataFrame(columns=columns)
    order = [m for m in collab.config.measure_names() if m in set(paired["measure"])]
    rows = []
    for measure, part in [*((m, paired[paired["measure"].eq(m)]) for m in order), ("all", paired)]:
        difference = part["difference"]
        mean = float(difference.mean())
        sd = float(difference.std(ddof=1)) if len(difference) > 1 else np.nan
        rows.append(
            (
                measure,
                int(part["ward_id"].nunique()),
                int(len(part)),
                mean,
                sd,
                mean - 1.96 * sd,
                mean + 1.96 * sd,
                float(difference.eq(0).mean() * 100),
                float(part["count_cross"].sum() + part["count_report"].sum()),
            )
        )
    return pd.DataFrame(rows, columns=columns)

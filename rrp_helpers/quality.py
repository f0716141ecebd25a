"""Data quality: missing ward-months and agreement between the two data sources.

The paper's baseline came from incident reporting and its testing period from safety crosses;
23 wards later shared their incident counts for the testing period so that the two sources could
be cross-checked. :func:`source_agreement` does that check with Bland-Altman statistics.
"""

from __future__ import annotations

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

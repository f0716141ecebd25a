"""Compute every results table of a collaborative and write them as CSV files and one workbook.

Used by ``rrp results``; the notebooks call the same functions. Files are written atomically
(:mod:`rrp_helpers.files`), so an interrupted run leaves the previous file intact.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rrp_helpers import concepts, outcomes, publish, quality
from rrp_helpers.data import Collaborative
from rrp_helpers.files import atomic_path, write_atomic

#: File stem -> what the table holds (documented in the README).
TABLES = {
    "table1": "Table 1: wards by specialty, ward type and gender",
    "collaborative_results": "Collaborative-level means, % change and sustained shifts per measure",
    "team_results": "Team-level sustained change per ward and measure",
    "team_summary": "The paper's team-level sentences as counts, means and ranges",
    "table2": "Table 2: wards that tested each change concept",
    "concept_summary": "Change ideas per ward and concepts tested by many or few wards",
    "concept_outcomes": "Share of improving vs non-improving wards that tested each concept (association)",
    "engagement_outcomes": "Engagement of improving vs non-improving wards (association)",
    "source_agreement": "Safety cross vs incident reports: mean difference and limits of agreement",
    "collaborative_monthly": "Monthly sums across wards, with missing ward-months per month",
}


def compute_results(collab: Collaborative) -> dict[str, pd.DataFrame]:
    """All results tables, keyed by file stem (see :data:`TABLES`)."""
    ward_frame = outcomes.ward_monthly(collab)
    collab_frame = outcomes.collaborative_monthly(collab, ward_frame)
    team = outcomes.team_results(collab, ward_frame)
    collab_monthly = collab_frame.copy()
    collab_monthly["month"] = collab_monthly["month"].dt.strftime("%Y-%m")
    return {
        "table1": outcomes.table1(collab),
        "collaborative_results": outcomes.collaborative_results(collab, collab_frame),
        "team_results": team,
        "team_summary": outcomes.team_summary(collab, team),
        "table2": concepts.table2(collab),
        "concept_summary": concepts.concept_summary(collab),
        "concept_outcomes": concepts.concept_outcomes(collab, team),
        "engagement_outcomes": outcomes.engagement_outcomes(collab, team),
        "source_agreement": quality.source_agreement(collab),
        "collaborative_monthly": collab_monthly,
    }


#: Columns holding incident counts, per table: the ones ``--publish`` suppresses and rounds.
COUNT_COLUMNS = {"collaborative_monthly": ("count", "count_reported")}


def published_table(stem: str, table: pd.DataFrame, rule: publish.PublishRule | None) -> pd.DataFrame:
    """One results table as published: incident counts suppressed and rounded, floats rounded.

    ``rule=None`` returns the table unchanged (internal output). Counts of wards, concepts and
    ward-months are not incident counts and stay as they are; means and percentages summarise
    many months and are kept, rounded to whole numbers.
    """
    if rule is None:
        return table
    table = table.copy()
    for column in COUNT_COLUMNS.get(stem, ()):
        if column in table.columns:
            table[column] = publish.publish_counts(table[column], rule)
    floats = table.select_dtypes("float").columns
    table[floats] = table[floats].round(0)
    return table


def published(tables: dict[str, pd.DataFrame], rule: publish.PublishRule | None) -> dict[str, pd.DataFrame]:
    """Every table through :func:`published_table` (unchanged when ``rule`` is None)."""
    return {stem: published_table(stem, table, rule) for stem, table in tables.items()}


def write_results(
    tables: dict[str, pd.DataFrame], out_dir: str | Path, *, notice: str | None = None
) -> list[Path]:
    """Write each table as ``<stem>.csv`` and all of them as sheets of ``results.xlsx``.

    Floats are written with 4 decimals. ``notice`` (for published output) goes into
    ``NOTICE.txt`` and a first ``notice`` sheet of the workbook. Returns the paths written.
    """
    out_dir = Path(out_dir)
    written = []
    if notice:
        target = out_dir / "NOTICE.txt"
        write_atomic(target, notice + "\n")
        written.append(target)
    for stem, table in tables.items():
        target = out_dir / f"{stem}.csv"
        with atomic_path(target) as temporary:
            table.to_csv(temporary, index=False, lineterminator="\n", float_format="%.4f")
        written.append(target)
    target = out_dir / "results.xlsx"
    with atomic_path(target) as temporary:
        with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
            if notice:
                pd.DataFrame({"notice": [notice]}).to_excel(writer, sheet_name="notice", index=False)
            for stem, table in tables.items():
                table.to_excel(writer, sheet_name=stem[:31], index=False)
    written.append(target)
    return written

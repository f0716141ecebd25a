"""Compute every results table of a collaborative and write them as CSV files and one workbook.

Used by ``rrp results``; the notebooks call the same functions. Files are written atomically
(:mod:`rrp_helpers.files`), so an interrupted run leaves the previous file intact.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from rrp_helpers import concepts, outcomes, publish, quality, sensitivity
from rrp_helpers.data import Collaborative
from rrp_helpers.files import write_atomic
from rrp_helpers.outputs import check_folder, check_not_inputs, claim
from rrp_helpers.spreadsheets import write_csv, write_workbook

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
    "rule_sensitivity": "The team-level summary under the collaborative, mdc and ihi shift rules, side by side",
    "chance": "Per ward and measure: the chance the method reports a sustained reduction when nothing changed",
    "chance_summary": "Wards flagged by chance (expected, 95% interval) against wards flagged, per measure and any",
    "funnel": "Testing-period rates per occupied bed days compared across wards (funnel plot limits, outliers)",
}


def compute_results(collab: Collaborative, publish_rule: publish.PublishRule | None = None) -> dict[str, pd.DataFrame]:
    """All results tables, keyed by file stem (see :data:`TABLES`); as published (:func:`published`)
    when ``publish_rule`` is given."""
    ward_frame = outcomes.ward_monthly(collab)
    collab_frame = outcomes.collaborative_monthly(collab, ward_frame)
    team = outcomes.team_results(collab, ward_frame, publish_rule=publish_rule)
    collab_monthly = collab_frame.copy()
    collab_monthly["month"] = collab_monthly["month"].dt.strftime("%Y-%m")
    tables = {
        "table1": outcomes.table1(collab),
        "collaborative_results": outcomes.collaborative_results(collab, collab_frame, publish_rule=publish_rule),
        "team_results": team,
        "team_summary": outcomes.team_summary(collab, team),
        "table2": concepts.table2(collab),
        "concept_summary": concepts.concept_summary(collab),
        "concept_outcomes": concepts.concept_outcomes(collab, team),
        "engagement_outcomes": outcomes.engagement_outcomes(collab, team),
        "source_agreement": quality.source_agreement(collab),
        "collaborative_monthly": collab_monthly,
        "rule_sensitivity": sensitivity.rule_sensitivity(collab, ward_frame),
    }
    tables["chance"], tables["chance_summary"] = sensitivity.chance_tables(collab, ward_frame=ward_frame, team=team)
    tables["funnel"] = sensitivity.ward_funnel(collab, ward_frame)
    if publish_rule is None:
        return tables
    published_tables = published(tables, publish_rule)
    published_tables["team_summary"] = _published_team_summary(tables["team_summary"], team, publish_rule)
    published_tables["rule_sensitivity"] = pd.concat([
        _published_team_summary(block, sensitivity.preset_team_results(collab, str(rules), ward_frame), publish_rule)
        for rules, block in tables["rule_sensitivity"].groupby("rules", sort=False)
    ], ignore_index=True)
    return published_tables


#: Columns holding incident counts, per table: the ones ``--publish`` suppresses and rounds.
COUNT_COLUMNS = {"collaborative_monthly": ("count", "count_reported", "count_with_bed_days")}
_FROM_UNIT_INCIDENTS = ("incidents",)
_PERIODS = {"baseline_mean": ("baseline_incidents",), "testing_mean": ("testing_incidents",),
            "final_mean": ("final_incidents",)}
#: Statistics and the incident columns they are derived from, per table: a statistic from few
#: incidents is published as ``*`` (:func:`rrp_helpers.publish.suppress_statistics`).
STATISTIC_SOURCES: dict[str, dict[str, tuple[str, ...]]] = {
    "team_results": {**_PERIODS, "reduction_pct": ("baseline_incidents", "final_incidents")},
    "collaborative_results": {**_PERIODS, "change_pct": ("baseline_incidents", "testing_incidents"),
                              "final_change_pct": ("baseline_incidents", "final_incidents")},
    "collaborative_monthly": {"rate": ("count_with_bed_days",)},
    "source_agreement": {name: ("incidents",) for name in
                         ("mean_difference", "sd_difference", "loa_lower", "loa_upper", "exact_agreement_pct")},
    "chance": {name: ("baseline_incidents",) for name in ("baseline_mean", "p_false_reduction", "nb_size")},
    # A ward's rate, z-score and outlier flags say how many incidents it had; the limits do not.
    "funnel": {name: _FROM_UNIT_INCIDENTS for name in ("rate", "z", "outlier95", "outlier998")},
}
#: Statistics published with decimals (a probability rounded to a whole number says nothing).
STATISTIC_DECIMALS = {
    "chance": {"p_false_reduction": 4, "baseline_mean": 2, "nb_size": 2},
    "chance_summary": {"expected_wards": 2},
    "funnel": {"rate": 2, "expected": 1, "z": 2, "lcl95": 2, "ucl95": 2, "lcl998": 2, "ucl998": 2, "crude_rate": 2,
               "phi": 2, "tau2": 4},
}
_INCIDENT_COLUMNS = (*outcomes.INCIDENT_COLUMNS, "incidents")


def published_table(stem: str, table: pd.DataFrame, rule: publish.PublishRule | None) -> pd.DataFrame:
    """One results table as published: incident counts suppressed and rounded, statistics derived
    from few incidents suppressed, other numbers rounded to whole numbers (or the places of
    :data:`STATISTIC_DECIMALS`), and the incident totals behind the statistics left out.

    ``rule=None`` returns the table unchanged (internal output). Counts of wards, concepts and
    ward-months are not incident counts and stay as they are.
    """
    if rule is None:
        return table
    table = publish.suppress_statistics(table, rule, STATISTIC_SOURCES.get(stem, {}), STATISTIC_DECIMALS.get(stem))
    for column in COUNT_COLUMNS.get(stem, ()):
        if column in table.columns:
            table[column] = publish.publish_counts(table[column], rule)
    places = STATISTIC_DECIMALS.get(stem, {})
    for column in table.select_dtypes("float").columns:
        table[column] = table[column].round(places.get(column, 0))
    return table.drop(columns=[c for c in _INCIDENT_COLUMNS if c in table.columns])


def published(tables: dict[str, pd.DataFrame], rule: publish.PublishRule | None) -> dict[str, pd.DataFrame]:
    """Every table through :func:`published_table` (unchanged when ``rule`` is None)."""
    return {stem: published_table(stem, table, rule) for stem, table in tables.items()}


def _published_team_summary(summary: pd.DataFrame, team: pd.DataFrame, rule: publish.PublishRule) -> pd.DataFrame:
    """The team summary as published: the mean and range of the reductions of a measure are ``*``
    when a ward behind them has a reduction derived from few incidents (with the others published,
    it could be worked out from them)."""
    small = pd.Series(publish.is_small(team["baseline_incidents"], rule) | publish.is_small(team["final_incidents"], rule),
                      index=team.index)
    hidden = set(team.loc[small & team["sustained"].eq(outcomes.SUSTAINED_IMPROVEMENT), "measure"])
    table = published_table("team_summary", summary, rule)
    rows = table["statement"].eq("improved") & table["measure"].isin(hidden)
    for column in ("mean_reduction_pct", "min_reduction_pct", "max_reduction_pct"):
        table[column] = table[column].astype(object)
        table.loc[rows, column] = publish.SUPPRESSED
    return table


#: Every file ``rrp results`` writes (a folder holding only these is one it wrote before markers existed).
RESULT_FILES = frozenset({*(f"{stem}.csv" for stem in TABLES), "results.xlsx", "NOTICE.txt"})


def check_results_folder(out_dir: str | Path, *, inputs: Iterable[Path] = ()) -> None:
    """Refuse (UsageError), writing nothing, an ``out_dir`` that :func:`write_results` would
    refuse: called before the results are computed."""
    check_folder(out_dir, "rrp results", inputs=inputs, adopt=RESULT_FILES)
    check_not_inputs([Path(out_dir) / name for name in RESULT_FILES], inputs)


def write_results(
    tables: dict[str, pd.DataFrame], out_dir: str | Path, *, notice: str | None = None, inputs: Iterable[Path] = ()
) -> list[Path]:
    """Write each table as ``<stem>.csv`` and all of them as sheets of ``results.xlsx``.

    ``out_dir`` is claimed first (:func:`rrp_helpers.outputs.claim`: new, empty or written by rrp,
    never one of ``inputs`` nor a folder holding them). Floats are written with 4 decimals; text a
    spreadsheet would run as a formula is neutralised (:mod:`rrp_helpers.spreadsheets`). ``notice``
    (for published output) goes into ``NOTICE.txt`` and a first ``notice`` sheet of the workbook.
    Returns the paths written.
    """
    with claim(out_dir, "rrp results", inputs=inputs, adopt=RESULT_FILES) as out:
        targets = [out.path / f"{stem}.csv" for stem in tables] + [out.path / "results.xlsx"]
        check_not_inputs(targets + [out.path / "NOTICE.txt"], out.inputs)
        written = []
        if notice:
            write_atomic(out.path / "NOTICE.txt", notice + "\n")
            written.append(out.path / "NOTICE.txt")
        for stem, table in tables.items():
            write_csv(table, out.path / f"{stem}.csv")
            written.append(out.path / f"{stem}.csv")
        sheets = ({"notice": pd.DataFrame({"notice": [notice]})} if notice else {}) | tables
        write_workbook(sheets, out.path / "results.xlsx")
        written.append(out.path / "results.xlsx")
    return written

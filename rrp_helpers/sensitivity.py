"""How much of a collaborative's result the rules and chance could explain, and how its wards
compare with each other: the tables ``rrp results`` writes as ``rule_sensitivity``, ``chance``,
``chance_summary`` and ``funnel`` (``docs/design.md`` section 4; README, "Statistics").

* :func:`rule_sensitivity`: the team-level summary (``outcomes.team_summary``) under each rule
  preset's shift rule (``collaborative``: the collaborative's own ``shift_points``; ``mdc`` 7;
  ``ihi`` 6), side by side.
* :func:`chance_tables`: the sustained-change method run on simulated wards with no real change at
  each ward's own baseline level (:mod:`rrp_helpers.chance`), against the wards actually flagged.
* :func:`ward_funnel`: testing-period rates (every month's, when monitoring only) per
  ``rate_per`` occupied bed days of every ward with bed days, as a funnel plot against the collaborative's crude rate (:func:`rrp_helpers.funnel.rate_funnel`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from rrp_helpers import chance, funnel, outcomes
from rrp_helpers.data import Collaborative
from rrp_helpers.spc import RULE_PRESETS

__all__ = ["FUNNEL_POSITIONS", "CHANCE_RUNS", "CHANCE_SEED", "chance_runs", "preset_shift_points", "preset_team_results", "rule_sensitivity", "chance_tables",
           "ward_funnel", "ward_funnel_limits", "side_by_side"]

#: Where a ward lies against its measure's funnel, highest first.
FUNNEL_POSITIONS = ("above the 99.8% limit", "above the 95% limit", "within the limits", "below the 95% limit",
                    "below the 99.8% limit")
#: Simulated collaboratives per ``rrp results`` run, and their seed (results are reproducible).
CHANCE_RUNS = 10_000
CHANCE_SEED = 20181001
#: The simulation's cost is runs x series x months (a series: a ward's measure, or its total). Up
#: to this many, it runs CHANCE_RUNS collaboratives (the demo: 10,000); beyond, fewer, so that a
#: national collaborative's results take seconds, not hours, but never fewer than MIN_CHANCE_RUNS
#: (a ward's probability is then within about +/-0.07 at worst, 95 %; the collaborative's count
#: of wards, summed over many wards, far closer).
CHANCE_BUDGET = 60_000_000
MIN_CHANCE_RUNS = 200


def chance_runs(n_series: int, n_months: int) -> int:
    """How many collaboratives :func:`chance_tables` simulates for ``n_series`` series of
    ``n_months`` months: :data:`CHANCE_RUNS` within :data:`CHANCE_BUDGET`, fewer beyond."""
    return int(min(CHANCE_RUNS, max(MIN_CHANCE_RUNS, CHANCE_BUDGET // max(1, n_series * n_months))))


def preset_shift_points(collab: Collaborative) -> dict[str, int]:
    """The shift rule of each preset: the collaborative's own setting, then ``mdc`` and ``ihi``."""
    return {"collaborative": collab.config.shift_points, "mdc": RULE_PRESETS["mdc"].shift_points,
            "ihi": RULE_PRESETS["ihi"].shift_points}


def preset_team_results(collab: Collaborative, rules: str, ward_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """``outcomes.team_results`` with the shift rule of preset ``rules``."""
    shift_points = preset_shift_points(collab)[rules]
    under = dataclasses.replace(collab, config=dataclasses.replace(collab.config, shift_points=shift_points))
    return outcomes.team_results(under, ward_frame)


def rule_sensitivity(collab: Collaborative, ward_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """``outcomes.team_summary`` under each rule preset, one block after another.

    Columns ``rules, shift_points`` then the summary's. The sustained-change method uses the shift
    rule only (a run of ``shift_points`` months on one side of the centre line); ``collaborative``
    is the collaborative's own setting."""
    frame = outcomes.ward_monthly(collab) if ward_frame is None else ward_frame
    blocks = []
    for rules, shift_points in preset_shift_points(collab).items():
        summary = outcomes.team_summary(collab, preset_team_results(collab, rules, frame))
        summary.insert(0, "shift_points", shift_points)
        summary.insert(0, "rules", rules)
        blocks.append(summary)
    return pd.concat(blocks, ignore_index=True)


def chance_tables(collab: Collaborative, *, runs: int | None = None, seed: int = CHANCE_SEED,
                  ward_frame: pd.DataFrame | None = None, team: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(chance, chance_summary)``: each ward x measure's probability of a false sustained
    reduction (columns ``ward_id, measure, baseline_mean, model, p_false_reduction, nb_size,
    baseline_months, baseline_incidents``), and per measure and for ``any`` the wards expected
    to be flagged by chance with a 95 % interval against those observed (``chance.chance_summary``).
    Empty frames for a monitoring-only collaborative (no testing period). ``runs``: simulated
    collaboratives, by default :func:`chance_runs` of the collaborative's size."""
    config = collab.config
    if config.testing_start is None:
        return pd.DataFrame(), pd.DataFrame()
    frame = outcomes.ward_monthly(collab) if ward_frame is None else ward_frame
    measures = outcomes.outcome_measures(collab)
    baseline = frame[frame["period"].eq("baseline") & frame["measure"].isin(measures)][["ward_id", "measure", "month", "count"]]
    if runs is None:
        n_outputs = len(measures) + (1 if len(measures) >= 2 else 0)  # the measures, and their total
        runs = chance_runs(baseline["ward_id"].nunique() * n_outputs, len(config.months()))
    simulation = chance.simulate_chance(
        baseline, n_baseline=len(config.baseline_months()), n_testing=len(config.months()) - len(config.baseline_months()),
        shift_points=config.shift_points, runs=runs, seed=seed, measures=measures,
    )
    team = outcomes.team_results(collab, frame) if team is None else team
    summary = chance.chance_summary(simulation, chance.observed_improvements(team, measures))
    table = simulation.table.merge(team[["ward_id", "measure", "baseline_incidents"]], on=["ward_id", "measure"], how="left")
    return table, summary


def ward_funnel(collab: Collaborative, ward_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Testing-period incidents per ``rate_per`` occupied bed days of each ward and measure,
    compared across wards (a funnel plot; :func:`rrp_helpers.funnel.rate_funnel`, overdispersion
    by 10 % truncation).

    One row per ward x measure with bed days: ``measure, ward_id, incidents, bed_days, rate,
    expected, z, lcl95, ucl95, lcl998, ucl998, outlier95, outlier998, crude_rate, phi, tau2,
    adjusted_limits`` (rates and limits per ``rate_per`` bed days; ``adjusted_limits``: widened for
    overdispersion, phi > 1), ``position`` (one of :data:`FUNNEL_POSITIONS`).
    Only months with both a count and bed days count (of the testing period, or of every month
    for a monitoring-only collaborative); wards without bed days are left out, and a measure with
    no incident in any ward has no funnel."""
    config = collab.config
    frame = outcomes.ward_monthly(collab) if ward_frame is None else ward_frame
    # The testing period; every month when there is none (a monitoring-only collaborative: e.g. providers).
    period = frame["period"].eq("testing") if config.testing_start is not None else frame["count"].notna()
    testing = frame[period & frame["count"].notna() & frame["occupied_bed_days"].gt(0)]
    columns = ["measure", "ward_id", "incidents", "bed_days", "rate", "expected", "z", "lcl95", "ucl95", "lcl998",
               "ucl998", "outlier95", "outlier998", "crude_rate", "phi", "tau2", "adjusted_limits"]
    if testing.empty:
        return pd.DataFrame(columns=[*columns, "position"])
    totals = testing.groupby(["measure", "ward_id"], sort=False).agg(incidents=("count", "sum"), bed_days=("occupied_bed_days", "sum"))
    blocks = []
    for measure in outcomes.reported_measures(collab):
        if measure not in totals.index.get_level_values("measure"):
            continue
        rows = totals.loc[measure]
        if rows["incidents"].sum() == 0:
            continue
        plot = funnel.rate_funnel(rows["incidents"], rows["bed_days"], per=config.rate_per, unit=rows.index)
        plot = plot.rename(columns={"unit": "ward_id", "numerator": "incidents", "denominator": "bed_days"})
        plot.insert(0, "measure", measure)
        plot["crude_rate"] = plot.attrs["target"]
        plot["phi"], plot["tau2"] = plot.attrs["phi"], plot.attrs["tau2"]
        blocks.append(plot[columns])
    if not blocks:
        return pd.DataFrame(columns=[*columns, "position"])
    result = pd.concat(blocks, ignore_index=True)
    result[["outlier95", "outlier998", "adjusted_limits"]] = result[["outlier95", "outlier998", "adjusted_limits"]].astype(bool)
    high = result["rate"] > result["crude_rate"]
    result["position"] = np.select(
        [result["outlier998"] & high, result["outlier95"] & high, result["outlier998"], result["outlier95"]],
        [FUNNEL_POSITIONS[0], FUNNEL_POSITIONS[1], FUNNEL_POSITIONS[4], FUNNEL_POSITIONS[3]], FUNNEL_POSITIONS[2])
    return result.astype({"incidents": np.float64, "bed_days": np.float64})


def ward_funnel_limits(table: pd.DataFrame, *, per: float, points: int = 80) -> pd.DataFrame:
    """The curves of each measure's funnel (:func:`ward_funnel`'s ``table``): ``measure,
    bed_days, lcl95, ucl95, lcl998, ucl998, crude_rate`` on ``points`` bed-day values spaced
    evenly on a log scale from half the smallest ward's to 1.2 times the largest's."""
    curves = []
    for measure, rows in table.groupby("measure", sort=False):
        first = rows.iloc[0]
        grid = np.geomspace(rows["bed_days"].min() / 2, rows["bed_days"].max() * 1.2, points)
        curve = funnel.rate_limits(grid, pooled_rate=float(first["crude_rate"]) / per, per=per,
                                   tau2=float(first["tau2"]) if first["adjusted_limits"] else 0.0,
                                   adjusted=bool(first["adjusted_limits"]))
        curve.insert(0, "measure", measure)
        curve["crude_rate"] = float(first["crude_rate"])
        curves.append(curve)
    return pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
        columns=["measure", "bed_days", "lcl95", "ucl95", "lcl998", "ucl998", "crude_rate"])


def side_by_side(rule_table: pd.DataFrame) -> pd.DataFrame:
    """:func:`rule_sensitivity`'s blocks side by side: one row per statement and measure, the
    wards (and the mean reduction, percent) under each preset's shift rule in columns."""
    label = rule_table["rules"] + " (shift " + rule_table["shift_points"].astype(str) + ")"
    wide = rule_table.assign(rules=label).pivot_table(
        index=["statement", "measure"], columns="rules", values=["wards", "mean_reduction_pct"], aggfunc="first", sort=False)
    order = list(dict.fromkeys(label))
    wide = wide.reindex(columns=pd.MultiIndex.from_product([["wards", "mean_reduction_pct"], order]))
    statements = rule_table[["statement", "measure"]].drop_duplicates()
    return wide.reindex(pd.MultiIndex.from_frame(statements))

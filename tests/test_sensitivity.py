"""rrp_helpers.sensitivity: the tables of ``rrp results`` that say how much the rules and chance
could explain, and how the wards compare; expectations from the demo's counts or from the
properties the method must have, not from the module's output."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rrp_helpers import outcomes, publish, results, sensitivity
from rrp_helpers.data import load_collaborative

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def collab():
    return load_collaborative(ROOT / "data" / "demo")


def test_rule_sensitivity_puts_the_presets_side_by_side(collab):
    table = sensitivity.rule_sensitivity(collab)
    assert list(dict.fromkeys(table["rules"])) == ["collaborative", "mdc", "ihi"]
    assert dict(zip(table["rules"], table["shift_points"])) == {"collaborative": 8, "mdc": 7, "ihi": 6}
    own = table[table["rules"].eq("collaborative")].drop(columns=["rules", "shift_points"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(own, outcomes.team_summary(collab))
    # A run of 8 contains a run of 7, which contains a run of 6: a shorter rule flags at least as many wards.
    improved_any = table[table["statement"].eq("improved_any")].set_index("rules")["wards"]
    assert improved_any["collaborative"] <= improved_any["mdc"] <= improved_any["ihi"]
    wide = sensitivity.side_by_side(table)
    assert wide.loc[("improved_any", "any"), ("wards", "mdc (shift 7)")] == improved_any["mdc"]


def test_chance_tables_count_the_flags_against_the_simulation(collab):
    chance, summary = sensitivity.chance_tables(collab, runs=400, seed=1)
    team = outcomes.team_results(collab)
    assert len(chance) == len(collab.wards) * 4
    any_row = summary.set_index("measure").loc["any"]
    assert any_row["observed_wards"] == outcomes.team_summary(collab, team).set_index("statement").at["improved_any", "wards"]
    assert any_row["interval_low"] <= any_row["expected_wards"] <= any_row["interval_high"]
    assert chance["p_false_reduction"].between(0, 1).all()
    again, _ = sensitivity.chance_tables(collab, runs=400, seed=1)
    pd.testing.assert_frame_equal(chance, again)  # seeded: the same numbers every run


def test_ward_funnel_rates_are_the_testing_periods(collab):
    table = sensitivity.ward_funnel(collab)
    monthly = outcomes.ward_monthly(collab)
    testing = monthly[monthly["period"].eq("testing") & monthly["count"].notna() & monthly["occupied_bed_days"].gt(0)]
    totals = testing.groupby(["measure", "ward_id"])[["count", "occupied_bed_days"]].sum()
    row = table[table["measure"].eq("total") & table["ward_id"].eq("laurel")].iloc[0]
    assert row["incidents"] == totals.loc[("total", "laurel"), "count"]
    assert row["bed_days"] == totals.loc[("total", "laurel"), "occupied_bed_days"]
    assert row["rate"] == pytest.approx(row["incidents"] / row["bed_days"] * 1000)
    crude = totals.loc["total", "count"].sum() / totals.loc["total", "occupied_bed_days"].sum() * 1000
    assert table.loc[table["measure"].eq("total"), "crude_rate"].unique() == pytest.approx([crude])
    above = table["rate"] > table["crude_rate"]
    assert (table.loc[table["outlier998"] & above, "position"] == "above the 99.8% limit").all()
    assert (table.loc[~table["outlier95"], "position"] == "within the limits").all()
    curves = sensitivity.ward_funnel_limits(table[table["measure"].eq("total")], per=1000, points=5)
    assert (curves["lcl998"] < curves["lcl95"]).all() and (curves["ucl95"] < curves["ucl998"]).all()


def test_a_monitoring_only_collaborative_compares_every_month():
    providers = load_collaborative(ROOT / "data" / "nhs_mhsds_sample" / "collaborative")
    table = sensitivity.ward_funnel(providers)
    assert len(table) > 50 and set(table["measure"]) == {"mhs76"}
    chance, summary = sensitivity.chance_tables(providers)
    assert chance.empty and summary.empty  # no testing period: nothing to flag


def test_published_tables_keep_probabilities_and_hide_rates_from_few_incidents(collab):
    tables = results.compute_results(collab, publish_rule=publish.PublishRule(threshold=100))
    chance = tables["chance"]
    assert "baseline_incidents" not in chance.columns
    shown = chance.loc[chance["p_false_reduction"].ne(publish.SUPPRESSED), "p_false_reduction"]
    assert len(shown) and shown.map(lambda text: len(text.split(".")[1]) == 4).all()
    funnel = tables["funnel"]
    assert "incidents" not in funnel.columns and (funnel["rate"] == publish.SUPPRESSED).any()
    assert set(funnel["outlier95"]) <= {"True", "False", publish.SUPPRESSED}
    assert not np.isnan(funnel["lcl95"].astype(float)).any()  # the limits are not the ward's own

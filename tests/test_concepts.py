"""rrp_helpers.concepts: Table 2, the concept summary and concept outcomes on a tiny hand-made
collaborative, with expected values worked by hand."""

import pytest

from outcomes_support import MEASURES, full_rows, with_shift_rule
from rrp_helpers import concepts, outcomes
from rrp_helpers.data import load_collaborative


def test_concept_tables(make_collaborative):
    wards = [{"ward_id": w} for w in ("a", "b", "c")]
    improving = {"restraint": [9, 9, 9, 1, 1, 1], "seclusion": [1] * 6, "rapid_tranquillisation": [1] * 6}
    flat = {m: [2] * 6 for m in MEASURES}
    rows = full_rows("a", improving) + full_rows("b", flat) + full_rows("c", flat)
    ideas = [
        {"ward_id": "a", "idea_id": "a1", "idea": "x", "change_concept": "Safety huddles", "started": "2020-04"},
        {"ward_id": "a", "idea_id": "a2", "idea": "y", "change_concept": "Safety huddles", "started": "2020-05"},
        {"ward_id": "b", "idea_id": "b1", "idea": "z", "change_concept": "Safety huddles", "started": "2020-04"},
        {"ward_id": "c", "idea_id": "c1", "idea": "w", "change_concept": "Smoke free", "started": "2020-04"},
    ]
    collab = with_shift_rule(load_collaborative(make_collaborative(wards, rows, change_ideas=ideas)), 3)
    table = concepts.table2(collab).set_index("change_concept")
    assert table.loc["Safety huddles", "wards"] == 2 and table.loc["Safety huddles", "percent"] == 67
    assert table.loc["Smoke free", "wards"] == 1 and table.loc["Recovery focus", "wards"] == 0
    summary = concepts.concept_summary(collab).set_index("item")
    assert summary.loc["ward_concept_pairs", "value"] == 3
    assert summary.loc["ideas_per_ward_mean", "value"] == pytest.approx(4 / 3)
    assert (summary.loc["ideas_per_ward_min", "value"], summary.loc["ideas_per_ward_max", "value"]) == (1, 2)
    assert summary.loc["concepts_tested_by_over_half", "detail"] == "Safety huddles"
    team = outcomes.team_results(collab)
    table = concepts.concept_outcomes(collab, team).set_index("change_concept")
    huddles = table.loc["Safety huddles"]
    # One improving ward (a, tested it) and two not improving (b tested it, c did not).
    assert (huddles["improving_tested"], huddles["improving_pct"]) == (1, 100.0)
    assert (huddles["not_improving_tested"], huddles["not_improving_pct"]) == (1, 50.0)
    assert huddles["difference_pct_points"] == 50.0


def test_trust_concepts_share_of_each_trusts_wards(make_collaborative):
    wards = [{"ward_id": "a", "trust": "North"}, {"ward_id": "b", "trust": "North"}, {"ward_id": "c", "trust": "South"},
             {"ward_id": "d", "trust": "East"}]
    rows = [row for w in "abcd" for row in full_rows(w, {m: [2] * 6 for m in MEASURES})]
    ideas = [
        {"ward_id": "a", "idea_id": "a1", "idea": "x", "change_concept": "Safety huddles", "started": "2020-04"},
        {"ward_id": "a", "idea_id": "a2", "idea": "y", "change_concept": "Safety huddles", "started": "2020-05"},
        {"ward_id": "c", "idea_id": "c1", "idea": "z", "change_concept": "Safety huddles", "started": "2020-04"},
        {"ward_id": "b", "idea_id": "b1", "idea": "w", "change_concept": "Smoke free", "started": "2020-04"},
    ]
    collab = load_collaborative(make_collaborative(wards, rows, change_ideas=ideas))
    table = concepts.trust_concepts(collab).set_index(["trust", "change_concept"])
    assert list(dict.fromkeys(table.index.get_level_values("trust"))) == ["East", "North", "South"]  # by name
    assert len(table) == 3 * len(collab.change_package)  # every concept, tested or not
    assert table.loc[("North", "Safety huddles"), ["wards_tested", "trust_wards", "percent"]].tolist() == [1, 2, 50.0]
    assert table.loc[("North", "Smoke free"), "percent"] == 50.0 and table.loc[("South", "Safety huddles"), "percent"] == 100.0
    assert table.loc[("East", "Safety huddles"), "wards_tested"] == 0 and table["trusts_total"].eq(3).all()
    # Only the trusts with the most wards when capped (ties by name), still listed by name.
    assert concepts.trust_concepts(collab, max_trusts=2)["trust"].unique().tolist() == ["East", "North"]
    # concept_map: a ward map up to max_wards wards, the trust map beyond.
    assert "ward_id" in concepts.concept_map(collab, max_wards=4).columns
    assert "trust" in concepts.concept_map(collab, max_wards=3).columns

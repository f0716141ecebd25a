"""Change concepts: Table 2 of the paper and what the paper could not show.

All functions take the loaded :class:`~rrp_helpers.data.Collaborative` and return tidy frames.
A ward *tested* a concept when its change-idea log holds at least one idea in that concept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rrp_helpers.data import Collaborative
from rrp_helpers.outcomes import SUSTAINED_IMPROVEMENT, percent_half_up


def ward_concepts(collab: Collaborative) -> pd.DataFrame:
    """Distinct ward x change-concept pairs, with the number of ideas and the first start month.

    Columns ``ward_id, change_concept, ideas, first_started``.
    """
    ideas = collab.change_ideas
    pairs = ideas.groupby(["ward_id", "change_concept"], sort=True).agg(
        ideas=("idea_id", "size"), first_started=("started", "min")
    )
    return pairs.reset_index()


def table2(collab: Collaborative) -> pd.DataFrame:
    """Table 2: the number and percentage of wards that tested ideas within each change concept.

    Columns ``primary_driver, secondary_driver, change_concept, wards, percent``, in the change
    package's order; ``percent`` is of all wards in the collaborative, rounded half up as printed.
    Concepts nobody tested are listed with 0.
    """
    package = collab.change_package[["primary_driver", "secondary_driver", "change_concept"]].copy()
    tested = ward_concepts(collab).groupby("change_concept").size()
    package["wards"] = package["change_concept"].map(tested).fillna(0).astype(int)
    package["percent"] = percent_half_up(package["wards"], len(collab.wards)).astype(int)
    return package.reset_index(drop=True)


def concept_summary(collab: Collaborative) -> pd.DataFrame:
    """The paper's sentences about change ideas, as a table of ``item, value, detail``.

    Items: ``ward_concept_pairs`` (348 in the paper), ``ideas`` (all ideas logged),
    ``ideas_per_ward_mean`` / ``_min`` / ``_max``, ``concepts_tested_by_over_half``,
    ``concepts_tested_by_under_5pct`` (fewer than 5 % of wards, untested ones included),
    ``concepts_tested_by_one_ward`` and ``concepts_not_tested``; ``detail`` names the concepts.
    The paper prints both "seven" and "six" concepts tested by under 5 % of wards: seven counts
    the untested concept, six does not; both are here.
    """
    n_wards = len(collab.wards)
    table = table2(collab)
    per_ward = collab.change_ideas.groupby("ward_id").size().reindex(collab.wards["ward_id"], fill_value=0)

    def names(mask: pd.Series) -> str:
        return "; ".join(table.loc[mask, "change_concept"])

    over_half = table["wards"] > n_wards / 2
    under_5 = table["wards"] < 0.05 * n_wards
    one_ward = table["wards"].eq(1)
    none = table["wards"].eq(0)
    rows = [
        ("ward_concept_pairs", int(table["wards"].sum()), ""),
        ("ideas", int(per_ward.sum()), ""),
        ("ideas_per_ward_mean", float(per_ward.mean()), ""),
        ("ideas_per_ward_min", int(per_ward.min()), ""),
        ("ideas_per_ward_max", int(per_ward.max()), ""),
        ("concepts_tested_by_over_half", int(over_half.sum()), names(over_half)),
        ("concepts_tested_by_under_5pct", int(under_5.sum()), names(under_5)),
        ("concepts_tested_by_one_ward", int(one_ward.sum()), names(one_ward)),
        ("concepts_not_tested", int(none.sum()), names(none)),
    ]
    return pd.DataFrame(rows, columns=["item", "value", "detail"])


def improving_wards(collab: Collaborative, team_results: pd.DataFrame) -> pd.Series:
    """Boolean per ward_id: a sustained improvement in at least one outcome measure."""
    outcome_measures = [m.name for m in collab.config.measures if m.kind == "outcome"]
    improved = team_results[
        team_results["measure"].isin(outcome_measures) & team_results["sustained"].eq(SUSTAINED_IMPROVEMENT)
    ]["ward_id"].unique()
    wards = collab.wards["ward_id"]
    return pd.Series(wards.isin(improved).to_numpy(), index=wards.to_numpy(), name="improving")


def concept_outcomes(collab: Collaborative, team_results: pd.DataFrame) -> pd.DataFrame:
    """For each change concept, the share of improving and of non-improving wards that tested it.

    Columns ``primary_driver, secondary_driver, change_concept, wards_tested,
    improving_tested, improving_pct, not_improving_tested, not_improving_pct,
    difference_pct_points``. Descriptive only: an association, not an effect. Wards chose their
    own ideas, so a concept popular among improving wards may reflect the wards, not the idea.
    """
    improving = improving_wards(collab, team_results)
    n_improving = int(improving.sum())
    n_not = int((~improving).sum())
    pairs = ward_concepts(collab)
    pairs["improving"] = pairs["ward_id"].map(improving).astype(bool)
    counts = pairs.groupby("change_concept").agg(
        wards_tested=("ward_id", "size"), improving_tested=("improving", "sum")
    )
    table = collab.change_package[["primary_driver", "secondary_driver", "change_concept"]].copy()
    table = table.join(counts, on="change_concept")
    table[["wards_tested", "improving_tested"]] = table[["wards_tested", "improving_tested"]].fillna(0).astype(int)
    table["not_improving_tested"] = table["wards_tested"] - table["improving_tested"]
    with np.errstate(invalid="ignore", divide="ignore"):
        table["improving_pct"] = table["improving_tested"] / n_improving * 100 if n_improving else np.nan
        table["not_improving_pct"] = table["not_improving_tested"] / n_not * 100 if n_not else np.nan
    table["difference_pct_points"] = table["improving_pct"] - table["not_improving_pct"]
    columns = [
        "primary_driver", "secondary_driver", "change_concept", "wards_tested", "improving_tested", "improving_pct",
        "not_improving_tested", "not_improving_pct", "difference_pct_points",
    ]
    return table[columns].reset_index(drop=True)


def trust_concepts(collab: Collaborative, *, max_trusts: int = 60, max_rows: int = 5000) -> pd.DataFrame:
    """Trust x change-concept: how many of each trust's wards tested ideas in the concept.

    Columns ``trust, trust_wards, change_concept, wards_tested, percent, trusts_total``: one row
    per trust shown and concept (0 wards included), trusts sorted by name, concepts in the change
    package's order (then any concept logged but not in the package). ``percent`` is of the
    trust's wards; ``trusts_total`` the number of trusts in the collaborative. At most
    ``max_trusts`` trusts are shown, those with the most wards (ties by name), and fewer when
    there are so many concepts that the rows would pass ``max_rows``.
    """
    columns = ["trust", "trust_wards", "change_concept", "wards_tested", "percent", "trusts_total"]
    wards = collab.wards[["ward_id", "trust"]].fillna({"trust": "(no trust)"})
    pairs = ward_concepts(collab)
    concepts = list(dict.fromkeys([*collab.change_package["change_concept"], *pairs["change_concept"]]))
    if not concepts or wards.empty:
        return pd.DataFrame(columns=columns)
    sizes = wards.groupby("trust").size().rename("trust_wards").reset_index()
    cap = max(1, min(max_trusts, max_rows // len(concepts)))
    shown = sizes.sort_values(["trust_wards", "trust"], ascending=[False, True], kind="stable").head(cap)
    shown = shown.sort_values("trust", kind="stable")
    pairs = pairs.merge(wards, on="ward_id", how="inner")
    tested = pairs.groupby(["trust", "change_concept"]).size()
    grid = pd.MultiIndex.from_product([shown["trust"], concepts], names=["trust", "change_concept"])
    frame = tested.reindex(grid, fill_value=0).rename("wards_tested").reset_index()
    frame = frame.merge(shown, on="trust", how="left")
    frame["wards_tested"] = frame["wards_tested"].astype("int64")
    frame["percent"] = frame["wards_tested"] / frame["trust_wards"] * 100
    frame["trusts_total"] = len(sizes)
    return frame[columns]


def concept_map(collab: Collaborative, *, max_wards: int = 60, max_trusts: int = 60) -> pd.DataFrame:
    """What :func:`rrp_helpers.charts.concept_heatmap` draws, at any size.

    Up to ``max_wards`` wards, :func:`ward_concepts` (a map ward by ward); beyond, a map trust by
    trust, :func:`trust_concepts` (at most ``max_trusts`` trusts), since a column per ward would
    be too wide to read (and too big for a browser to draw).
    """
    if len(collab.wards) <= max_wards:
        return ward_concepts(collab)
    return trust_concepts(collab, max_trusts=max_trusts)

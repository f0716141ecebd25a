"""Synthetic demo collaborative built to the design of the paper.

The paper (Shah et al., BJHM 2022) publishes only summaries: Table 1, collaborative means,
counts of improving wards and the change-concept tally of Table 2. This module builds a
*fictional* collaborative of 38 wards whose data, analysed with the workbook's own methods,
recover those published figures. Nothing in it is real: ward and trust names are invented and
every count is drawn from a seeded random generator.

How the design is met:

* Table 1 and Table 2 are matched exactly by construction (characteristics are dealt from the
  published counts; the ward x change-concept matrix has the published column sums).
* Team-level results are matched by *design and verification*: each ward is given a target
  (which measures improve, by how much, which deteriorate, which stay flat); its monthly counts
  are drawn, analysed with :func:`rrp_helpers.outcomes.sustained_change`, and redrawn (with a
  new, deterministic random stream) until the analysis agrees with the design. The method is
  never adjusted to fit the data.
* Collaborative means are calibrated in expectation from the wards' targets.

The same ``seed`` always gives byte-identical files.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rrp_helpers.data.contract import TABLES
from rrp_helpers.outputs import write_collaborative
from rrp_helpers.paths import shipped_change_package_path
from rrp_helpers.outcomes import (
    SUSTAINED_DETERIORATION,
    SUSTAINED_IMPROVEMENT,
    SUSTAINED_NONE,
    sustained_change,
)

DEFAULT_SEED = 20181001
MEASURE_ORDER = ("restraint", "seclusion", "rapid_tranquillisation")
BASELINE = ("2017-08", "2018-07")
TESTING = ("2018-08", "2020-02")
SHIFT_POINTS = 8

# Published figures the demo is built to (../shared/reference/paper_figures.json).
BASELINE_MEANS = {"restraint": 468.0, "seclusion": 150.0, "rapid_tranquillisation": 165.0}
TESTING_MEANS = {"restraint": 377.0, "seclusion": 166.0, "rapid_tranquillisation": 123.0}
REDUCTION_TARGETS = {  # (mean, min, max) of the improving wards' reductions, per cent
    "restraint": (66.0, 34.0, 91.0),
    "seclusion": (61.0, 25.0, 100.0),
    "rapid_tranquillisation": (68.0, 48.0, 94.0),
}
TABLE1 = {
    "specialty": {
        "General adult": 25,
        "Forensic adult": 7,
        "Child and adolescent mental health services (including forensic)": 5,
        "Older adult": 1,
    },
    "ward_type": {
        "Psychiatric intensive care unit": 22,
        "Acute/assessment": 15,
        "High-dependency unit": 1,
    },
    "gender": {"Mixed gender": 23, "Male": 10, "Female": 5},
}
N_WARDS = 38
N_TRUSTS = 26
IDEAS_TOTAL = 570  # mean 15 ideas per ward
IDEAS_MIN, IDEAS_MAX = 2, 41
INCIDENT_REPORT_WARDS = 23
# Per measure: how many of the non-improving wards deteriorate, and by what factor.
WORSENING = {"restraint": (4, 1.6), "seclusion": (9, 1.9), "rapid_tranquillisation": (3, 1.6)}

# Which measures improve, per ward group, and whether the ward's total improves (R = restraint,
# S = seclusion, T = rapid tranquillisation). Counts give 24 improving wards (9 in one measure,
# 12 in two, 3 in three); 15 / 13 / 14 wards improve in R / S / T and 17 in the total.
DESIGN_GROUPS: tuple[tuple[str, int, bool], ...] = (
    ("RST", 3, True),
    ("RS", 4, True),
    ("RT", 5, True),
    ("ST", 3, True),
    ("R", 2, True),
    ("R", 1, False),
    ("S", 3, False),
    ("T", 3, False),
    ("", 14, False),
)
_LETTER = {"R": "restraint", "S": "seclusion", "T": "rapid_tranquillisation"}

WARD_NAMES = (
    "Alder", "Ash", "Aspen", "Beech", "Birch", "Blackthorn", "Bramble", "Cedar", "Cherry",
    "Chestnut", "Cypress", "Elder", "Elm", "Fir", "Hawthorn", "Hazel", "Heather", "Holly",
    "Hornbeam", "Juniper", "Larch", "Laurel", "Lime", "Linden", "Magnolia", "Maple", "Myrtle",
    "Oak", "Olive", "Poplar", "Rowan", "Sequoia", "Spruce", "Sycamore", "Walnut", "Whitebeam",
    "Willow", "Yew",
)
TRUST_PLACES = (
    "Ambervale", "Brackenford", "Castlemere", "Dunholm", "Eastwick", "Fairhaven", "Greystone",
    "Harrowgate", "Ironbridge", "Kestrel Bay", "Lindenshire", "Marlow Vale", "Northmoor",
    "Oakfield", "Pennock", "Queensbury", "Ravensworth", "Saltmarsh", "Thornbury", "Upperdale",
    "Westmarch", "Wyvern", "Yarrowby", "Ashcombe", "Belfrey", "Coldwater",
)

IDEA_VARIANTS = (
    "first test on one shift",
    "extended to night shifts",
    "co-designed with patients",
    "adapted after the first PDSA cycle",
    "agreed at the community meeting",
    "weekly review with the coach",
    "tested with the multidisciplinary team",
    "led by the ward's peer support worker",
    "trialled at weekends",
    "scaled up to the whole ward",
)


@dataclass
class WardDesign:
    """Targets for one ward: what its analysed data must show."""

    ward_id: str
    improves: tuple[str, ...]
    total_improves: bool
    baseline_means: dict[str, float] = field(default_factory=dict)
    reduction_targets: dict[str, float] = field(default_factory=dict)  # per cent, improvers
    testing_factor: dict[str, float] = field(default_factory=dict)  # non-improvers: level ratio
    shift_start: dict[str, int] = field(default_factory=dict)  # 0-based testing month

    def expected_status(self, measure: str) -> str:
        if measure in self.improves:
            return SUSTAINED_IMPROVEMENT
        return SUSTAINED_DETERIORATION if self.testing_factor[measure] > 1.0 else SUSTAINED_NONE


def month_range(start: str, end: str) -> pd.DatetimeIndex:
    """First-of-month timestamps from ``start`` to ``end`` inclusive (``YYYY-MM``)."""
    return pd.date_range(pd.Timestamp(start + "-01"), pd.Timestamp(end + "-01"), freq="MS")


def _spread(n: int, mean: float, low: float, high: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` values with exactly this min, max and mean (to 1e-9), spread irregularly."""
    if n == 1:
        return np.array([mean])
    inner = np.sort(rng.uniform(size=n - 2))
    lo_k, hi_k = 0.05, 20.0
    target_inner = mean * n - low - high
    for _ in range(200):  # bisection on the exponent that bends the spread
        k = (lo_k * hi_k) ** 0.5
        values = low + (high - low) * inner**k
        if values.sum() > target_inner:
            lo_k = k
        else:
            hi_k = k
    values = low + (high - low) * inner ** ((lo_k * hi_k) ** 0.5)
    return np.concatenate([[low], values, [high]])


def _wards(rng: np.random.Generator) -> pd.DataFrame:
    """Ward register whose specialty, ward type and gender counts equal Table 1."""
    specialty = [k for k, v in TABLE1["specialty"].items() for _ in range(v)]
    ward_type = [k for k, v in TABLE1["ward_type"].items() for _ in range(v)]
    gender = [k for k, v in TABLE1["gender"].items() for _ in range(v)]
    # Plausible pairings first: the older-adult ward is a mixed acute ward; the high-dependency
    # unit is a male forensic ward. The rest are dealt at random.
    rows = [
        ("Older adult", "Acute/assessment", "Mixed gender"),
        ("Forensic adult", "High-dependency unit", "Male"),
    ]
    for chosen in rows:
        specialty.remove(chosen[0])
        ward_type.remove(chosen[1])
        gender.remove(chosen[2])
    rows += list(zip(rng.permutation(specialty), rng.permutation(ward_type), rng.permutation(gender)))
    order = rng.permutation(N_WARDS)
    rows = [rows[i] for i in order]
    trusts = [f"{place} NHS Foundation Trust" for place in TRUST_PLACES]
    trust_of_ward = list(range(N_TRUSTS)) + list(rng.choice(N_TRUSTS, N_WARDS - N_TRUSTS, replace=False))
    trust_of_ward = [trust_of_ward[i] for i in rng.permutation(N_WARDS)]
    frame = pd.DataFrame(
        {
            "ward_id": [name.lower() for name in WARD_NAMES],
            "ward_name": [f"{name} Ward" for name in WARD_NAMES],
            "trust": [trusts[i] for i in trust_of_ward],
            "specialty": [r[0] for r in rows],
            "ward_type": [r[1] for r in rows],
            "gender": [r[2] for r in rows],
            "beds": rng.integers(10, 21, size=N_WARDS),
        }
    )
    is_picu = frame["ward_type"].eq("Psychiatric intensive care unit")
    frame.loc[is_picu, "beds"] = rng.integers(8, 13, size=int(is_picu.sum()))
    return frame


def _designs(wards: pd.DataFrame, rng: np.random.Generator) -> list[WardDesign]:
    """Give every ward its targets, calibrated to the paper's collaborative means."""
    groups = [(letters, total) for letters, count, total in DESIGN_GROUPS for _ in range(count)]
    order = rng.permutation(N_WARDS)
    designs = [
        WardDesign(
            ward_id=wards["ward_id"].iloc[i],
            improves=tuple(_LETTER[c] for c in groups[k][0]),
            total_improves=groups[k][1],
        )
        for k, i in enumerate(order)
    ]
    designs.sort(key=lambda d: d.ward_id)
    ward_type = dict(zip(wards["ward_id"], wards["ward_type"]))

    # Baseline levels: PICUs restrain and seclude most; some acute wards rarely seclude.
    profile = {
        "Psychiatric intensive care unit": {"restraint": 15.0, "seclusion": 5.0, "rapid_tranquillisation": 5.0},
        "Acute/assessment": {"restraint": 9.0, "seclusion": 1.6, "rapid_tranquillisation": 3.5},
        "High-dependency unit": {"restraint": 11.0, "seclusion": 4.0, "rapid_tranquillisation": 3.0},
    }
    raw = {m: np.empty(N_WARDS) for m in MEASURE_ORDER}
    for i, design in enumerate(designs):
        base = profile[ward_type[design.ward_id]]
        ward_factor = rng.lognormal(0.0, 0.3)
        for measure in MEASURE_ORDER:
            level = base[measure] * ward_factor * rng.lognormal(0.0, 0.3)
            if design.total_improves and measure not in design.improves:
                level *= 0.25  # a ward whose total falls is dominated by the measures that fell
            if measure == "seclusion" and measure in design.improves:
                level = max(level, 1.5)
            raw[measure][i] = level
    testing_months = len(month_range(*TESTING))
    # One start month per ward (its project starts once). The busiest wards get the smallest
    # reductions in every measure they improve: small reductions are only detectable on busy
    # wards, and consistent ranks let the ward totals span the paper's range.
    shift_start = rng.integers(0, 6, size=N_WARDS)
    # Ranks also place the extremes of the ward totals: wards improving in restraint alone get
    # the smallest reductions, wards improving in all three the largest.
    priority = np.array([0 if d.improves == ("restraint",) and d.total_improves else 2 if len(d.improves) == 3 else 1 for d in designs])
    busiest_first = np.lexsort((-sum(raw[m] for m in MEASURE_ORDER), priority))
    total_improves = np.array([d.total_improves for d in designs])
    for measure in MEASURE_ORDER:
        improving = np.array([measure in d.improves for d in designs])
        improvers = [d for d in designs if measure in d.improves]
        mean, low, high = REDUCTION_TARGETS[measure]
        targets = _spread(len(improvers), mean, low, high, rng)
        reduction = np.zeros(N_WARDS)
        reduction[[i for i in busiest_first if improving[i]]] = targets / 100
        # Some wards whose total does not fall deteriorate by a fixed factor; the rest stay flat.
        n_worse, worse_factor = WORSENING[measure]
        others = np.flatnonzero(~improving & ~total_improves)
        factor = np.ones(N_WARDS)
        factor[rng.choice(others, n_worse, replace=False)] = worse_factor
        # Expected share of the testing period each ward spends at its new level.
        after = (testing_months - shift_start) / testing_months
        ratio = np.where(improving, 1 - reduction * after, 1 + (factor - 1) * after)

        # Calibrate: weight the improving wards' baselines (bisection) so that the expected
        # testing-period sum equals the paper's mean, given the baseline sum.
        def expected_testing(weight: float) -> float:
            level = raw[measure] * np.where(improving, weight, 1.0)
            level = level / level.sum() * BASELINE_MEANS[measure]
            return float((level * ratio).sum())

        low_w, high_w = 0.05, 20.0
        if not expected_testing(high_w) <= TESTING_MEANS[measure] <= expected_testing(low_w):
            raise RuntimeError(f"demo design infeasible for {measure}")
        for _ in range(100):
            mid = (low_w * high_w) ** 0.5
            if expected_testing(mid) > TESTING_MEANS[measure]:
                low_w = mid
            else:
                high_w = mid
        level = raw[measure] * np.where(improving, mid, 1.0)
        level = level / level.sum() * BASELINE_MEANS[measure]
        for i, design in enumerate(designs):
            design.baseline_means[measure] = float(level[i])
            design.shift_start[measure] = int(shift_start[i])
            if improving[i]:
                design.reduction_targets[measure] = float(reduction[i] * 100)
            else:
                design.testing_factor[measure] = float(factor[i])
    return designs


def _draw_ward(
    design: WardDesign,
    n_baseline: int,
    n_testing: int,
    missing: np.ndarray,
    stream: tuple[int, ...],
    max_attempts: int = 20000,
) -> dict[str, np.ndarray]:
    """Draw a ward's monthly counts until the analysis agrees with the design.

    ``stream`` seeds the random generator; attempt k uses ``(*stream, k)``, so the result is
    deterministic.
    """
    n_months = n_baseline + n_testing
    levels: dict[str, np.ndarray] = {}
    for measure in MEASURE_ORDER:
        level = np.full(n_months, design.baseline_means[measure])
        start = n_baseline + design.shift_start[measure]
        if measure in design.improves:
            level[start:] *= 1 - design.reduction_targets[measure] / 100
        else:
            level[start:] *= design.testing_factor[measure]
        levels[measure] = level
    for attempt in range(max_attempts):
        rng = np.random.default_rng([*stream, attempt])
        series: dict[str, np.ndarray] = {}
        for measure in MEASURE_ORDER:
            # Mild overdispersion, as real ward counts show (gamma-Poisson).
            counts = rng.poisson(levels[measure] * rng.gamma(25.0, 1 / 25.0, size=n_months)).astype(float)
            counts[missing] = np.nan
            series[measure] = counts
        if _agrees(design, series, levels, n_baseline):
            return series
    raise RuntimeError(f"could not draw data for ward {design.ward_id} matching its design")


def _close(observed: float, expected: float) -> bool:
    """Within 12 % or 0.6 incidents a month of the designed level, whichever is wider."""
    return abs(observed - expected) <= max(0.12 * expected, 0.6)


def _agrees(design: WardDesign, series: dict[str, np.ndarray], levels: dict[str, np.ndarray], n_baseline: int) -> bool:
    for measure in MEASURE_ORDER:
        values, level = series[measure], levels[measure]
        if not (_close(np.nanmean(values[:n_baseline]), level[:n_baseline].mean()) and _close(np.nanmean(values[n_baseline:]), level[n_baseline:].mean())):
            return False
        result = sustained_change(values, n_baseline, shift_points=SHIFT_POINTS)
        if result.sustained != design.expected_status(measure):
            return False
        if measure in design.improves:
            target = design.reduction_targets[measure]
            if abs(result.reduction_pct - target) > (3.0 if target < 99 else 0.0):
                return False
            if result.n_shifts != 1:
                return False
    total = series["restraint"] + series["seclusion"] + series["rapid_tranquillisation"]
    total_status = sustained_change(total, n_baseline, shift_points=SHIFT_POINTS).sustained
    return (total_status == SUSTAINED_IMPROVEMENT) == design.total_improves


def _collaborative_means_close(all_series: list[dict[str, np.ndarray]], n_baseline: int, tolerance: float = 0.015) -> bool:
    """Whether the monthly sums' period means are within ``tolerance`` of the paper's."""
    sums = {m: np.sum([s[m] for s in all_series], axis=0) for m in MEASURE_ORDER}  # NaN where incomplete
    for measure, values in sums.items():
        for observed, target in ((np.nanmean(values[:n_baseline]), BASELINE_MEANS[measure]), (np.nanmean(values[n_baseline:]), TESTING_MEANS[measure])):
            if abs(observed - target) > tolerance * target:
                return False
    return True


def _ideas_per_ward(rng: np.random.Generator) -> np.ndarray:
    """Ideas tested per ward: sum 570 (mean 15), min 2, max 41."""
    values = np.clip(np.round(rng.lognormal(np.log(13), 0.5, size=N_WARDS)), 3, 40).astype(int)
    values[0], values[1] = IDEAS_MIN, IDEAS_MAX
    inner = values[2:]
    while inner.sum() != IDEAS_TOTAL - IDEAS_MIN - IDEAS_MAX:
        step = 1 if inner.sum() < IDEAS_TOTAL - IDEAS_MIN - IDEAS_MAX else -1
        candidates = np.flatnonzero((inner + step >= 3) & (inner + step <= 40))
        inner[rng.choice(candidates)] += step
    return rng.permutation(values)


def _concept_matrix(
    concept_counts: np.ndarray, ideas: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A 0/1 ward x concept matrix with the published column sums (Table 2).

    Row sums (concepts per ward) are proportional to the ward's number of ideas and never
    exceed it. Columns are dealt largest first to the wards with most room left, which meets
    every feasible pair of margins (the Gale-Ryser construction).
    """
    total = int(concept_counts.sum())
    n_concepts = int((concept_counts > 0).sum())
    rows = np.minimum(np.floor(ideas * total / ideas.sum()).astype(int), np.minimum(ideas, n_concepts))
    while rows.sum() < total:
        room = np.flatnonzero(rows < np.minimum(ideas, n_concepts))
        rows[rng.choice(room)] += 1
    matrix = np.zeros((len(ideas), len(concept_counts)), dtype=int)
    remaining = rows.copy()
    for concept in np.argsort(-concept_counts, kind="stable"):
        need = int(concept_counts[concept])
        if need == 0:
            continue
        tie_break = rng.permutation(len(ideas))
        order = sorted(range(len(ideas)), key=lambda w: (-remaining[w], tie_break[w]))
        chosen = order[:need]
        if remaining[chosen[-1]] <= 0:
            raise RuntimeError("no ward x concept matrix has these margins")
        matrix[chosen, concept] = 1
        remaining[chosen] -= 1
    return matrix


@dataclass(frozen=True)
class SyntheticCollaborative:
    """All tables of a synthetic collaborative (the demo's, or a national one:
    :mod:`rrp_helpers.national`), in the data contracts' column order."""

    toml: str
    readme: str
    wards: pd.DataFrame
    monthly: pd.DataFrame
    safety_cross: pd.DataFrame
    incident_reports: pd.DataFrame
    change_ideas: pd.DataFrame
    annotations: pd.DataFrame
    engagement: pd.DataFrame


@dataclass(frozen=True)
class DemoCollaborative(SyntheticCollaborative):
    """All tables of the demo collaborative, and the design each ward was built to."""

    designs: tuple[WardDesign, ...]


def build_demo(seed: int = DEFAULT_SEED, change_package: pd.DataFrame | None = None) -> DemoCollaborative:
    """Build the synthetic collaborative in memory (see the module docstring)."""
    if change_package is None:
        change_package = pd.read_csv(shipped_change_package_path())
    rng = np.random.default_rng(seed)
    wards = _wards(rng)
    designs = _designs(wards, rng)
    baseline_months = month_range(*BASELINE)
    testing_months = month_range(*TESTING)
    months = baseline_months.append(testing_months)
    n_baseline, n_testing = len(baseline_months), len(testing_months)

    # A few missing ward-months: three wards missed one month's data entry, one ward two months.
    missing = np.zeros((N_WARDS, len(months)), dtype=bool)
    missing_wards = rng.choice(N_WARDS, 4, replace=False)
    outage = n_baseline + 8
    for w in missing_wards[:3]:
        missing[w, outage] = True
    missing[missing_wards[3], [n_baseline - 3, n_baseline + 13]] = True

    # Redraw the whole collaborative (new streams) until its period means are near the paper's.
    for round_number in range(200):
        all_series = [
            _draw_ward(design, n_baseline, n_testing, missing[index], (seed, round_number, index))
            for index, design in enumerate(designs)
        ]
        if _collaborative_means_close(all_series, n_baseline):
            break
    else:
        raise RuntimeError("could not draw a collaborative near the paper's means")

    monthly_rows = []
    for index, design in enumerate(designs):
        series = all_series[index]
        beds = int(wards.loc[wards["ward_id"] == design.ward_id, "beds"].iloc[0])
        days = months.days_in_month.to_numpy()
        bed_days = np.round(beds * days * rng.uniform(0.85, 0.99, size=len(months))).astype(int)
        for measure in MEASURE_ORDER:
            monthly_rows.append(
                pd.DataFrame(
                    {
                        "ward_id": design.ward_id,
                        "month": months.strftime("%Y-%m"),
                        "measure": measure,
                        "count": pd.array(series[measure], dtype="Float64").astype("Int64"),
                        "occupied_bed_days": bed_days,
                        "source": ["incident_report"] * n_baseline + ["safety_cross"] * n_testing,
                    }
                )
            )
    monthly = pd.concat(monthly_rows, ignore_index=True)

    safety_cross = _safety_cross(monthly, rng)
    incident_reports = _incident_reports(monthly, wards, rng)
    change_ideas = _change_ideas(wards, change_package, testing_months, rng)
    engagement = _engagement(wards, testing_months, rng)
    annotations = _annotations(designs, monthly, testing_months)
    return DemoCollaborative(
        toml=_toml(seed),
        readme=_readme(seed),
        wards=wards,
        monthly=monthly,
        safety_cross=safety_cross,
        incident_reports=incident_reports,
        change_ideas=change_ideas,
        annotations=annotations,
        engagement=engagement,
        designs=tuple(designs),
    )


def _safety_cross(monthly: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Daily entries of the testing period, summing exactly to the monthly counts."""
    rows = []
    testing = monthly[monthly["source"].eq("safety_cross") & monthly["count"].notna()]
    for ward_id, month, measure, count in testing[["ward_id", "month", "measure", "count"]].itertuples(index=False):
        year, month_number = int(month[:4]), int(month[5:7])
        days = calendar.monthrange(year, month_number)[1]
        per_day = rng.multinomial(int(count), np.full(days, 1 / days))
        for day in np.flatnonzero(per_day):
            rows.append((ward_id, f"{month}-{day + 1:02d}", measure, int(per_day[day])))
    return pd.DataFrame(rows, columns=["ward_id", "date", "measure", "count"])


def _incident_reports(monthly: pd.DataFrame, wards: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Incident-system counts of the testing period for 23 wards: close to, not equal to, the crosses."""
    chosen = sorted(rng.choice(wards["ward_id"].to_numpy(), INCIDENT_REPORT_WARDS, replace=False))
    frame = monthly[monthly["ward_id"].isin(chosen) & monthly["source"].eq("safety_cross") & monthly["count"].notna()]
    difference = rng.choice([-1, 0, 1], size=len(frame), p=[0.15, 0.7, 0.15])
    counts = np.maximum(frame["count"].to_numpy(dtype=int) + difference, 0)
    return pd.DataFrame(
        {"ward_id": frame["ward_id"].to_numpy(), "month": frame["month"].to_numpy(), "measure": frame["measure"].to_numpy(), "count": counts}
    )


def _change_ideas(
    wards: pd.DataFrame, change_package: pd.DataFrame, testing_months: pd.DatetimeIndex, rng: np.random.Generator
) -> pd.DataFrame:
    """Change-idea log whose ward x concept pairs equal Table 2 (348 pairs, 2-41 ideas per ward)."""
    concepts = change_package["change_concept"].to_numpy()
    counts = change_package["teams_tested_in_paper"].to_numpy(dtype=int)
    ideas = _ideas_per_ward(rng)
    matrix = _concept_matrix(counts, ideas, rng)
    statuses = np.array(["adopted", "adapted", "abandoned", "testing"])
    rows = []
    for w, ward_id in enumerate(wards["ward_id"]):
        tested = np.flatnonzero(matrix[w])
        extra = rng.choice(tested, ideas[w] - len(tested), replace=True) if len(tested) else []
        per_idea = np.concatenate([rng.permutation(tested), np.asarray(extra, dtype=int)])
        starts = np.sort(rng.integers(0, len(testing_months) - 2, size=len(per_idea)))
        for k, (concept_index, start) in enumerate(zip(per_idea, starts), start=1):
            variant = IDEA_VARIANTS[int(rng.integers(len(IDEA_VARIANTS)))]
            rows.append(
                (
                    ward_id,
                    f"{ward_id}-{k:02d}",
                    f"{concepts[concept_index]}: {variant}",
                    concepts[concept_index],
                    testing_months[start].strftime("%Y-%m"),
                    int(rng.integers(1, 7)),
                    str(rng.choice(statuses, p=[0.45, 0.25, 0.15, 0.15])),
                )
            )
    return pd.DataFrame(rows, columns=["ward_id", "idea_id", "idea", "change_concept", "started", "pdsa_cycles", "status"])


LEARNING_SET_MONTHS = ("2018-10", "2018-12", "2019-02", "2019-04", "2019-06", "2019-08", "2019-10", "2019-12")


def _engagement(wards: pd.DataFrame, testing_months: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    """Monthly engagement of each ward during testing (independent of outcomes by design)."""
    grid = pd.MultiIndex.from_product([wards["ward_id"], testing_months.strftime("%Y-%m")], names=["ward_id", "month"]).to_frame(index=False)
    learning_set = grid["month"].isin(LEARNING_SET_MONTHS)
    attended = pd.array(np.where(rng.uniform(size=len(grid)) < 0.8, True, False), dtype="boolean")
    attended[~learning_set.to_numpy()] = pd.NA
    grid["learning_set_attended"] = attended
    grid["coach_contacts"] = rng.poisson(2.5, size=len(grid))
    grid["data_on_time"] = rng.uniform(size=len(grid)) < 0.88
    return grid


def _annotations(designs: list[WardDesign], monthly: pd.DataFrame, testing_months: pd.DatetimeIndex) -> pd.DataFrame:
    rows = [("ALL", "2018-08", "Testing period starts", "")]
    rows.append(("ALL", "2018-10", "Launch event; learning set 1", ""))
    rows += [("ALL", month, f"Learning set {k}", "") for k, month in enumerate(LEARNING_SET_MONTHS[1:], start=2)]
    for design in designs:
        for measure in design.improves[:1]:
            month = testing_months[design.shift_start[measure]].strftime("%Y-%m")
            rows.append((design.ward_id, month, "Team started its first PDSA cycles on this measure", measure))
        for measure, factor in design.testing_factor.items():
            if factor > 1.0:
                month = testing_months[design.shift_start[measure]].strftime("%Y-%m")
                rows.append((design.ward_id, month, "Staffing shortages; high use of agency staff", measure))
                break
    missing = monthly[monthly["count"].isna()].drop_duplicates(["ward_id", "month"])
    rows += [(w, m, "Data not submitted this month", "") for w, m in zip(missing["ward_id"], missing["month"])]
    frame = pd.DataFrame(rows, columns=["ward_id", "month", "note", "measure"])
    return frame.sort_values(["ward_id", "month", "measure", "note"], kind="stable").reset_index(drop=True)


#: The settings and measures every synthetic collaborative shares (the demo's; rrp_helpers.national).
SETTINGS_TOML = '''trend_points = 6
aim_reduction_pct = 33
rate_per = 1000

[measures.restraint]
label = "Physical restraint"
direction = "down"
kind = "outcome"

[measures.seclusion]
label = "Seclusion"
direction = "down"
kind = "outcome"

[measures.rapid_tranquillisation]
label = "Rapid tranquillisation"
direction = "down"
kind = "outcome"
'''


def _toml(seed: int) -> str:
    return f'''# Demo collaborative: SYNTHETIC data (fictional wards and trusts), generated by `rrp demo --seed {seed}`.
name = "Demo reducing restrictive practice collaborative (synthetic)"
synthetic = true
description = "A fictional 38-ward collaborative built to the design of Shah et al. (BJHM 2022). No real ward, trust or patient."
baseline = ["{BASELINE[0]}", "{BASELINE[1]}"]
testing = ["{TESTING[0]}", "{TESTING[1]}"]
shift_points = {SHIFT_POINTS}
''' + SETTINGS_TOML


def _readme(seed: int) -> str:
    return f"""# Demo collaborative (synthetic)

**Every ward, trust and number in this folder is invented.** The data were generated by
`rrp demo --out data/demo --seed {seed}` (module `rrp_helpers.demo`) to the published design of
Shah et al., *The mental health safety improvement programme* (BJHM 2022): 38 wards in 26 trusts,
a 12-month baseline (August 2017 - July 2018) and a 19-month testing period (August 2018 -
February 2020).

Built so that the workbook's own analysis recovers the paper's figures:

- Table 1 (specialty, ward type, gender) and Table 2 (348 ward x change-concept pairs) exactly;
- team-level results: 24 wards with a sustained reduction (9 in one measure, 12 in two, 3 in
  three), 15 / 13 / 14 wards improving in restraint / seclusion / rapid tranquillisation and 17 in
  the total, with reductions near the paper's means and ranges;
- collaborative monthly means near 783 -> 666 (total), 468 -> 377 (restraint), 165 -> 123 (rapid
  tranquillisation), and no sustained fall in seclusion.

Each ward was given targets, its counts drawn from a seeded gamma-Poisson generator, analysed with
the workbook's shift-rule method, and redrawn until the analysis agreed with the targets. Any
association in these data between change concepts, engagement and outcomes is an artefact of
chance: the generator builds none in.

Files follow the workbook's data contracts (see the project README). A few ward-months are
missing on purpose (empty `count`), to show how the workbook handles them. Baseline counts come
from incident reporting, testing-period counts from daily safety crosses (`safety_cross.csv`, which
sums exactly to `monthly.csv`); `incident_reports.csv` holds the incident-system counts of the
testing period for 23 wards, for the paper's cross-check of sources.
"""


def write_demo(out_dir: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """Generate the demo collaborative into ``out_dir`` and return its path.

    Written by :func:`rrp_helpers.outputs.write_collaborative`: the folder must be new, empty or
    written by rrp; files the user added there are kept, files rrp wrote and the user edited since
    are never replaced, and the swap is atomic. Columns are in the data contract's order.
    """
    demo = build_demo(seed)
    tables = {
        "wards": demo.wards, "monthly": demo.monthly, "safety_cross": demo.safety_cross,
        "incident_reports": demo.incident_reports, "change_ideas": demo.change_ideas,
        "annotations": demo.annotations, "engagement": demo.engagement,
    }
    files = {"collaborative.toml": demo.toml.encode("utf-8"), "README.md": demo.readme.encode("utf-8")}
    for stem, frame in tables.items():
        columns = [name for name in TABLES[stem].names if name in frame.columns]
        assert len(columns) == frame.shape[1], f"{stem}: columns outside the data contract"
        files[f"{stem}.csv"] = frame[columns].to_csv(index=False, lineterminator="\n").encode("utf-8")
    return write_collaborative(out_dir, "rrp demo", files)

"""National-size synthetic collaboratives: thousands of wards over years, for benchmarks and tests at scale.

``rrp demo --out DIR --wards N --months M --seed S`` (:func:`write_national`) writes a *fictional*
collaborative in the data contract (:mod:`rrp_helpers.data.contract`), with no verification
against the paper: the shipped 38-ward demo (:mod:`rrp_helpers.demo`) is built to the paper's
figures ward by ward, which does not scale; this one is drawn in one go with vectorised numpy.

* **Wards** ``ward-0001`` ... (``Ward 0001``), numbered trust by trust, in trusts of about
  :data:`WARDS_PER_TRUST` wards (uneven sizes, every trust has one ward or more), ``Trust 001`` ...;
  specialty, ward type and gender drawn in the demo's proportions (Table 1 of the paper); beds
  10-20 (8-12 on a psychiatric intensive care unit).
* **Months**: the first :data:`BASELINE_MONTHS` are the baseline (from August 2017, like the
  demo's), the rest the testing period; ``months`` must leave at least one testing month.
* **Outcomes**: restraint, seclusion and rapid tranquillisation counts, gamma-Poisson around a
  level set by the ward type (the demo's profile) and the ward; in each measure some wards improve
  (a fall of 30-90 % from a month in the first six of testing), some deteriorate, the rest stay
  flat, in about the demo's shares. Occupied bed days are 85-99 % of beds x days.
* **Missing**: about :data:`MISSING_SHARE` of ward-months (every measure's count) at random; the
  annotations say "Data not submitted this month".
* **Sources**: baseline counts from incident reporting, testing counts from daily safety crosses
  (``safety_cross.csv``: every incident of a ward-month given a day at random, so the days add up
  exactly to the monthly count); ``incident_reports.csv`` for about 60 % of wards, as the demo's
  23 of 38: within one of the crosses.
* **Change ideas** (about 15 a ward, concepts in proportion to the paper's Table 2),
  **engagement** (learning sets every second month, coach contacts, data on time) and
  **annotations** as the demo's.

``synthetic = true``; the same ``(wards, months, seed)`` always gives byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rrp_helpers.data.contract import TABLES
from rrp_helpers.demo import (
    BASELINE, DEFAULT_SEED, IDEA_VARIANTS, MEASURE_ORDER, SETTINGS_TOML, SHIFT_POINTS, TABLE1, SyntheticCollaborative,
)
from rrp_helpers.errors import UsageError
from rrp_helpers.outputs import write_collaborative
from rrp_helpers.paths import shipped_change_package_path

__all__ = ["NationalCollaborative", "build_national", "national_files", "write_national", "DEFAULT_MONTHS",
           "BASELINE_MONTHS", "MISSING_SHARE", "WARDS_PER_TRUST"]

DEFAULT_MONTHS = 60  # 12 baseline + 48 testing
BASELINE_MONTHS = 12
MISSING_SHARE = 0.01  # of ward-months, at random
WARDS_PER_TRUST = 12  # mean; an NHS mental-health trust runs some 10-30 inpatient wards
INCIDENT_REPORT_SHARE = 23 / 38  # wards with a second source, as in the demo
MAX_WARDS = 99_999

# Baseline incidents a month by ward type (the demo's profile).
PROFILE = {
    "Psychiatric intensive care unit": (15.0, 5.0, 5.0),
    "Acute/assessment": (9.0, 1.6, 3.5),
    "High-dependency unit": (11.0, 4.0, 3.0),
}
# Per measure (MEASURE_ORDER): share of wards improving and deteriorating (the demo's 15/13/14 and
# 4/9/3 of 38), and the range of the deteriorating wards' factor.
IMPROVE_SHARE = np.array([15, 13, 14]) / 38
WORSEN_SHARE = np.array([4, 9, 3]) / 38
REDUCTION = (0.30, 0.90)
WORSENING = (1.3, 1.9)
STATUSES = ("adopted", "adapted", "abandoned", "testing")
STATUS_P = (0.45, 0.25, 0.15, 0.15)


#: All tables of a national synthetic collaborative (the demo's shape, without its ward designs).
NationalCollaborative = SyntheticCollaborative


def _check_size(n_wards: int, n_months: int) -> None:
    if not 1 <= n_wards <= MAX_WARDS:
        raise UsageError(f"--wards must be from 1 to {MAX_WARDS:,} (got {n_wards})")
    if n_months <= BASELINE_MONTHS:
        raise UsageError(f"--months must be more than the {BASELINE_MONTHS} baseline months, to leave a testing period "
                         f"(got {n_months}; e.g. 60 = {BASELINE_MONTHS} baseline + {60 - BASELINE_MONTHS} testing)")


def _wards(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """The ward register: trusts of uneven size, characteristics in the demo's proportions."""
    n_trusts = max(1, min(n, round(n / WARDS_PER_TRUST)))
    weights = rng.lognormal(0.0, 0.5, size=n_trusts)
    sizes = 1 + rng.multinomial(n - n_trusts, weights / weights.sum())
    trust = np.repeat(np.arange(1, n_trusts + 1), sizes)
    width, trust_width = max(4, len(str(n))), max(3, len(str(n_trusts)))
    numbers = np.arange(1, n + 1)
    columns = {}
    for name in ("specialty", "ward_type", "gender"):
        levels = list(TABLE1[name])
        shares = np.array(list(TABLE1[name].values()), dtype=float)
        columns[name] = np.array(levels, dtype=object)[rng.choice(len(levels), size=n, p=shares / shares.sum())]
    beds = rng.integers(10, 21, size=n)
    picu = columns["ward_type"] == "Psychiatric intensive care unit"
    beds[picu] = rng.integers(8, 13, size=int(picu.sum()))
    return pd.DataFrame(
        {
            "ward_id": [f"ward-{k:0{width}d}" for k in numbers],
            "ward_name": [f"Ward {k:0{width}d}" for k in numbers],
            "trust": [f"Trust {t:0{trust_width}d}" for t in trust],
            **columns,
            "beds": beds,
        }
    )


@dataclass(frozen=True)
class _Design:
    """Per ward and measure (shape wards x 3): the level, what happens in testing, and when."""

    level: np.ndarray  # baseline incidents a month
    ratio: np.ndarray  # testing level / baseline level after the change (1 = flat)
    start: np.ndarray  # wards: 0-based testing month the change starts


def _design(wards: pd.DataFrame, n_testing: int, rng: np.random.Generator) -> _Design:
    n = len(wards)
    base = np.array([PROFILE[t] for t in wards["ward_type"]])
    level = base * rng.lognormal(0.0, 0.3, size=(n, 1)) * rng.lognormal(0.0, 0.3, size=(n, 3))
    u = rng.random((n, 3))
    improves = u < IMPROVE_SHARE
    worsens = ~improves & (u < IMPROVE_SHARE + WORSEN_SHARE)
    ratio = np.ones((n, 3))
    ratio[improves] = 1 - rng.uniform(*REDUCTION, size=int(improves.sum()))
    ratio[worsens] = rng.uniform(*WORSENING, size=int(worsens.sum()))
    start = rng.integers(0, min(6, n_testing), size=n)
    return _Design(level, ratio, start)


def _counts(design: _Design, n_baseline: int, n_testing: int, missing: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Monthly counts, wards x measures x months, NaN where missing."""
    n = design.level.shape[0]
    n_months = n_baseline + n_testing
    after = np.arange(n_months)[None, :] >= (n_baseline + design.start)[:, None]  # wards x months
    level = design.level[:, :, None] * np.where(after[:, None, :], design.ratio[:, :, None], 1.0)
    counts = rng.poisson(level * rng.gamma(25.0, 1 / 25.0, size=(n, 3, n_months))).astype(float)
    counts[np.broadcast_to(missing[:, None, :], counts.shape)] = np.nan
    return counts


def _codes(codes: np.ndarray, labels) -> pd.Categorical:
    """A categorical column from integer codes: the big tables' text, cheap to build and to write."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(labels), dtype=object))


def _monthly(wards: pd.DataFrame, months: pd.DatetimeIndex, counts: np.ndarray, n_baseline: int,
             rng: np.random.Generator) -> pd.DataFrame:
    n, n_measures, n_months = counts.shape
    days = months.days_in_month.to_numpy()
    bed_days = np.round(wards["beds"].to_numpy()[:, None] * days[None, :] * rng.uniform(0.85, 0.99, size=(n, n_months)))
    flat = counts.reshape(-1)
    return pd.DataFrame(
        {
            "ward_id": _codes(np.repeat(np.arange(n), n_measures * n_months), wards["ward_id"]),
            "month": _codes(np.tile(np.arange(n_months), n * n_measures), months.strftime("%Y-%m")),
            "measure": _codes(np.tile(np.repeat(np.arange(n_measures), n_months), n), MEASURE_ORDER),
            "count": pd.arrays.IntegerArray(np.nan_to_num(flat, nan=0.0).astype(np.int64), np.isnan(flat)),
            "occupied_bed_days": np.broadcast_to(bed_days[:, None, :], counts.shape).reshape(-1).astype(np.int64),
            "source": _codes(np.tile((np.arange(n_months) >= n_baseline).astype(np.int64), n * n_measures),
                             ("incident_report", "safety_cross")),
        }
    )


def _safety_cross(wards: pd.DataFrame, months: pd.DatetimeIndex, counts: np.ndarray, n_baseline: int,
                  rng: np.random.Generator) -> pd.DataFrame:
    """Daily entries of the testing months: each incident on a day drawn at random within its month,
    so the days add up exactly to the monthly count; days without incidents have no row."""
    testing = counts[:, :, n_baseline:]
    n, n_measures, n_testing = testing.shape
    cell_counts = np.nan_to_num(testing, nan=0.0).astype(np.int64).reshape(-1)  # (ward, measure, month) order
    days = months[n_baseline:].days_in_month.to_numpy()
    cell = np.repeat(np.arange(cell_counts.size), cell_counts)
    month_of_cell = np.arange(cell_counts.size) % n_testing
    day = (rng.random(cell.size) * days[month_of_cell[cell]]).astype(np.int64)
    keys, per_day = np.unique(cell * 31 + day, return_counts=True)  # sorted: ward, measure, date
    cell, day = keys // 31, keys % 31
    month_index = cell % n_testing
    dates = [f"{m:%Y-%m}-{d + 1:02d}" for m in months[n_baseline:] for d in range(31)]  # some never used
    return pd.DataFrame(
        {
            "ward_id": _codes(cell // (n_measures * n_testing), wards["ward_id"]),
            "date": _codes(month_index * 31 + day, dates),
            "measure": _codes((cell // n_testing) % n_measures, MEASURE_ORDER),
            "count": per_day.astype(np.int64),
        }
    )


def _incident_reports(monthly: pd.DataFrame, wards: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Incident-system counts of the testing months for some wards: within one of the crosses."""
    ids = wards["ward_id"].to_numpy()
    chosen = ids[np.sort(rng.choice(len(ids), max(1, round(len(ids) * INCIDENT_REPORT_SHARE)), replace=False))]
    frame = monthly[monthly["ward_id"].isin(chosen) & monthly["source"].eq("safety_cross") & monthly["count"].notna()]
    difference = rng.choice([-1, 0, 1], size=len(frame), p=[0.15, 0.7, 0.15])
    out = frame[["ward_id", "month", "measure"]].reset_index(drop=True)
    out["count"] = np.maximum(frame["count"].to_numpy(dtype=np.int64) + difference, 0)
    return out


def _change_ideas(wards: pd.DataFrame, change_package: pd.DataFrame, testing_months: pd.DatetimeIndex,
                  rng: np.random.Generator) -> pd.DataFrame:
    """About 15 ideas a ward (2-41), concepts in proportion to the teams that tested them in the paper."""
    concepts = change_package["change_concept"].to_numpy(dtype=object)
    if "teams_tested_in_paper" in change_package:
        weights = change_package["teams_tested_in_paper"].fillna(0).to_numpy(dtype=float)
    else:
        weights = np.ones(len(concepts))
    weights = weights if weights.sum() > 0 else np.ones(len(concepts))
    per_ward = np.clip(np.round(rng.lognormal(np.log(13), 0.5, size=len(wards))), 2, 41).astype(np.int64)
    ward = np.repeat(np.arange(len(wards)), per_ward)
    start = rng.integers(0, max(1, len(testing_months) - 2), size=ward.size)
    order = np.lexsort((start, ward))  # by ward, then start month
    ward, start = ward[order], start[order]
    first = np.repeat(np.cumsum(per_ward) - per_ward, per_ward)
    number = np.arange(ward.size) - first + 1
    concept = concepts[rng.choice(len(concepts), size=ward.size, p=weights / weights.sum())]
    variant = np.array(IDEA_VARIANTS, dtype=object)[rng.integers(len(IDEA_VARIANTS), size=ward.size)]
    ward_ids = wards["ward_id"].to_numpy(dtype=object)[ward]
    return pd.DataFrame(
        {
            "ward_id": ward_ids,
            "idea_id": [f"{w}-{k:02d}" for w, k in zip(ward_ids, number)],
            "idea": concept + ": " + variant,
            "change_concept": concept,
            "started": np.asarray(testing_months.strftime("%Y-%m"), dtype=object)[start],
            "pdsa_cycles": rng.integers(1, 7, size=ward.size),
            "status": np.array(STATUSES, dtype=object)[rng.choice(len(STATUSES), size=ward.size, p=STATUS_P)],
        }
    )


def _learning_sets(n_testing: int) -> np.ndarray:
    """0-based testing months of the learning sets: every second month from the third to the third
    last (the demo's); the first month alone in a testing period too short for that."""
    sets = np.arange(2, n_testing - 2, 2)
    return sets if len(sets) else np.array([0])


def _engagement(wards: pd.DataFrame, testing_months: pd.DatetimeIndex, missing: np.ndarray,
                rng: np.random.Generator) -> pd.DataFrame:
    """Monthly engagement of each ward in testing (independent of outcomes, like the demo's)."""
    n, n_testing = len(wards), len(testing_months)
    size = n * n_testing
    learning_set = np.tile(np.isin(np.arange(n_testing), _learning_sets(n_testing)), n)
    attended = pd.array(rng.random(size) < 0.8, dtype="boolean")
    attended[~learning_set] = pd.NA
    return pd.DataFrame(
        {
            "ward_id": _codes(np.repeat(np.arange(n), n_testing), wards["ward_id"]),
            "month": _codes(np.tile(np.arange(n_testing), n), testing_months.strftime("%Y-%m")),
            "learning_set_attended": attended,
            "coach_contacts": rng.poisson(2.5, size=size),
            "data_on_time": (rng.random(size) < 0.88) & ~missing[:, -n_testing:].reshape(-1),
        }
    )


def _annotations(wards: pd.DataFrame, design: _Design, months: pd.DatetimeIndex, n_baseline: int,
                 missing: np.ndarray) -> pd.DataFrame:
    """The collaborative's events (ALL), each changing ward's first change and the missing months."""
    labels = np.asarray(months.strftime("%Y-%m"), dtype=object)
    testing = labels[n_baseline:]
    sets = _learning_sets(len(testing))
    rows = [("ALL", testing[0], "Testing period starts", "")]
    rows += [("ALL", testing[m], "Launch event; learning set 1" if k == 1 else f"Learning set {k}", "")
             for k, m in enumerate(sets, start=1)]
    ids = wards["ward_id"].to_numpy(dtype=object)
    measures = np.array(MEASURE_ORDER, dtype=object)
    frames = [pd.DataFrame(rows, columns=["ward_id", "month", "note", "measure"])]
    for changed, note in ((design.ratio < 1, "Team started its first PDSA cycles on this measure"),
                          (design.ratio > 1, "Staffing shortages; high use of agency staff")):
        has = changed.any(axis=1)
        first = changed.argmax(axis=1)[has]
        frames.append(pd.DataFrame({"ward_id": ids[has], "month": testing[design.start[has]], "note": note,
                                    "measure": measures[first]}))
    ward, month = np.nonzero(missing)
    frames.append(pd.DataFrame({"ward_id": ids[ward], "month": labels[month], "note": "Data not submitted this month",
                                "measure": ""}))
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(["ward_id", "month", "measure", "note"], kind="stable").reset_index(drop=True)


def build_national(n_wards: int, n_months: int = DEFAULT_MONTHS, seed: int = DEFAULT_SEED,
                   change_package: pd.DataFrame | None = None) -> NationalCollaborative:
    """Build a national synthetic collaborative of ``n_wards`` wards and ``n_months`` months in memory
    (see the module docstring). Raises :class:`UsageError` for an impossible size."""
    _check_size(n_wards, n_months)
    if change_package is None:
        change_package = pd.read_csv(shipped_change_package_path())
    streams = [np.random.default_rng([seed, n_wards, n_months, part]) for part in range(9)]
    n_baseline, n_testing = BASELINE_MONTHS, n_months - BASELINE_MONTHS
    months = pd.date_range(pd.Timestamp(BASELINE[0] + "-01"), periods=n_months, freq="MS")
    wards = _wards(n_wards, streams[0])
    design = _design(wards, n_testing, streams[1])
    missing = streams[2].random((n_wards, n_months)) < MISSING_SHARE
    counts = _counts(design, n_baseline, n_testing, missing, streams[3])
    monthly = _monthly(wards, months, counts, n_baseline, streams[4])
    testing_months = months[n_baseline:]
    return NationalCollaborative(
        toml=_toml(n_wards, n_months, seed, months, n_baseline),
        readme=_readme(n_wards, n_months, seed, months, n_baseline, wards["trust"].nunique()),
        wards=wards,
        monthly=monthly,
        safety_cross=_safety_cross(wards, months, counts, n_baseline, streams[5]),
        incident_reports=_incident_reports(monthly, wards, streams[6]),
        change_ideas=_change_ideas(wards, change_package, testing_months, streams[7]),
        annotations=_annotations(wards, design, months, n_baseline, missing),
        engagement=_engagement(wards, testing_months, missing, streams[8]),
    )


def _period(months: pd.DatetimeIndex) -> str:
    return f'["{months[0]:%Y-%m}", "{months[-1]:%Y-%m}"]'


def _toml(n_wards: int, n_months: int, seed: int, months: pd.DatetimeIndex, n_baseline: int) -> str:
    return f'''# National-size collaborative: SYNTHETIC data (fictional wards and trusts), generated by
# `rrp demo --wards {n_wards} --months {n_months} --seed {seed}`.
name = "National synthetic collaborative: {n_wards:,} wards, {n_months} months (synthetic)"
synthetic = true
description = "A fictional collaborative of {n_wards:,} wards for tests and benchmarks at national scale. No real ward, trust or patient."
baseline = {_period(months[:n_baseline])}
testing = {_period(months[n_baseline:])}
shift_points = {SHIFT_POINTS}
''' + SETTINGS_TOML


def _readme(n_wards: int, n_months: int, seed: int, months: pd.DatetimeIndex, n_baseline: int, n_trusts: int) -> str:
    return f"""# National synthetic collaborative

**Every ward, trust and number in this folder is invented.** The data were generated by
`rrp demo --out DIR --wards {n_wards} --months {n_months} --seed {seed}` (module `rrp_helpers.national`), to
exercise the workbook at national scale: {n_wards:,} wards in {n_trusts:,} trusts, a {n_baseline}-month baseline
({months[0]:%B %Y} - {months[n_baseline - 1]:%B %Y}) and a {n_months - n_baseline}-month testing period
({months[n_baseline]:%B %Y} - {months[-1]:%B %Y}).

Unlike the 38-ward demo (`rrp demo` without `--wards`), nothing here is built to the published
figures of a paper: counts are drawn from a seeded gamma-Poisson generator around levels set by
the ward type; in each measure some wards improve, some deteriorate and the rest stay flat. About
{MISSING_SHARE:.0%} of ward-months are missing at random (empty `count`). Baseline counts come from
incident reporting, testing-period counts from daily safety crosses (`safety_cross.csv`, which sums
exactly to `monthly.csv`). Any association between change concepts, engagement and outcomes is an
artefact of chance: the generator builds none in.
"""


_QUOTE = (",", '"', "\n", "\r")


def _labels(column: pd.Series) -> tuple[list[str], np.ndarray] | None:
    """A column as text labels and codes into them (code -1 = missing = ""), or None if it has none."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(v) for v in column.cat.categories] + [""], column.cat.codes.to_numpy()
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_integer_dtype(column.dtype):
        missing = column.isna().to_numpy()
        if pd.api.types.is_bool_dtype(column.dtype):
            return ["False", "True", ""], np.where(missing, -1, column.fillna(False).to_numpy(dtype=np.int64))
        values = column.fillna(0).to_numpy(dtype=np.int64)
        low, high = (int(values.min()), int(values.max())) if len(values) else (0, 0)
        if high - low > 1_000_000:
            return None
        return [str(v) for v in range(low, high + 1)] + [""], np.where(missing, -1, values - low)
    return None


def _csv(frame: pd.DataFrame) -> bytes:
    """``frame.to_csv(index=False)``, the same bytes, several times faster for the big tables: each
    line is assembled from the columns' few distinct labels (pandas' writer takes 10 s for the
    safety crosses of 6,000 wards). Falls back to pandas for anything it cannot write so."""
    columns = [_labels(frame[name]) for name in frame.columns]
    if not len(frame) or any(c is None or any(ch in label for label in c[0] for ch in _QUOTE) for c in columns):
        return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    lines = None
    for k, (labels, codes) in enumerate(columns):
        table = np.array([("," if k else "") + label + ("\n" if k == len(columns) - 1 else "") for label in labels], dtype=object)
        lines = table[codes] if lines is None else lines + table[codes]
    return (",".join(frame.columns) + "\n" + "".join(lines.tolist())).encode("utf-8")


def national_files(n_wards: int, n_months: int = DEFAULT_MONTHS, seed: int = DEFAULT_SEED) -> dict[str, bytes]:
    """The files of :func:`build_national`'s collaborative: name -> content (CSV in the contract's column order)."""
    built = build_national(n_wards, n_months, seed)
    files = {"collaborative.toml": built.toml.encode("utf-8"), "README.md": built.readme.encode("utf-8")}
    for stem in ("wards", "monthly", "safety_cross", "incident_reports", "change_ideas", "annotations", "engagement"):
        frame = getattr(built, stem)
        columns = [name for name in TABLES[stem].names if name in frame.columns]
        assert len(columns) == frame.shape[1], f"{stem}: columns outside the data contract"
        files[f"{stem}.csv"] = _csv(frame[columns])
    return files


def write_national(out_dir: str | Path, n_wards: int, n_months: int = DEFAULT_MONTHS, seed: int = DEFAULT_SEED) -> Path:
    """Generate a national synthetic collaborative into ``out_dir`` and return its path.

    Written like the demo (:func:`rrp_helpers.outputs.write_collaborative`, as ``rrp demo``): the
    folder must be new, empty or written by ``rrp demo``; the swap is atomic.
    """
    return write_collaborative(out_dir, "rrp demo", national_files(n_wards, n_months, seed))

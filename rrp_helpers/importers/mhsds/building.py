"""Building: from the cells read to the collaborative's tables (``build``).

The steps, in order: refuse duplicated or missing values; choose the measures (types mapped to
restraint, seclusion and rapid tranquillisation when every month has them, else the published
MHS76/MHS77); choose the months (baseline, testing); name the providers (units) and give each a
``ward_id``; place every count and bed-day value in ``monthly.csv``'s rows; then say what was
done (summary lines and notes, also written to the README).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rrp_helpers.importers.mhsds.model import Cell, Imported, ImportRefused, Month, Reading
from rrp_helpers.importers.mhsds.months import format_month, month_range, months_listed
from rrp_helpers.importers.mhsds.publication import (
    COUNT_METRICS,
    NOT_APPLICABLE,
    OTHER_TYPES,
    SPECIALTY,
    TYPE_LABELS,
    TYPE_MEASURES,
)
from rrp_helpers.importers.mhsds.writing import MONTHLY_COLUMNS, WARD_COLUMNS, readme_text, toml_text

Period = tuple[Month, Month]  # (first, last) month, both included
Counts = dict[tuple[str, Month, str], tuple[int | None, bool]]  # (provider, month, measure) -> (count, suppressed)


def slug(name: str) -> str:
    """``ward_id`` for a provider: lower-case letters, digits and '-'."""
    s = name.lower().replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-") or "provider"


@dataclass
class Measures:
    """The measures imported: (name, label) in order, and whether they are mapped types."""

    measures: list[tuple[str, str]]
    use_types: bool
    notes: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.measures]


@dataclass
class Periods:
    """The months imported: every month of the baseline and testing periods."""

    baseline: Period
    testing: Period | None
    months: list[Month]
    notes: list[str] = field(default_factory=list)


@dataclass
class Providers:
    """The units: provider keys (sorted), each one's latest published name and its ``ward_id``."""

    keys: list[str]
    names: dict[str, str]
    ids: dict[str, str]


@dataclass
class Tally:
    """How the counts of ``monthly.csv`` were filled (rows of the imported months)."""

    values: int = 0           # counts
    suppressed: int = 0       # '*': empty count, suppressed = true
    absent: int = 0           # no value in the files: empty count, suppressed = false


@dataclass
class BedDays:
    """How the bed days of the imported months matched the units (provider-months)."""

    with_value: int
    suppressed: int
    missing: int              # no denominator: suppressed or absent
    bed_only_providers: int   # providers that appear only in bed-day files: not units
    units_without: list[str]  # names of units with no bed days in any month


def build(reading: Reading, baseline: Period | None = None, testing: Period | None = None) -> Imported:
    """Turn what was read into the collaborative's files (raises ImportRefused)."""
    interventions = _restrictive_intervention_cells(reading)
    ri_months = sorted({c.month for c in interventions})
    measures = _choose_measures(interventions, ri_months)
    periods = _choose_periods(ri_months, baseline, testing)
    providers = _name_providers(interventions)
    if measures.use_types:
        counts = _summed_type_counts(interventions, measures.names)
    else:
        counts = _published_counts(interventions)
    beds = {(c.provider, c.month): c for c in reading.cells if c.kind == "beds"}
    monthly, tally = _monthly_rows(providers, periods.months, measures.names, counts, beds)
    bed_days = _match_bed_days(reading.cells, providers, periods.months, beds)
    summary = _summary(reading, interventions, ri_months, measures, periods, providers, tally, bed_days)
    notes = [*measures.notes, *periods.notes, *_data_notes(reading, monthly, bed_days), *_period_notes(periods)]
    toml = toml_text(measures.measures, periods.baseline, periods.testing, ri_months, measures.use_types)
    readme = readme_text(reading, summary, notes, periods.baseline, periods.testing)
    return Imported(toml, _ward_rows(providers), monthly, readme, summary + [f"Note: {n}" for n in notes])


def _restrictive_intervention_cells(reading: Reading) -> list[Cell]:
    """The count and type cells; raises ImportRefused with the reading's problems, every
    duplicated value, or none of these cells at all."""
    problems = list(reading.problems)
    seen: dict[tuple, Cell] = {}
    for cell in reading.cells:
        key = (cell.kind, cell.provider, cell.month, cell.metric, cell.type_code)
        if key not in seen:
            seen[key] = cell
            continue
        first = seen[key]
        if cell.kind == "beds":
            what = "bed days"
        else:
            what = cell.metric + (f" type {cell.type_code}" if cell.type_code else "")
        problems.append(f"{cell.file} row {cell.row}: {cell.name}, {format_month(cell.month)}, {what} is also on "
                        f"{first.file} row {first.row}; each provider, month and measure must appear once "
                        "(two copies of the same month's file?)")
    interventions = [c for c in reading.cells if c.kind in ("count", "type")]
    if not interventions and not problems:
        problems.append("no restrictive-intervention values (MHS76 or MHS77 at provider level) were found "
                        f"in {len(reading.files)} file(s): bed days or detentions alone make no collaborative")
    if problems:
        raise ImportRefused(problems)
    return interventions


def _choose_measures(interventions: list[Cell], ri_months: list[Month]) -> Measures:
    """Types mapped to the three measures when every month has MHS77 by type; else MHS76/MHS77
    as published, so that every month measures the same thing."""
    type_months = {c.month for c in interventions if c.kind == "type" and c.metric == "MHS77"}
    if set(ri_months) <= type_months:
        return _mapped_types(interventions)
    kept = sorted({c.metric for c in interventions if c.kind == "count"})
    chosen = Measures([COUNT_METRICS[m] for m in kept], use_types=False)
    if type_months:
        chosen.notes.append(
            f"restrictive-intervention types were found for {months_listed(type_months)} only, not for "
            f"every month ({months_listed(ri_months)}); the published provider totals "
            f"({', '.join(kept)}) were kept instead, so every month measures the same thing")
    for metric in kept:
        missing_months = set(ri_months) - {c.month for c in interventions if c.kind == "count" and c.metric == metric}
        if missing_months:
            chosen.notes.append(f"{metric} is not in the files of {months_listed(missing_months)}: missing there")
    return chosen


def _mapped_types(interventions: list[Cell]) -> Measures:
    """Restraint, seclusion and rapid tranquillisation, with notes on what the mapping leaves out."""
    chosen = Measures([(m, TYPE_LABELS[m]) for m in ("restraint", "seclusion", "rapid_tranquillisation")],
                      use_types=True)
    totals = Counter(c.metric for c in interventions if c.kind == "count")
    if totals:
        chosen.notes.append(
            "provider totals left out (" + ", ".join(f"{k}: {v} values" for k, v in sorted(totals.items()))
            + "): the restrictive-intervention types were mapped to restraint, seclusion and "
            "rapid tranquillisation, and the totals would be counted twice in 'total'")
    other = Counter(OTHER_TYPES[c.type_code] for c in interventions
                    if c.kind == "type" and c.metric == "MHS77" and c.type_code in OTHER_TYPES)
    if other:
        chosen.notes.append("types left out (not among the three measures): "
                            + ", ".join(f"{k} ({v} values)" for k, v in sorted(other.items())))
    people = sum(1 for c in interventions if c.kind == "type" and c.metric == "MHS76")
    if people:
        chosen.notes.append(f"MHS76 by type left out ({people} values): people cannot be summed across types")
    return chosen


def _choose_periods(ri_months: list[Month], baseline: Period | None, testing: Period | None) -> Periods:
    """The baseline (default: every month read) and testing periods, within the months read;
    raises ImportRefused for periods that do not fit."""
    all_months = month_range(ri_months[0], ri_months[-1])
    notes = []
    gaps = set(all_months) - set(ri_months)
    if gaps:
        notes.append(f"no restrictive-intervention file for {months_listed(gaps)}: every provider is missing there")
    if baseline is None:
        if testing is not None:
            raise ImportRefused(["--testing needs --baseline too (the baseline comes before the testing period)"])
        baseline = (all_months[0], all_months[-1])
    if testing is not None and testing[0] <= baseline[1]:
        raise ImportRefused([(f"--testing {format_month(testing[0])}:{format_month(testing[1])} must start after "
                              f"the baseline ends ({format_month(baseline[1])})")])
    end = testing[1] if testing else baseline[1]
    months = month_range(baseline[0], end)
    outside = [m for m in months if m < all_months[0] or m > all_months[-1]]
    if outside:
        raise ImportRefused([(f"the periods ({format_month(baseline[0])} to {format_month(end)}) include "
                              f"{months_listed(outside)}, but the files hold {format_month(all_months[0])} to "
                              f"{format_month(all_months[-1])}; choose periods within the months read, or add "
                              "the files of those months")])
    left_out = [m for m in all_months if m not in months]
    if left_out:
        notes.append(f"months outside the periods left out: {months_listed(left_out)}")
    return Periods(baseline, testing, months, notes)


def _name_providers(interventions: list[Cell]) -> Providers:
    """Every provider with restrictive-intervention values in any month read, named as in its
    latest month, with a unique ``ward_id`` (its slug, then ``-2``, ``-3`` … on a clash)."""
    latest: dict[str, tuple[Month, str]] = {}
    for c in interventions:
        if c.provider not in latest or c.month >= latest[c.provider][0]:
            latest[c.provider] = (c.month, c.name)
    names = {p: name for p, (_, name) in latest.items()}
    ids: dict[str, str] = {}
    used: set[str] = set()
    for p in sorted(names, key=lambda k: (slug(names[k]), k)):
        base = slug(names[p])
        ward_id, n = base, 2
        while ward_id in used:
            ward_id, n = f"{base}-{n}", n + 1
        used.add(ward_id)
        ids[p] = ward_id
    return Providers(sorted(names), names, ids)


def _summed_type_counts(interventions: list[Cell], measure_names: list[str]) -> Counts:
    """Each measure's MHS77 types summed per provider and month: a type without a row is 0 when
    the provider has other type rows that month; a '*' in any summed type suppresses the sum."""
    by_provider_month: dict[tuple[str, Month], list[Cell]] = defaultdict(list)
    for c in interventions:
        if c.kind == "type" and c.metric == "MHS77":
            by_provider_month[(c.provider, c.month)].append(c)
    counts: Counts = {}
    for (p, m), group in by_provider_month.items():
        for measure in measure_names:
            parts = [c for c in group if TYPE_MEASURES.get(c.type_code) == measure]
            if any(c.suppressed for c in parts):
                counts[(p, m, measure)] = (None, True)
            else:
                counts[(p, m, measure)] = (sum(c.value or 0 for c in parts), False)
    return counts


def _published_counts(interventions: list[Cell]) -> Counts:
    """The provider totals (MHS76, MHS77) as published."""
    return {(c.provider, c.month, COUNT_METRICS[c.metric][0]): (c.value, c.suppressed)
            for c in interventions if c.kind == "count"}


def _monthly_rows(providers: Providers, months: list[Month], measure_names: list[str], counts: Counts,
                  beds: dict[tuple[str, Month], Cell]) -> tuple[list[list[str]], Tally]:
    """``monthly.csv``'s rows (every provider, month and measure, sorted) and how many were filled."""
    rows, tally = [], Tally()
    for p in providers.keys:
        for m in months:
            bed_cell = beds.get((p, m))
            bed_days = "" if bed_cell is None or bed_cell.value is None else str(bed_cell.value)
            for measure in measure_names:
                value, suppressed = counts.get((p, m, measure), (None, False))
                if suppressed:
                    tally.suppressed += 1
                elif value is None:
                    tally.absent += 1
                else:
                    tally.values += 1
                rows.append({"ward_id": providers.ids[p], "month": format_month(m), "measure": measure,
                             "count": "" if value is None else str(value), "occupied_bed_days": bed_days,
                             "suppressed": "true" if suppressed else "false"})
    rows.sort(key=lambda r: (r["ward_id"], r["month"], r["measure"]))
    return [[r[c] for c in MONTHLY_COLUMNS] for r in rows], tally


def _ward_rows(providers: Providers) -> list[list[str]]:
    """``wards.csv``'s rows: one per provider, sorted by ``ward_id``; ``ward_name`` and ``trust``
    are its published name."""
    rows = [{"ward_id": providers.ids[p], "ward_name": providers.names[p], "trust": providers.names[p],
             "specialty": SPECIALTY, "ward_type": NOT_APPLICABLE, "gender": NOT_APPLICABLE} for p in providers.keys]
    return [[r[c] for c in WARD_COLUMNS] for r in sorted(rows, key=lambda r: r["ward_id"])]


def _match_bed_days(cells: list[Cell], providers: Providers, months: list[Month],
                    beds: dict[tuple[str, Month], Cell]) -> BedDays:
    """How the bed days of the imported months matched the units."""
    month_set = set(months)
    bed_cells = [c for c in cells if c.kind == "beds" and c.month in month_set]
    matched = [c for c in bed_cells if c.provider in providers.names]
    suppressed = sum(1 for c in matched if c.suppressed)
    return BedDays(
        with_value=len(matched) - suppressed,
        suppressed=suppressed,
        missing=sum(1 for p in providers.keys for m in months
                    if beds.get((p, m)) is None or beds[(p, m)].value is None),
        bed_only_providers=len({c.provider for c in bed_cells} - set(providers.names)),
        units_without=[providers.names[p] for p in providers.keys
                       if not any(c.provider == p and c.value is not None for c in matched)],
    )


def _summary(reading: Reading, interventions: list[Cell], ri_months: list[Month], measures: Measures,
             periods: Periods, providers: Providers, tally: Tally, bed_days: BedDays) -> list[str]:
    """What was read and imported, one line per subject."""
    months = periods.months
    month_set = set(months)
    read_suppressed = sum(1 for c in interventions if c.suppressed and c.month in month_set)
    layouts = Counter(reading.files.values())
    n_points = len(providers.keys) * len(months)
    return [
        f"Read {len(reading.files)} file(s): " + "; ".join(f"{n} {k}" for k, n in sorted(layouts.items())),
        (f"Months: {months_listed(ri_months)} ({len(ri_months)} with restrictive-intervention data); "
         f"imported {format_month(months[0])} to {format_month(months[-1])} ({len(months)} months)"),
        (f"Providers (units): {len(providers.keys)} with restrictive-intervention values; "
         f"{bed_days.bed_only_providers} further providers appear only in the bed-day files "
         "(most are community-only) and are not units"),
        "Measures: " + ", ".join(f"{m} ({label})" for m, label in measures.measures)
        + (" — restrictive-intervention types mapped" if measures.use_types else " — as published"),
        (f"Values: {tally.values} counts, {tally.suppressed} suppressed ('*': missing, flagged suppressed, "
         f"never 0; {read_suppressed} '*' cells read), {tally.absent} provider-months absent from the files "
         "(missing)"),
        (f"Occupied bed days: {bed_days.with_value} of {n_points} provider-months; "
         f"{bed_days.suppressed} suppressed and {bed_days.missing - bed_days.suppressed} absent, so "
         f"{bed_days.missing} u-chart points have no denominator (missing)"),
    ]


def _data_notes(reading: Reading, monthly: list[list[str]], bed_days: BedDays) -> list[str]:
    """Notes on empty charts and on what was read but left out."""
    notes = []
    ward_id, count = MONTHLY_COLUMNS.index("ward_id"), MONTHLY_COLUMNS.index("count")
    no_counts = sorted({r[ward_id] for r in monthly} - {r[ward_id] for r in monthly if r[count] != ""})
    if no_counts:
        notes.append(f"{len(no_counts)} provider(s) have no count in any imported month (only '*' or absent), so "
                     f"their charts are empty: {_few(no_counts)}")
    if bed_days.units_without:
        notes.append(f"{len(bed_days.units_without)} provider(s) have no bed days in any month (no u-chart): "
                     f"{_few(bed_days.units_without)}")
    if reading.dropped_breakdowns:
        notes.append(f"{sum(reading.dropped_breakdowns.values())} rows of other breakdowns dropped ("
                     + _first_counts(reading.dropped_breakdowns) + ")")
    if reading.dropped_metrics:
        notes.append(f"{sum(reading.dropped_metrics.values())} provider rows of measures that are not counts "
                     "(rates, durations, percentages) or not restrictive interventions left out ("
                     + _first_counts(reading.dropped_metrics) + ")")
    if reading.unplaced:
        notes.append(f"{sum(reading.unplaced.values())} restrictive-intervention rows of the provider 'UNKNOWN' "
                     "(not attributed to a provider by NHS Digital) left out")
    detention_files = sorted({c.file for c in reading.cells if c.kind == "detentions"})
    if detention_files:
        notes.append(f"detentions not imported ({len(detention_files)} file(s)): they count people detained at "
                     "the end of the month, not restrictive practice, and the published label (and level) "
                     "switches between 'detention' and 'the Mental Health Act' in these files")
    if reading.ignored_files:
        notes.append(f"{len(reading.ignored_files)} non-CSV file(s) ignored: {', '.join(reading.ignored_files[:5])}"
                     + (" …" if len(reading.ignored_files) > 5 else ""))
    return notes


def _period_notes(periods: Periods) -> list[str]:
    """Notes on what the periods allow (SPC rules need 8 testing points, 20 baseline points)."""
    notes = []
    n_baseline = len(month_range(*periods.baseline))
    if periods.testing is None:
        notes.append("no testing period: monitoring only (SPC charts and signals, no before/after reductions)")
    elif len(month_range(*periods.testing)) < 8:
        notes.append(f"the testing period has {len(month_range(*periods.testing))} months, fewer than the 8 points "
                     "of the shift rule (shift_points): no sustained shift can be detected in it")
    if n_baseline < 20:
        notes.append(f"the baseline has {n_baseline} months (< 20): control limits are trial limits")
    notes.append("values are rounded to the nearest 5 by NHS Digital (values_rounded_to = 5)")
    return notes


def _few(items: Sequence[str], limit: int = 8) -> str:
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _first_counts(counter: Counter, limit: int = 8) -> str:
    """``'key: n, …'`` for the first ``limit`` keys in sorted order, '…' if there are more."""
    return (", ".join(f"{k}: {v}" for k, v in sorted(counter.items())[:limit])
            + (" …" if len(counter) > limit else ""))

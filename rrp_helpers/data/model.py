"""The objects a loaded collaborative is made of: measures, settings and the typed tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rrp_helpers.data.contract import MONTH_DTYPE
from rrp_helpers.data.problems import Problem

__all__ = ["MEASURES", "TOTAL", "MeasureSpec", "DEFAULT_MEASURES", "CollaborativeConfig", "Collaborative"]

MEASURES: tuple[str, ...] = ("restraint", "seclusion", "rapid_tranquillisation")
TOTAL = "total"


@dataclass(frozen=True)
class MeasureSpec:
    """One measure: snake_case ``name`` (as in monthly.csv), human ``label``,
    ``direction`` of improvement ("down" or "up") and ``kind`` ("outcome" or "balancing")."""

    name: str
    label: str
    direction: str = "down"
    kind: str = "outcome"


DEFAULT_MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec("restraint", "Physical restraint", "down", "outcome"),
    MeasureSpec("seclusion", "Seclusion", "down", "outcome"),
    MeasureSpec("rapid_tranquillisation", "Rapid tranquillisation", "down", "outcome"),
)


@dataclass(frozen=True)
class CollaborativeConfig:
    """Settings from ``collaborative.toml`` (or the workbook's ``collaborative`` sheet)."""

    name: str
    description: str
    synthetic: bool
    baseline_start: pd.Timestamp
    baseline_end: pd.Timestamp
    testing_start: pd.Timestamp | None
    testing_end: pd.Timestamp | None
    shift_points: int = 8
    trend_points: int = 6
    aim_reduction_pct: float = 33.0
    measures: tuple[MeasureSpec, ...] = DEFAULT_MEASURES
    rate_per: int = 1000
    values_rounded_to: int | None = None
    unit_label: str = "ward"  # what one unit is called in sentences ("ward", "provider")
    ward_chart: str = "c"  # "u": rates per rate_per occupied bed days
    collaborative_chart: str = "i"
    collaborative_sum: str = "auto"  # complete_months, scaled or auto (outcomes.collaborative_monthly)
    extra_ward_columns: tuple[str, ...] = ()  # columns of wards.csv beyond the contract, kept on purpose

    def months(self) -> pd.DatetimeIndex:
        """Every month from baseline start to the testing end (or baseline end)."""
        end = self.testing_end if self.testing_end is not None else self.baseline_end
        return pd.date_range(self.baseline_start, end, freq="MS", name="month")

    def baseline_months(self) -> pd.DatetimeIndex:
        """The baseline months (inclusive)."""
        return pd.date_range(self.baseline_start, self.baseline_end, freq="MS", name="month")

    def testing_months(self) -> pd.DatetimeIndex:
        """The testing months (empty when monitoring only)."""
        if self.testing_start is None or self.testing_end is None:
            return pd.DatetimeIndex([], dtype=MONTH_DTYPE, name="month")
        return pd.date_range(self.testing_start, self.testing_end, freq="MS", name="month")

    def measure_names(self) -> tuple[str, ...]:
        """Measure ids in configuration order."""
        return tuple(m.name for m in self.measures)

    def measure(self, name: str) -> MeasureSpec:
        """The :class:`MeasureSpec` called ``name`` (KeyError if unknown)."""
        for m in self.measures:
            if m.name == name:
                return m
        raise KeyError(f"unknown measure {name!r}; known: {', '.join(self.measure_names())}")

#: The tables a collaborative may leave out (``wards`` and ``monthly`` are required).
OPTIONAL_TABLES = ("safety_cross", "incident_reports", "change_ideas", "annotations", "engagement")


@dataclass(frozen=True, eq=False)
class Collaborative:
    """A validated collaborative: its settings and tidy, typed tables (see module docstring)."""

    path: Path
    config: CollaborativeConfig
    wards: pd.DataFrame
    monthly: pd.DataFrame
    safety_cross: pd.DataFrame
    incident_reports: pd.DataFrame
    change_ideas: pd.DataFrame
    change_package: pd.DataFrame
    annotations: pd.DataFrame
    engagement: pd.DataFrame
    problems: tuple[Problem, ...] = ()
    sources: tuple[Path, ...] = ()  # every file the load read (outputs never overwrite them)
    _ward_index: dict = field(default_factory=dict, repr=False)  # table -> {ward_id: row positions}

    @property
    def inputs(self) -> tuple[Path, ...]:
        """What a command writing outputs must never overwrite nor mix into: the collaborative's
        folder or workbook and every file read."""
        return (self.path, *self.sources)

    def ward_rows(self, table: str, ward_id: str) -> pd.DataFrame:
        """The rows of ``table`` (``monthly``, ``safety_cross``, ``change_ideas``, ...) of one ward.

        The table is indexed by ward once, the first time it is asked for, so a ward's work then
        touches only that ward's rows however many wards the collaborative has (a batch of
        reports asks once per ward)."""
        frame = getattr(self, table)
        if table not in self._ward_index:
            self._ward_index[table] = frame.groupby("ward_id", sort=False).indices
        positions = self._ward_index[table].get(ward_id)
        return frame.iloc[positions] if positions is not None else frame.iloc[:0]

    def has(self, table: str) -> bool:
        """Whether the optional ``table`` (``safety_cross``, ``incident_reports``, ``change_ideas``,
        ``annotations``, ``engagement``) was provided with at least one row: pages leave out the
        sections of a table that was not."""
        if table not in OPTIONAL_TABLES:
            raise ValueError(f"unknown optional table {table!r}; choose one of: {', '.join(OPTIONAL_TABLES)}")
        return len(getattr(self, table)) > 0

    @property
    def ward_ids(self) -> list[str]:
        """Ward ids in sorted order."""
        return self.wards["ward_id"].tolist()

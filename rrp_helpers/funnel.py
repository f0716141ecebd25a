"""Funnel plots comparing wards or providers: indirectly standardised ratios and rates.

Two entry points, both vectorised over units:

* :func:`funnel` -- observed counts O against expected counts E (for example from a case-mix
  model); the plotted value is the ratio O/E x ``multiplier``.
* :func:`rate_funnel` -- incidents against occupied bed days; the plotted value is the rate per
  ``per`` bed days, compared with the set's own crude rate.

Each returns one row per unit (in input order) with the value, its z-score, the 95 % and 99.8 %
limits in use at the unit's E, and the outlier flags; the dispersion estimates go in
``frame.attrs``.

Conventions (those of NHS-R FunnelPlotR 0.6.0, after Spiegelhalter, Stat Med 2005,
doi:10.1002/sim.1970, and Qual Saf Health Care 2005, doi:10.1136/qshc.2005.013755; checked against
its outputs in ``tests/fixtures/funnel_oracle/``):

* Normal quantiles are the constants 1.959964 (95 %) and 3.090232 (99.8 %).
* Unadjusted limits are exact Poisson limits for an observed count equal to E (E need not be an
  integer): LCL = chi2.ppf(a/2, 2E) / 2E and UCL = chi2.ppf(1 - a/2, 2(E + 1)) / 2E, with
  a = 0.05 or 0.002, times ``multiplier``; chi2.ppf(p, 2v) / 2 is computed as
  ``scipy.special.gammaincinv(v, p)``. They do not depend on the method.
* ``method="SHMI"`` (log transform): z = sqrt(E) log(O/E), standard error s = 1/sqrt(E); a zero
  count gives z = -inf. Before estimating the dispersion the extreme ``trim`` share of z-scores is
  truncated: with ranks r averaged over ties and k = 1/trim, a unit is kept when
  0 < floor(r k / (n + 1)) < k - 1. With ``shmi_rounding=True`` E is rounded to 2 decimals
  (``numpy.round``) for the z-score, the dispersion and the limits, but not for the plotted ratio.
  Adjusted limits: multiplier x exp(+/- q sqrt(1/E + tau2)).
* ``method="CQC"`` (Spiegelhalter's square-root transform): z = (sqrt(O/E) - 1)/s with
  s = 1/(2 sqrt(E)); E is never rounded. Before estimating the dispersion the z-scores are
  Winsorised: clamped to their type-7 (linear interpolation) quantiles at ``trim`` and 1 - ``trim``.
  Adjusted limits, squared back to the ratio scale:
  multiplier x max(0, 1 - q sqrt(1/(4E) + tau2))^2 and multiplier x (1 + q sqrt(1/(4E) + tau2))^2.
* Dispersion over the n units kept: phi = sum(z_for_phi^2) / n; tau2 (DerSimonian-Laird type) is
  0 when n phi < n - 1, else max(0, (n phi - (n - 1)) / (sum(w) - sum(w^2)/sum(w))) with
  w = 1/s^2. tau2 is on the scale of the transform (log or square root). Only the additive
  (random-effects) adjustment exists; phi itself never scales the limits.
* The adjusted limits are used only when ``overdispersion=True`` and phi > 1; otherwise the
  unadjusted limits are used (FunnelPlotR's fall-back). phi is NaN when no unit is kept and tau2
  is NaN when only one is; the unadjusted limits are then used too.
* A unit is an outlier when its value lies outside [LCL, UCL]; a value on a limit is inside.
* :func:`rate_funnel`: r = sum(incidents) / sum(bed days), E = bed days x r, SHMI transform
  without rounding, ``multiplier = r x per``. The ratio is then the rate per ``per`` bed days, the
  centre line is the crude rate, the unadjusted limits are exact Poisson limits on the rate scale
  and the adjusted ones add tau2 on the log scale. r is estimated from the same units and treated
  as known.

Deliberate differences from FunnelPlotR 0.6.0:

* CQC adjusted limits are squared back to the ratio scale, as above. FunnelPlotR compares the
  ratio with 1 +/- q sqrt(1/(4E) + tau2), which lives on the square-root scale, so its limits are
  about half as wide as they should be and it over-flags units (open issue
  nhs-r-community/FunnelPlotR#33).
* No ratio-of-counts ("RC") funnel. Its limits use the standard error 1/(2 sqrt(D)) on the log
  scale, which with D = bed days makes the funnel so narrow that almost every purely Poisson unit
  is flagged, and its z-score treats bed days as a Poisson count. Rates use the standardised-ratio
  construction of :func:`rate_funnel` instead.
* phi and tau2 are always the values estimated from the data, also with
  ``overdispersion=False`` (FunnelPlotR reports 0 for both when ``draw_adjusted = FALSE``).
* The outlier flags always use the limits in use. FunnelPlotR's option of drawing both sets
  (``draw_adjusted`` and ``draw_unadjusted`` TRUE), where the flags come from the adjusted
  formula even with tau2 = 0 (a normal approximation on the log scale instead of the exact Poisson
  limits), is not offered.
* SHMI: a zero count kept by the truncation (possible in small sets, or with many zeros) is left
  out of phi and tau2, since its z-score is -inf; FunnelPlotR would report infinite phi and tau2
  and limits of 0 and infinity. Whenever truncation removes the zero counts, as it usually does,
  the results are the same.
* Units are returned in input order and are not aggregated (FunnelPlotR sums rows by unit and
  sorts them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["funnel", "rate_funnel", "rate_limits", "Z95", "Z998"]

Method = Literal["SHMI", "CQC"]
METHODS: tuple[str, ...] = ("SHMI", "CQC")

Z95 = 1.959964  # FunnelPlotR's hard-coded normal quantiles, kept for identical limits
Z998 = 3.090232
# limit suffix -> (normal quantile for the adjusted limits, two-sided tail probability)
_LEVELS: dict[str, tuple[float, float]] = {"95": (Z95, 0.05), "998": (Z998, 0.002)}


# ----------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------


def _as_float_array(values: Any, name: str) -> np.ndarray:
    """1-D float array of ``values``, or ValueError when not numeric, not 1-D or not finite."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric") from error
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty: at least one unit is needed")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains missing or infinite values")
    return array


def _paired_inputs(
    counts: Any, denominators: Any, unit: Any, names: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Validated counts (>= 0), denominators (> 0) and unit labels of equal length."""
    count_name, denominator_name = names
    observed = _as_float_array(counts, count_name)
    denominator = _as_float_array(denominators, denominator_name)
    if observed.size != denominator.size:
        raise ValueError(
            f"{count_name} and {denominator_name} differ in length ({observed.size} and {denominator.size})"
        )
    if np.any(observed < 0):
        raise ValueError(f"{count_name} must not be negative")
    if np.any(denominator <= 0):
        raise ValueError(f"{denominator_name} must be positive")
    series = [values for values in (counts, denominators) if isinstance(values, pd.Series)]
    if len(series) == 2 and not series[0].index.equals(series[1].index):
        raise ValueError(f"{count_name} and {denominator_name} are Series with different indexes")
    if unit is None:
        labels = series[0].index if series else pd.RangeIndex(observed.size)
    else:
        labels = pd.Index(np.asarray(unit).ravel())
        if labels.size != observed.size:
            raise ValueError(f"unit has {labels.size} labels for {observed.size} units")
    return observed, denominator, labels


def _check_positive(value: float, name: str) -> float:
    if not (isinstance(value, (int, float, np.number)) and np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _check_trim(trim: float) -> float:
    if not (isinstance(trim, (int, float, np.number)) and 0 < trim < 0.5):
        raise ValueError(f"trim must lie strictly between 0 and 0.5, got {trim!r}")
    return float(trim)


# ----------------------------------------------------------------------------------------------
# Z-scores, damping and dispersion
# ----------------------------------------------------------------------------------------------


def _zscores(observed: np.ndarray, expected: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Unadjusted z-scores on the method's transform and their standard errors s."""
    ratio = observed / expected
    if method == "SHMI":
        s = 1 / np.sqrt(expected)
        with np.errstate(divide="ignore"):  # log(0) = -inf for a zero count
            z = np.log(ratio) / s
        return z, s
    s = 1 / (2 * np.sqrt(expected))
    return (np.sqrt(ratio) - 1) / s, s


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, tied values sharing the mean of their ranks (-inf ranks first)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts_group = np.r_[True, ordered[1:] != ordered[:-1]]
    first = np.flatnonzero(starts_group)  # 0-based position where each group of ties starts
    last = np.r_[first[1:], values.size]  # exclusive end
    ranks = np.empty(values.size)
    ranks[order] = ((first + 1 + last) / 2)[np.cumsum(starts_group) - 1]
    return ranks


def _truncated(z: np.ndarray, trim: float) -> np.ndarray:
    """SHMI damping: z, or NaN for the extreme ``trim`` share by average rank."""
    k = 1 / trim
    rank = _average_ranks(z)
    group = np.floor(rank * k / (z.size + 1))
    kept = (group > 0) & (group < k - 1) & np.isfinite(z)
    return np.where(kept, z, np.nan)


def _type7_quantile(sorted_values: np.ndarray, probability: float) -> float:
    """Quantile by linear interpolation between order statistics (Hyndman-Fan type 7)."""
    position = 1 + (sorted_values.size - 1) * probability  # 1-based
    lower = int(np.floor(position))
    upper = int(np.ceil(position))
    low_value, high_value = sorted_values[lower - 1], sorted_values[upper - 1]
    fraction = position - lower
    if fraction == 0 or low_value == high_value:
        return float(low_value)
    return float((1 - fraction) * low_value + fraction * high_value)


def _winsorised(z: np.ndarray, trim: float) -> np.ndarray:
    """CQC damping: z clamped to its type-7 quantiles at ``trim`` and 1 - ``trim``."""
    ordered = np.sort(z)
    return np.clip(z, _type7_quantile(ordered, trim), _type7_quantile(ordered, 1 - trim))


def _dispersion(z_for_phi: np.ndarray, s: np.ndarray) -> tuple[float, float, int]:
    """phi, DerSimonian-Laird tau2 and the number of units used (those with finite z_for_phi).

    phi is NaN when no unit is used; tau2 is NaN when it cannot be estimated (one unit).
    """
    used = np.isfinite(z_for_phi)
    n = int(used.sum())
    if n == 0:
        return float("nan"), float("nan"), 0
    phi = float(np.sum(z_for_phi[used] ** 2) / n)
    if n * phi < n - 1:
        return phi, 0.0, n
    weight = 1 / s[used] ** 2
    spread = weight.sum() - np.sum(weight**2) / weight.sum()
    if not spread > 0:
        return phi, float("nan"), n
    return phi, float(max(0.0, (n * phi - (n - 1)) / spread)), n


# ----------------------------------------------------------------------------------------------
# Limits
# ----------------------------------------------------------------------------------------------


def _poisson_limits(expected: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for a count equal to ``expected``, as ratios to it (centre 1)."""
    lower = special.gammaincinv(expected, tail / 2) / expected
    upper = special.gammaincinv(expected + 1, 1 - tail / 2) / expected
    return lower, upper


def _adjusted_limits(
    expected: np.ndarray, tau2: float, quantile: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Additive random-effects limits, back-transformed to the ratio scale (centre 1)."""
    if method == "SHMI":
        half_width = quantile * np.sqrt(1 / expected + tau2)
        return np.exp(-half_width), np.exp(half_width)
    half_width = quantile * np.sqrt(1 / (4 * expected) + tau2)
    return np.maximum(0.0, 1 - half_width) ** 2, (1 + half_width) ** 2


# ----------------------------------------------------------------------------------------------
# Core and public functions
# ----------------------------------------------------------------------------------------------


def _funnel_frame(
    observed: np.ndarray,
    expected: np.ndarray,
    value: np.ndarray,
    *,
    method: str,
    overdispersion: bool,
    trim: float,
    multiplier: float,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Columns from ``z`` onwards and the attrs, given O, the modelled E and the plotted value."""
    z, s = _zscores(observed, expected, method)
    z_for_phi = _truncated(z, trim) if method == "SHMI" else _winsorised(z, trim)
    phi, tau2, n_used = _dispersion(z_for_phi, s)
    adjusted = bool(overdispersion and phi > 1 and np.isfinite(tau2))
    columns: dict[str, np.ndarray] = {"z": z, "z_for_phi": z_for_phi, "used_for_phi": np.isfinite(z_for_phi)}
    for suffix, (quantile, tail) in _LEVELS.items():
        if adjusted:
            lower, upper = _adjusted_limits(expected, tau2, quantile, method)
        else:
            lower, upper = _poisson_limits(expected, tail)
        columns[f"lcl{suffix}"] = lower * multiplier
        columns[f"ucl{suffix}"] = upper * multiplier
    for suffix in _LEVELS:
        columns[f"outlier{suffix}"] = (value < columns[f"lcl{suffix}"]) | (value > columns[f"ucl{suffix}"])
    columns["adjusted_limits"] = np.full(observed.size, adjusted)
    attrs = {
        "method": method,
        "target": multiplier,
        "multiplier": multiplier,
        "trim": trim,
        "phi": phi,
        "tau2": tau2,
        "n_used_for_phi": n_used,
        "overdispersion": bool(overdispersion),
        "adjusted": adjusted,
    }
    return columns, attrs


def funnel(
    numerator: Sequence[float] | np.ndarray | pd.Series,
    expected: Sequence[float] | np.ndarray | pd.Series,
    *,
    method: Method = "SHMI",
    overdispersion: bool = True,
    trim: float = 0.1,
    shmi_rounding: bool = True,
    multiplier: float = 1,
    unit: Sequence[Any] | pd.Index | None = None,
) -> pd.DataFrame:
    """Funnel plot of indirectly standardised ratios O/E (conventions: module docstring).

    ``numerator``: observed counts (>= 0); ``expected``: expected counts (> 0); ``unit``: labels
    (default the index of a Series input, else 0..n-1). ``trim``: share of z-scores truncated
    (SHMI) or Winsorised at each end (CQC) before phi. ``shmi_rounding`` applies to SHMI only.

    Returns one row per unit: ``unit``, ``numerator``, ``denominator`` (E as given), ``expected``
    (the E of the z-score and limits: rounded to 2 decimals under SHMI rounding), ``ratio``
    (O/E x ``multiplier``, unrounded E), ``z`` (unadjusted), ``z_for_phi`` (after truncation or
    Winsorisation; NaN = left out of phi), ``used_for_phi``, ``lcl95``, ``ucl95``, ``lcl998``,
    ``ucl998`` (limits in use, ratio scale), ``outlier95``, ``outlier998`` and
    ``adjusted_limits``. ``attrs``: method, target (centre line = ``multiplier``), multiplier,
    trim, phi, tau2, n_used_for_phi, overdispersion (requested), adjusted (applied).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    trim = _check_trim(trim)
    multiplier = _check_positive(multiplier, "multiplier")
    observed, given_expected, labels = _paired_inputs(numerator, expected, unit, ("numerator", "expected"))
    modelled = given_expected
    if method == "SHMI" and shmi_rounding:
        modelled = np.round(given_expected, 2)
        if np.any(modelled <= 0):
            raise ValueError("expected rounds to 0 at 2 decimals for some unit: use shmi_rounding=False")
    ratio = observed / given_expected * multiplier
    columns, attrs = _funnel_frame(
        observed, modelled, ratio, method=method, overdispersion=overdispersion, trim=trim, multiplier=multiplier
    )
    leading = {"unit": labels, "numerator": observed, "denominator": given_expected, "expected": modelled}
    frame = pd.DataFrame(leading | {"ratio": ratio} | columns)
    frame.attrs.update(attrs | {"shmi_rounding": bool(method == "SHMI" and shmi_rounding)})
    return frame


def rate_funnel(
    incidents: Sequence[float] | np.ndarray | pd.Series,
    bed_days: Sequence[float] | np.ndarray | pd.Series,
    *,
    per: float = 1000,
    overdispersion: bool = True,
    trim: float = 0.1,
    unit: Sequence[Any] | pd.Index | None = None,
) -> pd.DataFrame:
    """Funnel plot of rates per ``per`` bed days against the set's crude rate (module docstring).

    ``incidents``: counts (>= 0, at least one positive in the set); ``bed_days``: occupied bed
    days (> 0). SHMI transform and truncation, E = bed days x crude rate, never rounded.

    Returns one row per unit: ``unit``, ``numerator`` (incidents), ``denominator`` (bed days),
    ``expected`` (E), ``rate`` (incidents per ``per`` bed days), ``z``, ``z_for_phi``,
    ``used_for_phi``, ``lcl95``, ``ucl95``, ``lcl998``, ``ucl998`` (limits in use, per ``per``
    bed days), ``outlier95``, ``outlier998`` and ``adjusted_limits``. ``attrs`` as for
    :func:`funnel`, with target = the crude rate per ``per`` bed days, plus ``pooled_rate``
    (incidents per bed day) and ``per``.
    """
    per = _check_positive(per, "per")
    trim = _check_trim(trim)
    observed, days, labels = _paired_inputs(incidents, bed_days, unit, ("incidents", "bed_days"))
    if observed.sum() == 0:
        raise ValueError("no incidents in any unit: the crude rate is 0 and the funnel is undefined")
    pooled_rate = observed.sum() / days.sum()
    expected = days * pooled_rate
    rate = observed / days * per
    multiplier = float(pooled_rate * per)
    columns, attrs = _funnel_frame(
        observed, expected, rate, method="SHMI", overdispersion=overdispersion, trim=trim, multiplier=multiplier
    )
    leading = {"unit": labels, "numerator": observed, "denominator": days, "expected": expected}
    frame = pd.DataFrame(leading | {"rate": rate} | columns)
    frame.attrs.update(attrs | {"shmi_rounding": False, "pooled_rate": float(pooled_rate), "per": per})
    return frame


def rate_limits(
    bed_days: Sequence[float] | np.ndarray,
    *,
    pooled_rate: float,
    per: float = 1000,
    tau2: float = 0.0,
    adjusted: bool = False,
) -> pd.DataFrame:
    """The limits of :func:`rate_funnel` at any ``bed_days`` (to draw the funnel's curves).

    ``pooled_rate`` in incidents per bed day, ``tau2`` and ``adjusted`` as the funnel's ``attrs``
    give them. Returns ``bed_days, lcl95, ucl95, lcl998, ucl998`` per ``per`` bed days."""
    days = _as_float_array(bed_days, "bed_days")
    if np.any(days <= 0):
        raise ValueError("bed_days must be positive")
    pooled_rate = _check_positive(pooled_rate, "pooled_rate")
    expected = days * pooled_rate
    multiplier = pooled_rate * _check_positive(per, "per")
    frame = {"bed_days": days}
    for suffix, (quantile, tail) in _LEVELS.items():
        lower, upper = _adjusted_limits(expected, tau2, quantile, "SHMI") if adjusted else _poisson_limits(expected, tail)
        frame[f"lcl{suffix}"] = lower * multiplier
        frame[f"ucl{suffix}"] = upper * multiplier
    return pd.DataFrame(frame)

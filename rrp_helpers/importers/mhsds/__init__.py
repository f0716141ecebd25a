"""Import NHS Digital MHSDS restrictive-intervention files as a collaborative, one unit per provider.

``import_mhsds(inputs, out, baseline="START:END", testing="START:END")`` (the command
``rrp import-mhsds FILES_OR_DIR... --out DIR [--baseline START:END] [--testing START:END]``)
reads the monthly CSV files NHS Digital publishes in *Mental Health Services Monthly Statistics*
(MHSDS) and writes a collaborative in the workbook's data contracts (``collaborative.toml``,
``wards.csv``, ``monthly.csv`` and a ``README.md`` recording what was read), so that
``rrp validate``, ``rrp results`` and ``rrp reports`` work on it unchanged.

The modules, in the order they run: :mod:`.reading` (files to cells: layouts, dates, values;
``read_inputs``), :mod:`.building` (cells to the collaborative's tables; ``build``),
:mod:`.writing` (the TOML, README and CSV files; ``write``). :mod:`.model` holds the records they
pass on, :mod:`.months` the months and periods, :mod:`.publication` NHS Digital's codes.

Layouts, recognised by their header and content (never by file name):

* **provider extract** (as in ``data/nhs_mhsds_sample/raw/``): four columns
  ``REPORTING_PERIOD_START, PRIMARY_LEVEL_DESCRIPTION, MEASURE, MEASURE_VALUE``, usually without a
  header row, already filtered to the provider breakdown. ``MEASURE`` is a measure id (``MHS76``,
  ``MHS77``) or a name (``Bed days in RP``; ``People subject to detention …`` / ``… to the Mental
  Health Act …``).
* **'Restrictive Interventions' CSV** (MHSDS v4.1 to June 2022): ``REPORTING_PERIOD_START,
  REPORTING_PERIOD_END, STATUS, BREAKDOWN, PRIMARY_LEVEL, PRIMARY_LEVEL_DESCRIPTION,
  SECONDARY_LEVEL(_DESCRIPTION), …, MEASURE_ID, MEASURE_NAME, MEASURE_VALUE``.
* **newer layout** (from July 2022): ``REPORTING_PERIOD_START, REPORTING_PERIOD_END, STATUS,
  BREAKDOWN, LEVEL_ONE … LEVEL_SIX(_DESCRIPTION), METRIC, METRIC_VALUE``.

What is kept, and how (each choice is reported in ``Imported.summary`` when it applies):

* Only the ``Provider`` breakdown (provider totals) and ``Provider; Restrictive Intervention
  Type`` (any letter case). England, region, commissioner, provider-site and every other
  breakdown are dropped and counted. Rows for the provider ``UNKNOWN`` (records NHS Digital could
  not attribute to a provider) are not a unit: they are dropped and counted.
* **Types mapped to the workbook's measures** when every month read has ``MHS77`` (number of
  restrictive interventions) by type: ``restraint`` = physical restraint, types 01 and 07-13;
  ``seclusion`` = type 05; ``rapid_tranquillisation`` = type 14 (MHSDS v5 codes; ``1`` is read as
  ``01``). The types are summed per provider and month. A type a provider has no row for, in a
  month where it has other type rows, is 0 (NHS Digital lists only the types recorded); a ``*``
  in any summed type makes the sum suppressed. Other types (04 mechanical restraint, 06
  segregation, 15-17 other chemical restraint, unknown) are not part of the three measures and
  are counted as left out. ``MHS76`` by type is left out: people cannot be summed across types
  (one person may have several).
* **Otherwise the published measure is kept**: provider rows of ``MHS76`` (people subject to a
  restrictive intervention) and ``MHS77`` (restrictive interventions) become measures ``mhs76``
  / ``mhs77``, declared in the TOML with label, ``direction = "down"`` and ``kind = "outcome"``.
  Rates, durations and percentages (MHS96-MHS99 …) are not counts: left out and counted.
* **Occupied bed days** (``Bed days in RP``, ``MHS24``) of the same provider (matched by name,
  ignoring case and spacing) and month become ``occupied_bed_days``, the denominator of u-charts
  per ``rate_per`` = 1,000 bed days. Providers that appear only in bed-day files (most of them
  community-only) are not units. A ``*`` or absent bed-day value leaves the denominator missing.
* **Detentions** (``People subject to detention …`` / ``… to the Mental Health Act …``) are not
  imported (a note says so): they count people detained at the end of the month, not
  restrictive practice, and the extract switches between two different published measures from
  month to month (its label changes in January and June 2022, and the counts jump by a quarter or
  more at the same months), which an SPC chart would show as a spurious shift.
* ``*`` (suppressed by the publisher: below 5) becomes an empty count with ``suppressed = true``,
  never 0. A provider absent from a month's files is missing that month (empty count, not
  suppressed). Values are rounded to the nearest 5 by the publisher: ``values_rounded_to = 5``.

Months come from ``REPORTING_PERIOD_START``, written ``dd/mm/yyyy`` (UK order, as NHS Digital
publishes it) or ``yyyy-mm-dd``; it must be the first of a month. A file mixing months, a date
that cannot be read, a value that is neither a whole number nor ``*``, a duplicated provider,
month and measure, or a file in no known layout is refused with its file, row and column:
:class:`ImportRefused` lists every problem (``rrp import-mhsds`` then exits 2) and nothing is
written.

Default periods: the baseline is every month read and there is no testing period (monitoring
only: charts and signals, no before/after reductions). ``baseline``/``testing`` (``--baseline``/
``--testing``) set them. The output folder is written atomically (built beside it, then swapped
into place) and the inputs are only read. Rows are sorted and no date or time is written, so
importing the same files again gives byte-identical files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rrp_helpers.errors import UsageError
from rrp_helpers.importers.mhsds.building import build, slug
from rrp_helpers.importers.mhsds.model import Cell, Imported, ImportRefused, Month, Reading
from rrp_helpers.importers.mhsds.months import parse_date, parse_period
from rrp_helpers.importers.mhsds.publication import (
    ATTRIBUTION,
    COUNT_METRICS,
    NOT_APPLICABLE,
    OTHER_TYPES,
    PUBLICATION_URL,
    SPECIALTY,
    TYPE_LABELS,
    TYPE_MEASURES,
)
from rrp_helpers.importers.mhsds.reading import parse_value, provider_key, read_inputs
from rrp_helpers.importers.mhsds.writing import MONTHLY_COLUMNS, WARD_COLUMNS, write
from rrp_helpers.outputs import check_placement

__all__ = [
    "import_mhsds",
    "read_inputs",
    "build",
    "write",
    "ImportRefused",
    "Imported",
    "Reading",
    "Cell",
    "Month",
    "parse_date",
    "parse_value",
    "provider_key",
    "slug",
    "TYPE_MEASURES",
    "OTHER_TYPES",
    "TYPE_LABELS",
    "COUNT_METRICS",
    "ATTRIBUTION",
    "PUBLICATION_URL",
    "SPECIALTY",
    "NOT_APPLICABLE",
    "WARD_COLUMNS",
    "MONTHLY_COLUMNS",
]


def import_mhsds(inputs: Sequence[str | Path], out: str | Path, *, baseline: str | None = None,
                 testing: str | None = None) -> Imported:
    """Read ``inputs`` (files or folders), build the collaborative and write it to ``out``.

    ``baseline``/``testing`` are periods written ``YYYY-MM:YYYY-MM`` (default: every month read,
    no testing period). Raises ImportRefused (nothing written) for bad periods, an ``out`` that
    would land inside or replace an input, and every problem of the files."""
    baseline_months = parse_period(baseline, "--baseline")
    testing_months = parse_period(testing, "--testing")
    try:
        check_placement(Path(out), [Path(p) for p in inputs])
    except UsageError as error:
        raise ImportRefused([f"{error} (inputs are never modified)"]) from None
    imported = build(read_inputs(inputs), baseline_months, testing_months)
    write(imported, out, inputs=inputs)
    return imported

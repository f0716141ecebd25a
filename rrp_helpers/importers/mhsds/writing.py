"""Writing: the collaborative's text (``collaborative.toml``, ``README.md``) and its folder
(``write``: those two files, ``wards.csv`` and ``monthly.csv``, swapped into place at once).

No date or time is written and rows come sorted, so importing the same files again gives
byte-identical files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from rrp_helpers.data.contract import TABLES
from rrp_helpers.errors import UsageError
from rrp_helpers.importers.mhsds.model import Imported, ImportRefused, Month, Reading
from rrp_helpers.importers.mhsds.months import format_month
from rrp_helpers.importers.mhsds.publication import ATTRIBUTION, NOT_APPLICABLE, PUBLICATION_URL, SPECIALTY
from rrp_helpers.outputs import write_collaborative

# The contract's columns, less those the importer never fills: MHSDS publishes no bed numbers,
# and every row has the same origin (the README says which), so no per-row ``source``.
WARD_COLUMNS: tuple[str, ...] = tuple(c for c in TABLES["wards"].names if c != "beds")
MONTHLY_COLUMNS: tuple[str, ...] = tuple(c for c in TABLES["monthly"].names if c != "source")


def write(imported: Imported, out: str | Path, *, inputs: Sequence[str | Path] = ()) -> Path:
    """Write the collaborative to ``out`` (:func:`rrp_helpers.outputs.write_collaborative`: the
    folder must be new, empty or written by rrp; files the user added there are kept, files rrp
    wrote and the user edited since are never replaced; the swap is atomic). A folder that cannot
    be used raises ImportRefused and nothing is written."""
    files = {
        "collaborative.toml": imported.toml.encode("utf-8"),
        "wards.csv": _csv_bytes(WARD_COLUMNS, imported.wards),
        "monthly.csv": _csv_bytes(MONTHLY_COLUMNS, imported.monthly),
        "README.md": imported.readme.encode("utf-8"),
    }
    try:
        return write_collaborative(out, "rrp import-mhsds", files, inputs=[Path(p) for p in inputs])
    except UsageError as error:
        raise ImportRefused([str(error)]) from None


def _csv_bytes(header: Sequence[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    w = csv.writer(buffer, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def toml_text(measures: list[tuple[str, str]], baseline: tuple[Month, Month], testing: tuple[Month, Month] | None,
              ri_months: list[Month], use_types: bool) -> str:
    """``collaborative.toml``: real data, the periods, u-charts per 1,000 bed days, one
    ``[measures.NAME]`` per (name, label), each an outcome that should go down."""
    first, last = format_month(ri_months[0]), format_month(ri_months[-1])
    what = ("restrictive interventions by type (physical restraint, seclusion, rapid tranquillisation)"
            if use_types else "restrictive interventions (" + ", ".join(label for _, label in measures) + ")")
    description = (f"Real, published data: NHS Digital Mental Health Services Monthly Statistics (MHSDS), {what} "
                   f"and occupied bed days per provider in England, {first} to {last}. "
                   "Units are providers (NHS trusts and independent providers), not wards. Values below 5 are "
                   "suppressed and the others rounded to the nearest 5 by the publisher. "
                   f"Source: {PUBLICATION_URL}. {ATTRIBUTION}")
    lines = [
        "# Imported by `rrp import-mhsds` from NHS Digital MHSDS files; see README.md beside this file.",
        f'name = "NHS Digital MHSDS restrictive interventions by provider, {first} to {last}"',
        "synthetic = false",
        f"description = {_toml_str(description)}",
        f'baseline = ["{format_month(baseline[0])}", "{format_month(baseline[1])}"]',
    ]
    if testing is not None:
        lines.append(f'testing = ["{format_month(testing[0])}", "{format_month(testing[1])}"]')
    else:
        lines.append("# No testing period: monitoring only (charts and signals, no before/after reductions).")
    lines += [
        "rate_per = 1000",
        "values_rounded_to = 5",
        'unit_label = "provider"',
        "# Providers differ a hundredfold in size: chart rates per 1,000 occupied bed days. The",
        "# national rate pools huge denominators, so its chart is Laney's u-prime (overdispersion).",
        'ward_chart = "u"',
        'collaborative_chart = "up"',
        "",
    ]
    for name, label in measures:
        lines += [f"[measures.{name}]", f"label = {_toml_str(label)}", 'direction = "down"', 'kind = "outcome"', ""]
    return "\n".join(lines)


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def readme_text(reading: Reading, summary: list[str], notes: list[str], baseline: tuple[Month, Month],
                testing: tuple[Month, Month] | None) -> str:
    """``README.md``: source and licence, what the columns hold, the periods, the summary and
    notes, and every file read with its layout and SHA-256 (first 16 hex digits)."""
    files = "\n".join(f"| `{label}` | {layout} | `{reading.hashes[label][:16]}` |"
                      for label, layout in sorted(reading.files.items()))
    periods = (f"Baseline {format_month(baseline[0])} to {format_month(baseline[1])}; "
               + (f"testing {format_month(testing[0])} to {format_month(testing[1])}." if testing else
                  "no testing period: monitoring only (charts and signals, no before/after reductions)."))
    return f"""# Imported MHSDS collaborative (real data)

Written by `rrp import-mhsds` from NHS Digital's *Mental Health Services Monthly Statistics*
(MHSDS), {PUBLICATION_URL}.

**Licence.** {ATTRIBUTION}

**Units are providers, not wards.** `wards.csv` lists each provider (NHS trust or independent
provider) once: `ward_name` and `trust` are the provider's published name; `specialty` is
"{SPECIALTY}" and `ward_type` and `gender` are "{NOT_APPLICABLE}", because the
published figures cover every ward of the provider.

**Values.** Counts below 5 are suppressed (`*`) by the publisher: here an empty `count` with
`suppressed = true`, never 0. The other values are rounded to the nearest 5 by the publisher
(`values_rounded_to = 5`). A provider absent from a month's file is missing that month (empty
`count`, `suppressed = false`). `occupied_bed_days` is the published "Bed days in RP" of the same
provider and month (empty when suppressed or absent), the denominator of u-charts per 1,000
occupied bed days.

**Periods.** {periods}

## What was read

""" + "\n".join(f"- {s}" for s in summary) + """

## Notes

""" + "\n".join(f"- {n}" for n in notes) + f"""

## Files read (SHA-256, first 16 hex digits)

| file | layout | sha256 |
|---|---|---|
{files}
"""

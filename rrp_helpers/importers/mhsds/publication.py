"""What NHS Digital publishes in MHSDS, and the names the importer gives it: type codes,
measure ids, breakdowns, and the attribution every imported collaborative carries."""

from __future__ import annotations

import re

# Restrictive-intervention types (MHSDS v5 RestrictiveIntType codes) mapped to the measures.
TYPE_MEASURES: dict[str, str] = {
    "01": "restraint", **{f"{k:02d}": "restraint" for k in range(7, 14)},
    "05": "seclusion",
    "14": "rapid_tranquillisation",
}
# Types that are none of the three measures: left out, and counted in a note.
OTHER_TYPES: dict[str, str] = {
    "04": "mechanical restraint", "06": "segregation",
    "15": "chemical restraint - injection (non rapid tranquillisation)",
    "16": "chemical restraint - oral", "17": "chemical restraint - other",
    "UNKNOWN": "unknown type",
}
TYPE_LABELS = {"restraint": "Physical restraint", "seclusion": "Seclusion",
               "rapid_tranquillisation": "Rapid tranquillisation"}

# Provider-level count measures kept as published: id -> (measure name, label).
COUNT_METRICS: dict[str, tuple[str, str]] = {
    "MHS76": ("mhs76", "People subject to a restrictive intervention (MHS76)"),
    "MHS77": ("mhs77", "Restrictive interventions (MHS77)"),
}
BED_METRICS = {"MHS24"}
BED_NAMES = {"bed days in rp"}
DETENTION_NAME = re.compile(r"^people subject to (detention|the mental health act)\b", re.IGNORECASE)
DETENTION_METRICS = {"MHS08", "MHS09"}
# Provider names (and codes) of records NHS Digital could not attribute to a provider.
UNPLACED_PROVIDERS = {"", "UNKNOWN", "NONE", "NULL", "INVALID", "NOT KNOWN"}

# The breakdowns kept (compared in lower case, spacing collapsed); every other one is dropped.
PROVIDER_BREAKDOWN = "provider"
TYPE_BREAKDOWN = "provider; restrictive intervention type"

ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence v3.0 "
               "— NHS Digital, Mental Health Services Monthly Statistics.")
PUBLICATION_URL = ("https://digital.nhs.uk/data-and-information/publications/statistical/"
                   "mental-health-services-monthly-statistics")
# wards.csv's text for every provider: the published figures cover all of its wards.
SPECIALTY = "Provider (all services)"
NOT_APPLICABLE = "Not applicable (provider-level data)"

"""Checks that refuse patient-identifiable data.

The workbook holds aggregate counts per ward per month only. Two checks guard that:

* :func:`identifier_column_reason` - a column *named* like a patient identifier
  (NHS number, patient name, forename, surname, date of birth, postcode, address,
  hospital number, MRN ...). Names such as ``ward_name`` or ``trust`` are fine.
* :func:`nhs_number_mask` / :func:`contains_nhs_number` - a *value* holding a valid NHS
  number: ten digits, optionally grouped 3-3-4 with spaces or dashes, that pass the
  Modulus 11 check digit. Ten-digit numbers failing the check are not NHS numbers.

:func:`scrub` removes NHS numbers from text so that no report ever echoes one.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "NHS_NUMBER_PATTERN",
    "is_valid_nhs_number",
    "contains_nhs_number",
    "nhs_number_mask",
    "scrub",
    "identifier_column_reason",
]

# Ten digits, optionally written 3-3-4 with a space or dash between groups, not part of a
# longer number (a decimal fraction such as 0.1234567890 is not a candidate either).
NHS_NUMBER_PATTERN = re.compile(r"(?<!\d)(?<!\d\.)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
_CANDIDATE = r"(?<!\d)(?<!\d\.)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)"
_REMOVED = "[NHS number removed]"


def is_valid_nhs_number(digits: str) -> bool:
    """True if ``digits`` (exactly ten digits) passes the NHS Modulus 11 check."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def contains_nhs_number(text: object) -> bool:
    """True if the text holds a valid NHS number anywhere (with or without spaces/dashes)."""
    if text is None or (isinstance(text, float) and text != text):
        return False
    s = str(text)
    if len(s) < 10:
        return False
    return any(is_valid_nhs_number("".join(m.groups())) for m in NHS_NUMBER_PATTERN.finditer(s))


def nhs_number_mask(values: pd.Series) -> pd.Series:
    """Boolean Series, True where a cell holds a valid NHS number (checked once per distinct
    value, so a large column of repeated counts and months is cheap)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    hits = np.fromiter((contains_nhs_number(u) for u in uniques), dtype=bool, count=len(uniques))
    return pd.Series(hits[codes] if len(hits) else np.zeros(len(values), dtype=bool),
                     index=values.index)


def scrub(text: str) -> str:
    """Replace any valid NHS number in ``text`` by a placeholder."""
    if not text or len(text) < 10:
        return text

    def repl(m: re.Match[str]) -> str:
        return _REMOVED if is_valid_nhs_number("".join(m.groups())) else m.group(0)

    return NHS_NUMBER_PATTERN.sub(repl, text)


_EXACT = {
    "name": "a person's name",
    "names": "a person's name",
    "patient": "patient details",
    "patients_name": "a patient name",
    "full_name": "a person's name",
    "fullname": "a person's name",
    "firstname": "a person's name",
    "lastname": "a person's name",
    "initials": "a person's initials",
    "client": "patient details",
    "client_name": "a patient name",
    "service_user": "patient details",
    "service_user_name": "a patient name",
    "service_user_id": "a patient identifier",
    "nhs": "an NHS number",
    "nhsno": "an NHS number",
    "nhsnumber": "an NHS number",
    "nhs_num": "an NHS number",
    "dob": "a date of birth",
    "birthdate": "a date of birth",
    "birthday": "a date of birth",
    "postcode": "a postcode",
    "post_code": "a postcode",
    "postal_code": "a postcode",
    "zip": "a postcode",
    "zipcode": "a postcode",
    "zip_code": "a postcode",
    "address": "an address",
    "mrn": "a medical record number",
    "chi": "a CHI number",
    "email": "an email address",
    "e_mail": "an email address",
    "phone": "a telephone number",
    "telephone": "a telephone number",
    "mobile": "a telephone number",
    "phone_number": "a telephone number",
    "telephone_number": "a telephone number",
}
_ANYWHERE = {
    "forename": "a person's name",
    "forenames": "a person's name",
    "surname": "a person's name",
    "surnames": "a person's name",
    "dob": "a date of birth",
    "postcode": "a postcode",
    "address": "an address",
    "mrn": "a medical record number",
    "nhsno": "an NHS number",
    "nhsnumber": "an NHS number",
}
_ID_WORDS = {"no", "num", "number", "id", "identifier", "nr"}


def _tokens(name: str) -> list[str]:
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", str(name).strip())
    return [t for t in re.split(r"[^a-z0-9]+", s.lower()) if t]


def identifier_column_reason(name: object) -> str | None:
    """What a column name suggests it holds if it looks like a patient identifier, else None.

    Deliberately narrow to avoid false positives: ``ward_name``, ``trust``, ``patient_days``
    or ``patients_admitted`` are fine; ``name``, ``patient``, ``surname``, ``NHS number``,
    ``date of birth``, ``postcode``, ``hospital number`` are refused.
    """
    toks = _tokens(str(name))
    if not toks:
        return None
    joined = "_".join(toks)
    if joined in _EXACT:
        return _EXACT[joined]
    for t in toks:
        if t in _ANYWHERE:
            return _ANYWHERE[t]
    pairs = set(zip(toks, toks[1:]))
    if "nhs" in toks and (_ID_WORDS & set(toks)):
        return "an NHS number"
    if "chi" in toks and (_ID_WORDS & set(toks)):
        return "a CHI number"
    if "hospital" in toks and (_ID_WORDS & set(toks)):
        return "a hospital number"
    if ("medical", "record") in pairs or ("case", "note") in pairs or ("case", "notes") in pairs:
        return "a medical record number"
    if ("date", "of") in pairs and "birth" in toks or ("birth", "date") in pairs:
        return "a date of birth"
    if ("post", "code") in pairs:
        return "a postcode"
    for first in ("first", "last", "given", "family", "middle", "maiden", "full", "christian"):
        if (first, "name") in pairs or (first, "names") in pairs:
            return "a person's name"
    if ("name", "of") in pairs and ("patient" in toks or "client" in toks or "person" in toks):
        return "a patient name"
    patientish = {"patient", "patients", "client", "person", "service", "user", "resident"}
    if patientish & set(toks) and ({"name", "names", "initials", "dob"} | _ID_WORDS) & set(toks):
        return "a patient identifier"
    if joined in {"patient_details", "patient_detail"}:
        return "patient details"
    return None

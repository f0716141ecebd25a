"""Checks that refuse patient-identifiable data, and the scrubbing of anything that reaches an output.

The workbook holds aggregate counts per ward per month only. Two checks guard that:

* :func:`identifier_column_reason` -- a column *named* like a patient identifier: NHS, CHI,
  hospital, RiO, PAS, client, unit or case numbers, patient names, forenames, surnames, dates of
  birth, postcodes, addresses, telephone numbers, e-mail addresses. Names are compared after
  normalising punctuation, case and spacing (``D.O.B.``, ``Pt name``, ``Hosp No`` are caught);
  names such as ``ward_name``, ``trust`` or ``patient_days`` are fine.
* :func:`contains_nhs_number` -- a *value* holding a valid NHS number: ten digits passing the
  Modulus 11 check, written with any separators between groups (spaces of every kind, ``-``,
  ``.``, ``/``, dashes, parentheses, tabs) as 10, 3-3-4, 3-4-3, 4-3-3 or 5-5 digits or any
  other split into groups of three or more, in any Unicode digits (full-width digits included),
  or as a number in scientific notation (``9.434765919E9``, as spreadsheets write long numbers).
  Ten-digit numbers failing the check are not NHS numbers.

:func:`scrub` replaces NHS numbers in text, so that no message, page or file echoes one.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

__all__ = [
    "is_valid_nhs_number",
    "contains_nhs_number",
    "nhs_number_mask",
    "scrub",
    "identifier_column_reason",
]

_REMOVED = "[NHS number removed]"
# Runs of digits joined by separators a person or a system might put between groups of an NHS
# number; not part of a longer number, nor the fraction of a decimal (0.1234567890).
_SEPARATOR = r"[\s\-./()\u2010-\u2015\u2212_]"
_CANDIDATE = re.compile(rf"(?<![\d.])(?:\(\s*)?\d+(?:{_SEPARATOR}{{1,3}}\d+){{0,3}}(?!\d)(?!\.\d)")
_SCIENTIFIC = re.compile(r"(?<![\d.])(\d)\.(\d{1,9})[eE]\+?0*9(?!\d)(?!\.\d)")


def is_valid_nhs_number(digits: str) -> bool:
    """True if ``digits`` (exactly ten ASCII digits) passes the NHS Modulus 11 check."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def _normalised(text: str) -> str:
    """Unicode digits and spaces as ASCII (NFKC: full-width digits, non-breaking spaces ...)."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)


def _nhs_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every valid NHS number in ``text`` (positions in the normalised text)."""
    spans = []
    for match in _CANDIDATE.finditer(text):
        groups = re.findall(r"\d+", match.group(0))
        separators = re.findall(r"\D+", match.group(0).lstrip("( "))
        if separators.count(".") == 1:
            continue  # one lone dot: a decimal number (dots as group separators come two at a time)
        # Any run of consecutive groups holding ten digits: one group, or groups of three or more.
        for first in range(len(groups)):
            for last in range(first + 1, len(groups) + 1):
                part = groups[first:last]
                digits = "".join(part)
                if len(digits) > 10:
                    break
                if len(digits) == 10 and (len(part) == 1 or all(len(g) >= 3 for g in part)) and is_valid_nhs_number(digits):
                    spans.append(match.span())
    for match in _SCIENTIFIC.finditer(text):
        mantissa = match.group(1) + match.group(2)
        if is_valid_nhs_number(mantissa.ljust(10, "0")):
            spans.append(match.span())
    return spans


def contains_nhs_number(text: object) -> bool:
    """True if the text holds a valid NHS number anywhere (however it is written: see above)."""
    if text is None or (isinstance(text, float) and text != text):
        return False
    s = str(text)
    if sum(ch.isdigit() for ch in s) < 10 and not ("e" in s.lower() and "." in s):
        return False
    return bool(_nhs_spans(_normalised(s)))


def nhs_number_mask(values: pd.Series) -> pd.Series:
    """Boolean Series, True where a cell holds a valid NHS number (checked once per distinct
    value, so a large column of repeated counts and months is cheap)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    hits = np.fromiter((contains_nhs_number(u) for u in uniques), dtype=bool, count=len(uniques))
    return pd.Series(hits[codes] if len(hits) else np.zeros(len(values), dtype=bool), index=values.index)


def scrub(text: str) -> str:
    """``text`` with every valid NHS number replaced by a placeholder (Unicode digits and spaces
    are normalised first wherever one is found)."""
    if not text or not contains_nhs_number(text):
        return text
    normal = _normalised(text)
    pieces, last = [], 0
    for start, end in sorted(_nhs_spans(normal)):
        if start >= last:
            pieces += [normal[last:start], _REMOVED]
            last = end
    return "".join(pieces) + normal[last:]


# Identifier-like column names: whole normalised names, words anywhere, and words that name a
# patient or a record system followed by a word for a number.
_EXACT = {
    "name": "a person's name", "names": "a person's name", "patient": "patient details", "full_name": "a person's name",
    "fullname": "a person's name", "firstname": "a person's name", "lastname": "a person's name",
    "initials": "a person's initials", "client": "patient details", "service_user": "patient details",
    "nhs": "an NHS number", "dob": "a date of birth", "birthdate": "a date of birth", "birthday": "a date of birth",
    "zip": "a postcode", "zipcode": "a postcode", "address": "an address", "email": "an email address",
    "e_mail": "an email address", "phone": "a telephone number", "telephone": "a telephone number",
    "mobile": "a telephone number", "nok": "a next of kin", "next_of_kin": "a next of kin",
}
_ANYWHERE = {
    "forename": "a person's name", "forenames": "a person's name", "surname": "a person's name",
    "surnames": "a person's name", "dob": "a date of birth", "postcode": "a postcode", "postcodes": "a postcode",
    "address": "an address", "mrn": "a medical record number", "nhsno": "an NHS number", "nhsnumber": "an NHS number",
    "nhsnum": "an NHS number", "email": "an email address", "nok": "a next of kin",
}
_NUMBER_WORDS = {"no", "num", "nbr", "number", "id", "identifier", "nr", "ref", "reference"}
_SYSTEMS = {
    "nhs": "an NHS number", "chi": "a CHI number", "hospital": "a hospital number", "hosp": "a hospital number",
    "rio": "a RiO number", "pas": "a PAS number", "epr": "a patient record number", "emis": "a patient record number",
    "systmone": "a patient record number", "lorenzo": "a patient record number", "carenotes": "a patient record number",
    "paris": "a patient record number", "mosaic": "a patient record number", "ipm": "a PAS number",
    "patient": "a patient identifier", "patients": "a patient identifier", "pt": "a patient identifier",
    "client": "a patient identifier", "clients": "a patient identifier", "user": "a patient identifier",
    "resident": "a patient identifier", "person": "a patient identifier", "unit": "a unit (hospital) number",
    "case": "a case number", "medical": "a medical record number", "record": "a medical record number",
    "crn": "a patient record number", "mrn": "a medical record number",
}
_PEOPLE = {"patient", "patients", "pt", "client", "clients", "person", "service", "user", "resident"}
_NAME_WORDS = {"name", "names", "initials", "dob", "forename", "surname"}


def _tokens(name: str) -> list[str]:
    """Lower-case words of a column name; single letters in a row joined (``D.O.B.`` -> ``dob``)."""
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", unicodedata.normalize("NFKC", str(name)).strip())
    words = [t for t in re.split(r"[^a-z0-9]+", s.lower()) if t]
    merged: list[str] = []
    letters: list[str] = []
    for word in words:
        if len(word) == 1 and word.isalpha():
            letters.append(word)
            continue
        if letters:
            merged.append("".join(letters))
            letters = []
        merged.append(word)
    if letters:
        merged.append("".join(letters))
    return merged


def identifier_column_reason(name: object) -> str | None:
    """What a column name suggests it holds if it looks like a patient identifier, else None.

    Deliberately narrow to avoid false positives: ``ward_name``, ``trust``, ``patient_days`` or
    ``patients_admitted`` are fine; ``name``, ``patient``, ``surname``, ``NHS No.``, ``D.O.B.``,
    ``Pt name``, ``Hosp No``, ``RiO number``, ``PAS ID``, ``Client Ref`` are refused. The name is
    read both with and without splitting camel case (``RiO`` is one word, ``PatientName`` two).
    """
    plain = [t for t in re.split(r"[^a-z0-9]+", unicodedata.normalize("NFKC", str(name)).lower()) if t]
    return _reason(_tokens(str(name))) or _reason(plain)


def _reason(toks: list[str]) -> str | None:
    if not toks:
        return None
    joined = "_".join(toks)
    if joined in _EXACT:
        return _EXACT[joined]
    for token in toks:
        if token in _ANYWHERE:
            return _ANYWHERE[token]
    pairs = set(zip(toks, toks[1:]))
    if ("date", "of") in pairs and "birth" in toks or ("birth", "date") in pairs:
        return "a date of birth"
    if ("post", "code") in pairs:
        return "a postcode"
    for first in ("first", "last", "given", "family", "middle", "maiden", "full", "christian"):
        if (first, "name") in pairs or (first, "names") in pairs:
            return "a person's name"
    if _NUMBER_WORDS & set(toks):
        for token in toks:
            if token in _SYSTEMS and (token not in ("unit", "case", "record", "medical", "user", "person")
                                      or _number_follows(toks, token)):
                return _SYSTEMS[token]
    if _PEOPLE & set(toks) and _NAME_WORDS & set(toks):
        return "a patient's name"
    if joined in {"patient_details", "patient_detail", "client_details"}:
        return "patient details"
    return None


def _number_follows(tokens: list[str], word: str) -> bool:
    """``unit number``, ``case ref``: the word is directly followed by a word for a number."""
    return any(a == word and b in _NUMBER_WORDS for a, b in zip(tokens, tokens[1:]))

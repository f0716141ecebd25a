"""rrp_helpers.privacy: the NHS number check (Modulus 11) and patient-identifier column names."""

from __future__ import annotations

import pytest

from rrp_helpers.privacy import contains_nhs_number, identifier_column_reason, is_valid_nhs_number, scrub


@pytest.mark.parametrize("name", ["ward_name", "trust", "specialty", "patient_days",
                                  "patients_admitted", "staff_grade", "notes", "named_nurse_model"])
def test_ordinary_column_names_accepted(name: str) -> None:
    assert identifier_column_reason(name) is None


def test_nhs_checksum() -> None:
    assert is_valid_nhs_number("9434765919") and is_valid_nhs_number("4010232137")
    assert not is_valid_nhs_number("9434765918") and not is_valid_nhs_number("943476591")
    assert not is_valid_nhs_number("1000000010")       # check digit would be 10: invalid
    assert contains_nhs_number("x 943-476-5919 y") and not contains_nhs_number("19434765919")


# Identifiers however they are written (the probes of a hostile or careless user).
@pytest.mark.parametrize("column", ["D.O.B.", "Pt name", "Hosp No", "RiO number", "PAS ID", "Client Ref", "unit number",
                                    "NHS No.", "Post Code", "Service user name", "PatientName", "case ref", "Next of kin"])
def test_identifier_columns_are_recognised_after_normalising(column):
    assert identifier_column_reason(column), column


@pytest.mark.parametrize("column", ["ward_name", "trust", "patient_days", "patients_admitted", "beds", "unit_code",
                                    "ratio", "radio_contacts", "priority_no", "casework_hours"])
def test_ordinary_columns_are_not_identifiers(column):
    assert identifier_column_reason(column) is None, column


@pytest.mark.parametrize("written", [
    "943\u00a0476\u00a05919", "943.476.5919", "(943) 476 5919", "943/476/5919", "943\u20134765919", "943\t476\t5919",
    "943 4765 919", "94347 65919", "9.434765919E9", "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",
    "seen 12 943 476 5919 today",
])
def test_nhs_numbers_are_found_whatever_the_separators_and_digits(written):
    assert contains_nhs_number(written), written
    assert "5919" not in scrub(f"note: {written}.")


@pytest.mark.parametrize("text", ["0.9434765919", "9434765918", "1234.567890", "2019-01-01 10:00", "20190101 1234", "943.4765919"])
def test_numbers_that_are_not_nhs_numbers(text):
    assert not contains_nhs_number(text), text

"""rrp_helpers.data.problems: how a ``Problem`` and a ``ValidationReport`` read, and NHS
numbers never leaking through them.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_support import write_dir
from rrp_helpers.data import Problem, ValidationReport, validate
from rrp_helpers.privacy import is_valid_nhs_number


def test_problem_and_report_format(tmp_path: Path, tables) -> None:
    p = Problem("error", "monthly.csv", 14, "count", "-3", "counts must be whole numbers ≥ 0",
                "correct the count")
    assert str(p) == ("monthly.csv row 14, column 'count': value '-3' — counts must be whole "
                      "numbers ≥ 0. Fix: correct the count")
    tables["monthly"].loc[0:119, "count"] = "x"
    report = validate(write_dir(tmp_path / "c", tables))
    text = report.format()
    assert len(report.errors) == 120
    assert text.splitlines()[0].startswith("120 errors and")
    assert "… and 70 more in monthly.csv" in text
    assert text.count("ERROR") == 50


def _nhs_from(nine: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    check = (11 - total % 11) % 11
    return None if check == 10 else nine + str(check)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nine=st.text("0123456789", min_size=9, max_size=9), style=st.sampled_from(["plain", "space", "dash"]))
def test_property_valid_nhs_numbers_never_leak(tmp_path: Path, nine: str, style: str) -> None:
    nhs = _nhs_from(nine)
    if nhs is None:
        assert not any(is_valid_nhs_number(nine + str(c)) for c in range(10))
        return
    assert is_valid_nhs_number(nhs)
    shown = {"plain": nhs, "space": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
             "dash": f"{nhs[:3]}-{nhs[3:6]}-{nhs[6:]}"}[style]
    p = Problem("error", "x.csv", 2, "note", shown, f"value {shown}", f"hint {nhs}")
    assert nhs not in str(p) and shown not in str(p)
    assert ValidationReport(tmp_path, (p,)).format().count("[NHS number removed]") == 3

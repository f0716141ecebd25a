"""Tests' helper: tiny hand-made collaboratives of six months and three measures, whose expected
values are worked by hand (tests/test_outcomes.py, test_concepts.py, test_quality.py)."""

from __future__ import annotations

import dataclasses

from conftest import series_rows

MONTHS = ["2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-06"]
MEASURES = ("restraint", "seclusion", "rapid_tranquillisation")


def with_shift_rule(collab, shift_points):
    """The hand-worked cases use a shift rule of 3 on 6 months; the loader refuses rules under 5
    (they flag most wards by chance), so the rule is set after loading."""
    return dataclasses.replace(collab, config=dataclasses.replace(collab.config, shift_points=shift_points))


def full_rows(ward_id, counts_by_measure):
    rows = []
    for measure in MEASURES:
        rows += series_rows(ward_id, measure, MONTHS, counts_by_measure[measure])
    return rows

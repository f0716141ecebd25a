"""Tables for people (rrp_helpers/tables.py): human headers, no index column, readable numbers,
months and yes/no, an en dash for missing values, escaped data, the same HTML on every call, and
every table of the demo and the notebooks rendered without pandas' raw spellings."""

from __future__ import annotations

import datetime
import functools
import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from rrp_helpers import outcomes, quality, results, sensitivity, tables
from rrp_helpers.data import load_collaborative
from rrp_helpers.publish import PublishRule

DEMO = "data/demo"
COUNT_HEADERS = {"Baseline incidents", "Testing incidents", "Final phase incidents", "Incidents", "Wards", "Shifts",
                 "Occupied bed days"}
RAW_SPELLINGS = {"NaN", "nan", "None", "<NA>", "NaT", "True", "False", "null"}


def _soup(frame, **options) -> BeautifulSoup:
    return BeautifulSoup(tables.people_table(frame, **options).to_html(), "html.parser")


def _headers(soup: BeautifulSoup) -> list[str]:
    return [th.get_text() for th in soup.find("thead").find_all("th")]


def _rows(soup: BeautifulSoup) -> list[list[str]]:
    return [[td.get_text() for td in tr.find_all("td")] for tr in soup.find("tbody").find_all("tr")]


def _column(frame: pd.DataFrame, **options) -> list[str]:
    """The cells of a one-column frame."""
    return [row[0] for row in _rows(_soup(frame, **options))]


# --- headers and index -----------------------------------------------------------------------


def test_headers_are_for_people():
    frame = pd.DataFrame({"ward_id": ["alder"], "measure": ["restraint"], "baseline_mean": [1.0],
                          "p_false_reduction": [0.1], "some_new_column": ["x"]})
    assert _headers(_soup(frame)) == ["Ward ID", "Measure", "Baseline mean", "Chance of a false reduction",
                                      "Some new column"]


def test_the_callers_headers_and_measure_labels_come_first():
    frame = pd.DataFrame({"rate": [1.5], "restraint": ["down 5%"]})
    soup = _soup(frame, headers={"rate": "Per 1,000 bed days"}, labels={"restraint": "Physical restraint"})
    assert _headers(soup) == ["Per 1,000 bed days", "Physical restraint"]


def test_no_index_column_for_row_numbers():
    frame = pd.DataFrame({"wards": [3, 4]}, index=[17, 42])  # a filtered frame keeps its row numbers
    soup = _soup(frame)
    assert soup.find("th", class_="row_heading") is None and soup.find("th", class_="blank") is None
    assert soup.find("th", class_="index_name") is None
    assert _rows(soup) == [["3"], ["4"]]
    assert "17" not in soup.get_text() and "42" not in soup.get_text()


def test_a_meaningful_index_becomes_leading_columns():
    index = pd.MultiIndex.from_tuples([("improved", "restraint"), ("improved", "total"), ("deteriorated", "total")],
                                      names=["statement", "measure"])
    frame = pd.DataFrame({"wards": [5, 6, 1]}, index=index)
    soup = _soup(frame, labels={"restraint": "Physical restraint", "total": "All restrictive practice"})
    assert soup.find("th", class_="row_heading") is None
    assert _headers(soup) == ["Statement", "Measure", "Wards"]
    # The outer level is written once per group, as pandas shows a MultiIndex.
    assert _rows(soup) == [["Sustained improvement", "Physical restraint", "5"],
                           ["", "All restrictive practice", "6"],
                           ["Sustained deterioration", "All restrictive practice", "1"]]


def test_a_named_index_is_shown_and_can_be_hidden():
    frame = pd.DataFrame({"beds": [12]}, index=pd.Index(["alder"], name="ward_id"))
    assert _headers(_soup(frame)) == ["Ward ID", "Beds"]
    assert _headers(_soup(frame, index=False)) == ["Beds"]


def test_multiindex_columns_get_human_headers_on_every_level():
    columns = pd.MultiIndex.from_tuples([("wards", "mdc (shift 7)"), ("mean_reduction_pct", "mdc (shift 7)")])
    frame = pd.DataFrame([[3, 41.25]], columns=columns)
    soup = _soup(frame)
    assert _headers(soup) == ["Wards", "Mean reduction", "mdc (shift 7)", "mdc (shift 7)"]
    assert _rows(soup) == [["3", "+41.3%"]]


# --- values ------------------------------------------------------------------------------------


def test_missing_values_are_an_en_dash():
    frame = pd.DataFrame({"baseline_mean": [np.nan, 2.0], "shift_start": ["", "2019-01"],
                          "observed_wards": pd.array([pd.NA, 3], dtype="Int64"),
                          "month": [pd.NaT, pd.Timestamp("2019-02-01")], "note": [None, "ok"]})
    assert _rows(_soup(frame)) == [["\u2013"] * 5, ["2", "Jan 2019", "3", "Feb 2019", "ok"]]  # all whole: no decimals


def test_changes_carry_a_sign_and_a_percent_sign():
    frame = pd.DataFrame({"reduction_pct": [0.5, -12.34, 0.0], "change_pct": [20.11, -11.35, np.nan],
                          "final_change_pct": [3.0, -3.25, 1.04], "aim_reduction_pct": [33.0, 33.0, 33.0],
                          "exact_agreement_pct": [69.885, 70.0, 100.0], "difference_pct_points": [8.93, -10.12, 0.0]})
    assert _rows(_soup(frame)) == [
        ["+0.5%", "+20.1%", "+3.0%", "33%", "69.9%", "+8.9"],
        ["\u221212.3%", "\u221211.4%", "\u22123.3%", "33%", "70.0%", "\u221210.1"],
        ["0.0%", "\u2013", "+1.0%", "33%", "100.0%", "0.0"],
    ]


def test_counts_are_whole_numbers_with_thousands_separators():
    frame = pd.DataFrame({"count": [348.0, 1234.0], "bed_days": [12776.0, 0.0], "wards": [38, 1200000]})
    assert _rows(_soup(frame)) == [["348", "12,776", "38"], ["1,234", "0", "1,200,000"]]


def test_means_have_one_decimal_rounded_half_up():
    frame = pd.DataFrame({"baseline_mean": [466.1818, 8.25, 1234.56]})
    assert _column(frame) == ["466.2", "8.3", "1,234.6"]


def test_probabilities_have_three_decimals():
    frame = pd.DataFrame({"p_false_reduction": [0.0729, 0.0, 1.0]})
    assert _column(frame) == ["0.073", "0.000", "1.000"]


def test_no_scientific_notation_and_no_negative_zero():
    frame = pd.DataFrame({"mean_difference": [-0.0023, 0.0417], "unknown_statistic": [-2.3e-03, 1e-7]})
    assert _rows(_soup(frame)) == [["0.00", "0.00"], ["0.04", "0.00"]]


def test_months_and_days():
    frame = pd.DataFrame({"shift_start": ["2018-10", "2019-01"], "month": pd.to_datetime(["2018-11-01", "2018-12-01"]),
                          "date": pd.to_datetime(["2019-03-14", "2019-03-01"]),
                          "started": [pd.Period("2018-08", "M"), datetime.date(2018, 9, 1)]})
    assert _rows(_soup(frame)) == [["Oct 2018", "Nov 2018", "14 Mar 2019", "Aug 2018"],
                                   ["Jan 2019", "Dec 2018", "1 Mar 2019", "Sep 2018"]]


def test_booleans_are_yes_and_no():
    frame = pd.DataFrame({"aim_met": [True, False, True], "data_on_time": pd.array([True, False, pd.NA], dtype="boolean"),
                          "outlier95": ["True", "False", "*"]})  # a published yes/no column is text
    assert _rows(_soup(frame)) == [["yes", "yes", "yes"], ["no", "no", "no"], ["yes", "\u2013", "*"]]


def test_the_suppression_marker_is_kept_and_published_numbers_read_the_same():
    frame = pd.DataFrame({"baseline_mean": ["466", "*", None], "p_false_reduction": ["0.0729", "*", "0.0001"],
                          "reduction_pct": ["-12", "*", "35"], "count": ["1235", "*", "0"]})
    assert _rows(_soup(frame)) == [["466", "0.073", "\u221212%", "1,235"], ["*", "*", "*", "*"],
                                   ["\u2013", "0.000", "+35%", "0"]]


def test_phase_means_are_a_short_readable_list():
    frame = pd.DataFrame({"phase_means": ["baseline: 7.33; 2018-10: 0.76", "baseline: *; 2019-02: 12.25", "baseline: 3.00",
                                          ""]})
    shown = [cell.replace("\u00a0", " ") for cell in _column(frame)]  # no-break spaces within a phase
    assert shown == ["Baseline 7.3 \u00b7 from Oct 2018 0.8", "Baseline * \u00b7 from Feb 2019 12.3", "Baseline 3.0",
                     "\u2013"]
    assert _column(frame)[0] == "Baseline\u00a07.3 \u00b7 from\u00a0Oct\u00a02018\u00a00.8"


def test_codes_are_words_and_measures_their_labels():
    frame = pd.DataFrame({"statement": ["improved_any", "improved_in_2", "improved_none"],
                          "measure": ["any", "restraint", "rapid_tranquillisation"],
                          "sustained": ["improvement", "none", "deterioration"]})
    soup = _soup(frame, labels={"restraint": "Physical restraint"})
    assert _rows(soup) == [["Improved in at least one measure", "Any outcome measure", "Improvement"],
                           ["Improved in exactly 2 measures", "Physical restraint", "No sustained change"],
                           ["Improved in no measure", "Rapid tranquillisation", "Deterioration"]]


def test_ward_ids_as_names_when_given():
    frame = pd.DataFrame({"ward_id": ["alder", "zzz"], "wards": [1, 2]})
    soup = _soup(frame, ward_names={"alder": "Alder Ward"})
    assert _headers(soup) == ["Ward", "Wards"]
    assert _rows(soup) == [["Alder Ward", "1"], ["zzz", "2"]]


def test_people_text_for_sentences():
    assert tables.people_text(0.5, "reduction_pct") == "+0.5%"
    assert tables.people_text("2018-10", "shift_start") == "Oct 2018"
    assert tables.people_text(True) == "yes"
    assert tables.people_text(348.0, "count") == "348"
    assert tables.people_text(1234.0) == "1,234"
    assert tables.people_text(0.0729, "p_false_reduction") == "0.073"
    assert tables.people_text("*", "baseline_mean") == "*"
    assert tables.people_text(np.nan, "baseline_mean") == "\u2013"
    assert tables.people_text(pd.Timestamp("2018-11-01")) == "Nov 2018"
    assert tables.people_text("restraint", "measure", labels={"restraint": "Physical restraint"}) == "Physical restraint"


def test_a_record_as_a_two_column_table():
    ward = pd.Series({"ward_name": "Alder Ward", "specialty": "General adult", "beds": 12.0}, name="alder")
    soup = BeautifulSoup(tables.people_record(ward).to_html(), "html.parser")
    assert _rows(soup) == [["Ward", "Alder Ward"], ["Specialty", "General adult"], ["Beds", "12"]]


# --- safety, determinism, layout ---------------------------------------------------------------


def test_text_from_data_is_escaped():
    hostile = "<script>alert(1)</script>"
    frame = pd.DataFrame({"ward_name": [hostile], "measure": ["m"], hostile: ["x"], "ward_id": ["w"]})
    styler = tables.people_table(frame, caption=hostile, labels={"m": hostile}, ward_names={"w": hostile})
    page = styler.to_html()
    assert "<script" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 4  # the caption, a header, two cells
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("script") is None
    assert hostile in _rows(soup)[0]
    record = tables.people_record(pd.Series({"ward_name": hostile})).to_html()
    assert "<script" not in record


def test_the_same_frame_gives_the_same_html():
    frame = pd.DataFrame({"ward_id": ["alder", "ash"], "baseline_mean": [1.25, np.nan]})
    first = tables.people_table(frame, caption="Wards").to_html()
    assert tables.people_table(frame.copy(), caption="Wards").to_html() == first
    other = tables.people_table(frame.assign(baseline_mean=[1.0, 2.0]), caption="Wards").to_html()
    assert re.search(r'id="(T_[^"]+)"', other).group(1) != re.search(r'id="(T_[^"]+)"', first).group(1)


def test_a_table_id_of_the_callers_own():
    page = tables.people_table(pd.DataFrame({"wards": [1]}), table_id="team_summary").to_html()
    assert 'id="T_team_summary"' in page
    with pytest.raises(ValueError, match="table id"):
        tables.people_table(pd.DataFrame({"wards": [1]}), table_id='x" onclick="alert(1)')


def test_layout_wraps_text_in_the_page_font_on_a_grey_header():
    frame = pd.DataFrame({"idea": ["a long description of a change idea, far longer than forty characters"], "wards": [3]})
    page = tables.people_table(frame).to_html()
    assert "white-space: normal" in page
    assert "sans-serif" in page
    assert "background-color: #E8EDEE" in page
    assert "max-width: 30em" in page  # the long text column wraps within a width
    assert "text-align: right" in page  # numbers right-aligned


def test_empty_frames_render():
    for frame in (pd.DataFrame(), pd.DataFrame(columns=["ward_id", "reduction_pct"]),
                  pd.DataFrame({"count": pd.Series([], dtype=float)})):
        soup = _soup(frame)
        assert _rows(soup)[0][0] == "No rows"
    assert _headers(_soup(pd.DataFrame(columns=["ward_id", "reduction_pct"]))) == ["Ward ID",
                                                                                  "Reduction, final phase vs baseline"]


# --- every table of the demo -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_tables():
    """Every results table (internal and published) and every table the notebooks show, of the
    demo; the chance simulation with fewer runs (the tables' columns are the same)."""
    collab = load_collaborative(DEMO)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sensitivity, "chance_tables", functools.partial(sensitivity.chance_tables, runs=300))
        internal = results.compute_results(collab)
        rule = PublishRule()
        published = results.compute_results(collab, rule)
    ward_id = str(collab.wards["ward_id"].iloc[0])
    ideas = collab.change_ideas[collab.change_ideas["ward_id"].eq(ward_id)]
    team = internal["team_results"]
    notebook = {
        "missing_status": quality.missing_ward_months(collab)["status"].value_counts(),
        "monthly_incomplete": results.published_table(
            "collaborative_monthly", outcomes.collaborative_monthly(collab).query("wards_missing > 0"), rule),
        "team_results_wide": outcomes.team_results_wide(collab, published["team_results"]),
        "side_by_side": sensitivity.side_by_side(internal["rule_sensitivity"]),
        "aim_summary": outcomes.aim_summary(collab, internal["collaborative_results"], team),
        "ward_results": results.published_table(
            "team_results", outcomes.team_results(collab, ward_id=ward_id, publish_rule=rule), rule).drop(columns="ward_id"),
        "ward_ideas": ideas[["idea_id", "started", "change_concept", "idea", "pdsa_cycles", "status"]],
        "ward_engagement": collab.engagement[collab.engagement["ward_id"].eq(ward_id)].drop(columns="ward_id"),
        "concept_outcomes_sorted": internal["concept_outcomes"].sort_values("difference_pct_points", ascending=False),
        "missing_ward_months": quality.missing_ward_months(collab),
    }
    frames = {**{f"internal {k}": v for k, v in internal.items()}, **{f"published {k}": v for k, v in published.items()},
              **notebook}
    names = dict(zip(collab.wards["ward_id"], collab.wards["ward_name"]))
    return frames, outcomes.measure_labels(collab), names


def test_every_demo_table_renders_for_people(demo_tables):
    frames, labels, names = demo_tables
    assert len(frames) == 2 * len(results.TABLES) + 10
    for name, frame in frames.items():
        soup = _soup(frame, labels=labels, ward_names=names)
        cells = [td.get_text() for td in soup.find_all("td")]
        headers = _headers(soup)
        assert soup.find("th", class_="row_heading") is None, name
        assert len(_rows(soup)) == max(len(frame), 1), name
        assert not [c for c in cells if c.strip() in RAW_SPELLINGS], name
        assert not [c for c in cells + headers if re.search(r"\de[-+]?\d", c)], name  # no scientific notation
        assert not [h for h in headers if "_" in h], name  # no snake_case header
        assert not [c for c in cells if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?( 00:00:00)?", c)], name  # no raw dates
        if len(frame) and frame.ndim == 2 and frame.columns.nlevels == 1:
            for position, header in enumerate(headers):
                if header in COUNT_HEADERS:  # whole numbers, never "348.0"
                    assert all(re.fullmatch(r"[\d,]+|\*|\u2013", row[position]) for row in _rows(soup)), (name, header)


def test_demo_tables_keep_suppression_and_use_words(demo_tables):
    frames, labels, _ = demo_tables
    published = _rows(_soup(frames["published team_results"], labels=labels))
    assert any(cell == "*" for row in published for cell in row)  # a mean from few incidents
    phases = [row[9].replace("\u00a0", " ") for row in published]
    few = re.compile(r"Baseline \*( \u00b7 .*)?|.*\u00b7 from \w{3} \d{4} \*.*")  # a phase mean from few incidents
    assert any(few.fullmatch(cell) for cell in phases)
    summary = [row[0] for row in _rows(_soup(frames["internal team_summary"], labels=labels))]
    assert summary[:2] == ["Improved in at least one measure", "Improved in exactly 1 measure"]
    measures = [row[0] for row in _rows(_soup(frames["internal collaborative_results"], labels=labels))]
    assert measures == list(labels.values())


def test_demo_tables_render_the_same_twice(demo_tables):
    frames, labels, _ = demo_tables
    for name in ("internal team_results", "side_by_side", "published chance"):
        assert (tables.people_table(frames[name], labels=labels).to_html()
                == tables.people_table(frames[name], labels=labels).to_html()), name


def test_a_long_table_comes_with_a_search_box():
    frame = pd.DataFrame({"ward_name": [f"Ward {k}" for k in range(100)], "baseline_mean": range(100)})
    table = tables.people_table(frame)
    page = table.to_html()
    assert isinstance(table, tables.SearchableTable)
    assert 'type="search"' in page and "Search the 100 rows" in page and page.count("<tr") >= 101
    table_id = re.search(r'<table id="(T_[^"]+)"', page).group(1)
    assert f'id="{table_id}-search"' in page and f"#{table_id} tbody tr" in page  # the box filters its own table
    short = tables.people_table(frame.head(10))
    assert "search" not in short.to_html()

"""What each page shows, composed once: the statistics of :mod:`rrp_helpers.outcomes` drawn by
:mod:`rrp_helpers.charts`, so that a notebook, a report page and its slide PNGs draw a ward or the
collaborative from the same chart data.
"""

from __future__ import annotations

import html

import pandas as pd
from pandas.io.formats.style import Styler

from rrp_helpers import chart_data, charts, mdc, outcomes, publish, sensitivity
from rrp_helpers.charts import icons
from rrp_helpers.data import TOTAL, Collaborative
from rrp_helpers.summary import ICON_COLUMNS, summary_matrix
from rrp_helpers.tables import people_table
from rrp_helpers.publish import PublishRule

__all__ = ["ward_panels", "ward_dashboard", "collaborative_panels", "collaborative_dashboard", "summary_table",
           "icon_key", "funnel_chart", "rare_measure_charts", "ward_heading", "marks_note", "prose"]


def ward_panels(collab: Collaborative, ward_id: str, *, publish_rule: PublishRule | None = None) -> dict[str, dict]:
    """The ward's SPC panel of each measure and the total, with its notes and change ideas:
    ``{measure: Vega-Lite spec}`` (each spec stands alone)."""
    ward_name = str(collab.wards.set_index("ward_id").at[ward_id, "ward_name"])
    notes = collab.annotations[collab.annotations["ward_id"].isin([ward_id, "ALL"])]
    ideas = collab.ward_rows("change_ideas", ward_id)
    points = chart_data.chart_points(collab, ward_id=ward_id, publish_rule=publish_rule)
    return charts.measure_panels(
        points, outcomes.measure_labels(collab), title_prefix=f"{ward_name}: ", annotations=notes, change_ideas=ideas,
        y_title=outcomes.chart_unit(collab, ward=True), subtitle=outcomes.chart_note(collab, ward=True),
    )


def ward_dashboard(collab: Collaborative, ward_id: str, *, publish_rule: PublishRule | None = None) -> charts.ComposedChart:
    """:func:`ward_panels` as one chart, two panels per row."""
    return charts.dashboard(list(ward_panels(collab, ward_id, publish_rule=publish_rule).values()))


def collaborative_panels(collab: Collaborative, *, publish_rule: PublishRule | None = None) -> dict[str, dict]:
    """Figure 1: the collaborative's SPC panel of each measure and the total, with the notes for
    every ward."""
    points = chart_data.chart_points(collab, publish_rule=publish_rule)
    notes = collab.annotations[collab.annotations["ward_id"].eq("ALL")]
    return charts.measure_panels(
        points, outcomes.measure_labels(collab), annotations=notes,
        y_title=outcomes.chart_unit(collab, ward=False), subtitle=outcomes.chart_note(collab),
    )


def collaborative_dashboard(collab: Collaborative, *, publish_rule: PublishRule | None = None) -> charts.ComposedChart:
    """:func:`collaborative_panels` as one chart, two panels per row."""
    return charts.dashboard(list(collaborative_panels(collab, publish_rule=publish_rule).values()))


_VERDICT_BACKGROUND = {"improvement": "#E0F0FB", "concern": "#FDEBD9", "no_change": "#FFFFFF"}


#: Beyond this many wards the notebook shows the collaborative's row and counts of verdicts; the
#: full matrix is on the reports' index, which sorts, filters and searches it.
SUMMARY_WARDS = 60


def summary_table(matrix: pd.DataFrame, *, unit: str = "ward"):
    """The summary matrix (:func:`rrp_helpers.summary.summary_matrix`) as a table to display:
    wards (the collaborative first) by measures, each cell the two Making Data Count icons (with
    text alternatives) and the team-level result, on the verdict's colour. Every text is escaped.
    With more than :data:`SUMMARY_WARDS` wards: the collaborative's row, and how many wards
    have each verdict per measure (``unit``: what the collaborative calls a ward)."""
    from IPython.display import HTML

    wards = matrix["ward_id"].nunique() - 1
    if wards <= SUMMARY_WARDS:
        return _matrix_table(matrix)
    whole = _matrix_table(matrix[matrix["ward_id"].eq(matrix["ward_id"].iloc[0])])
    counts = (matrix[matrix["ward_id"].ne(matrix["ward_id"].iloc[0])]
              .assign(verdict=lambda f: f["verdict"].map(_VERDICT_WORDS))
              .pivot_table(index="measure_label", columns="verdict", values="ward_id", aggfunc="count", fill_value=0, sort=False)
              .reindex(columns=list(_VERDICT_WORDS.values()), fill_value=0))
    counts.index.name, counts.columns.name = "Measure", None
    note = (f"<p>{wards:,} {html.escape(unit)}s: too many for one table here. The reports' index holds the whole matrix, "
            "sortable, filterable and searchable.</p>")
    caption = f"{unit.capitalize()}s by result"
    return HTML(whole.to_html() + note + people_table(counts.reset_index(), caption=caption).to_html())


def collaborative_summary(collab: Collaborative, *, publish_rule: PublishRule | None = None):
    """The summary matrix as the collaborative notebook shows it (:func:`summary_table`): up to
    :data:`SUMMARY_WARDS` wards, every ward's row; beyond, the collaborative's row and counts of
    verdicts, so no ward's icons are computed (the reports' index has them, from each ward's task)."""
    few = len(collab.wards) <= SUMMARY_WARDS
    matrix = summary_matrix(collab, publish_rule=publish_rule, icons=None if few else pd.DataFrame(columns=ICON_COLUMNS))
    return summary_table(matrix, unit=collab.config.unit_label)


_VERDICT_WORDS = {"improvement": "sustained improvement", "concern": "sustained deterioration", "no_change": "no sustained change"}


def _matrix_table(matrix: pd.DataFrame) -> Styler:
    names = matrix.drop_duplicates("ward_id").set_index("ward_id")["ward_name"]
    shared = names.duplicated(keep=False)
    row_label = names.where(~shared, names + " (" + names.index.to_series() + ")")
    cells = matrix.assign(
        row=matrix["ward_id"].map(row_label),
        html=[
            f"{icons.variation_svg(v, vt, size=22)} {icons.assurance_svg(a, at, size=22)}<br>{html.escape(result)}"
            for v, vt, a, at, result in zip(matrix["variation"], matrix["variation_text"], matrix["assurance"],
                                            matrix["assurance_text"], matrix["result"])
        ],
        css="background-color: " + matrix["verdict"].map(_VERDICT_BACKGROUND) + "; vertical-align: top; min-width: 9em",
    )
    order = dict(row=list(dict.fromkeys(cells["row"])), measure_label=list(dict.fromkeys(cells["measure_label"])))
    wide = cells.pivot(index="row", columns="measure_label", values="html").loc[order["row"], order["measure_label"]]
    colours = cells.pivot(index="row", columns="measure_label", values="css").loc[order["row"], order["measure_label"]]
    wide.index.name = wide.columns.name = None
    colours.index.name = colours.columns.name = None
    return (wide.style.set_uuid("rrp_summary").format(escape=None).format_index(escape="html", axis=0).format_index(escape="html", axis=1)
            .apply(lambda _: colours, axis=None))


def icon_key() -> str:
    """HTML: every Making Data Count icon beside what it means."""
    return icons.icon_legend_html(mdc.VARIATION_TEXTS, mdc.ASSURANCE_TEXTS, size=24)


def funnel_chart(collab: Collaborative, measure: str | None = None, *, publish_rule: PublishRule | None = None):
    """The funnel plot of the wards' testing-period rates of ``measure`` (default: the total, or
    the first measure when there is no total) per ``rate_per`` occupied bed days
    (:func:`rrp_helpers.sensitivity.ward_funnel`), or None when no ward has bed days.
    Published, a ward whose rate comes from few incidents is left out (the limits stay)."""
    measure = measure or (TOTAL if outcomes.has_total(collab) else outcomes.reported_measures(collab)[0])
    table = sensitivity.ward_funnel(collab)
    rows = table[table["measure"].eq(measure)]
    if rows.empty:
        return None
    per = collab.config.rate_per
    curves = sensitivity.ward_funnel_limits(rows, per=per)
    if publish_rule is not None:
        rows = rows[~publish.is_small(rows["incidents"], publish_rule)]
    names = collab.wards.set_index("ward_id")["ward_name"].astype(str)
    units = rows.assign(label=rows["ward_id"].map(names).fillna(rows["ward_id"]))[["label", "bed_days", "rate", "position"]]
    label = outcomes.measure_labels(collab).get(measure, measure)
    return charts.funnel_plot(units, curves, positions=sensitivity.FUNNEL_POSITIONS,
                              title=f"{label}: {collab.config.unit_label}s compared, "
                                    + ("testing period" if collab.config.testing_start is not None else "every month"),
                              y_title=f"Incidents per {per:,} occupied bed days")


def rare_measure_charts(collab: Collaborative, ward_id: str, *, publish_rule: PublishRule | None = None
                        ) -> tuple[list[str], charts.ComposedChart | None]:
    """For each measure rare on the ward (:func:`rrp_helpers.chart_data.rare_measures`): a sentence
    saying so, and a g chart of the incident-free days between its incidents from the safety
    cross. Published, no g chart (its points date single incidents) and a sentence saying why."""
    rare = chart_data.rare_measures(collab, ward_id)
    labels = outcomes.measure_labels(collab)
    ward_name = str(collab.wards.set_index("ward_id").at[ward_id, "ward_name"])
    sentences, panels = [], []
    for measure, median in rare.items():
        label = labels.get(measure, measure)
        sentence = (f"{label} is rare on this ward (a baseline median of {median:g} a month, below "
                    f"{chart_data.RARE_BASELINE_MEDIAN}): its monthly chart can hardly signal a change. ")
        points = None if publish_rule is not None else chart_data.gap_points(collab, ward_id, measure)
        if publish_rule is not None:
            sentences.append(sentence + "Its g chart is not published: each point would date a single incident.")
            continue
        if points is None:
            sentences.append(sentence + "Its safety cross has too few incidents for a g chart.")
            continue
        sentences.append(sentence + "The g chart below counts the incident-free days between consecutive incidents "
                         "in the safety cross: longer gaps are better, so points above the centre line are good news.")
        panels.append(charts.assembly.panel_spec(
            points, title=f"{ward_name}: {label}, days between incidents (g chart)", y_title="Incident-free days",
            subtitle="Testing period, from the safety cross; each point is dated by the incident that ends the gap",
            annotations=None, change_ideas=None, width=380, height=190))
    return sentences, (charts.dashboard(panels) if panels else None)


def ward_heading(collab: Collaborative, ward_id: str, *, publish_rule: PublishRule | None = None) -> str:
    """Markdown for the top of a ward's report: its title (in the collaborative's unit: ward or
    provider), the plain-English summary of its results (:func:`rrp_helpers.outcomes.ward_summary`)
    and what the page shows. Text from the data is escaped."""
    unit = collab.config.unit_label
    name = _markdown_text(str(collab.wards.set_index("ward_id").at[ward_id, "ward_name"]))
    summary = _markdown_text(outcomes.ward_summary(collab, ward_id, publish_rule=publish_rule))
    shows = [f"the {unit}'s SPC charts of each measure and their total, with the phases found"]
    if collab.has("change_ideas"):
        shows.append("the change ideas it tested")
    if collab.has("engagement"):
        shows.append("its engagement with the collaborative")
    if collab.has("safety_cross"):
        shows.append("the safety cross of its latest month")
    listed = ", ".join(shows[:-1]) + (" and " if len(shows) > 1 else "") + shows[-1]
    return f"# {unit.capitalize()} report: {name}\n\n**{summary}**\n\nThis page shows {listed}."


def marks_note(collab: Collaborative, ward_id: str | None = None) -> str:
    """The sentence on the marks above a ward's (or, with no ``ward_id``, the collaborative's)
    charts, naming only the marks drawn: notes and change ideas. Empty when there are none."""
    notes = collab.annotations["ward_id"].isin([ward_id, "ALL"] if ward_id else ["ALL"]).any()
    ideas = ward_id is not None and not collab.ward_rows("change_ideas", ward_id).empty
    parts = []
    if notes:
        parts.append("numbered green circles above a chart are notes, listed under it")
    if ideas:
        parts.append("pink ticks mark the months change ideas started")
    if not parts:
        return ""
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _markdown_text(text: str) -> str:
    """``text`` safe inside Markdown: HTML escaped, Markdown's own marks backslashed."""
    escaped = html.escape(text)
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|>~" else c for c in escaped)


def prose(*paragraphs: str):
    """Sentences for a page, in its own font (not a monospaced printout): an IPython Markdown
    object of the paragraphs, every character of them escaped (text from the data is untrusted)."""
    from IPython.display import Markdown

    return Markdown("\n\n".join(_markdown_text(paragraph) for paragraph in paragraphs if paragraph))

"""Altair charts for the workbook: drawing only (``docs/design.md``, section 5).

* :mod:`~rrp_helpers.charts.theme` -- colours, the theme, renderers, notebook set-up;
* :mod:`~rrp_helpers.charts.spc` -- the SPC chart of one series;
* :mod:`~rrp_helpers.charts.assembly` -- SPC panels assembled fast, dashboards of panels;
* :mod:`~rrp_helpers.charts.grids` -- many series in one chart, chosen in the page (the explorer);
* :mod:`~rrp_helpers.charts.funnels` -- a funnel plot comparing wards;
* :mod:`~rrp_helpers.charts.icons` -- Making Data Count icons (SVG);
* :mod:`~rrp_helpers.charts.diagrams` -- driver diagram, concepts, data quality, safety cross.

Every number drawn comes from the statistics modules; nothing here computes a statistic.
"""

from rrp_helpers.startup import skip_slow_optional_imports

skip_slow_optional_imports()  # before the modules below import Altair, and Altair jsonschema

from rrp_helpers.charts.diagrams import (  # noqa: E402
    agreement_plot,
    concept_heatmap,
    concept_outcomes_plot,
    driver_diagram,
    idea_timeline,
    missing_heatmap,
    safety_cross,
)
from rrp_helpers.charts.assembly import ComposedChart, dashboard, measure_dashboard, measure_panels  # noqa: E402
from rrp_helpers.charts.funnels import funnel_plot  # noqa: E402
from rrp_helpers.charts.grids import selectable_spc_chart, ward_grid  # noqa: E402
from rrp_helpers.charts.spc import spc_chart  # noqa: E402
from rrp_helpers.charts.theme import (  # noqa: E402
    EMBED_RENDERER,
    POINT_COLOURS,
    POINT_LABELS,
    POINT_TYPES,
    interactive_html,
    reset_chart_ids,
    setup_notebook,
    use_theme,
)

__all__ = [
    "agreement_plot", "concept_heatmap", "concept_outcomes_plot", "driver_diagram", "idea_timeline",
    "missing_heatmap", "safety_cross", "funnel_plot", "ComposedChart", "dashboard", "selectable_spc_chart", "measure_dashboard",
    "measure_panels", "spc_chart", "ward_grid", "EMBED_RENDERER", "POINT_COLOURS", "POINT_LABELS", "POINT_TYPES",
    "interactive_html", "reset_chart_ids", "setup_notebook", "use_theme",
]

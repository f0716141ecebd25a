"""The workbook's look: NHS colours, the Altair theme, and how charts are rendered.

One theme (:func:`use_theme`): NHS identity colours, readable fonts, and the Making Data Count
point colours (blue improvement, orange concern, purple neutral, grey common cause), which stay
distinguishable with the common colour-vision deficiencies. Renderers: ``svg`` for stored
notebooks (offline, deterministic, drawn by vl-convert with its bundled font), ``rrp-embed`` for
HTML reports (each chart's Vega-Lite spec and a ``vegaEmbed`` call; the page inlines the Vega
libraries once).
"""

from __future__ import annotations

import itertools
import json

import altair as alt
import pandas as pd

from rrp_helpers.fonts import vl_convert_bundled_fonts

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_WARM_YELLOW = "#FFB81C"
NHS_ORANGE = "#ED8B00"
NHS_PURPLE = "#330072"
NHS_AQUA_GREEN = "#00A499"
NHS_RED = "#DA291C"
NHS_GREEN = "#009639"
NHS_LIGHT_BLUE = "#41B6E6"

#: Point colours, Making Data Count convention.
POINT_TYPES = ("common_cause", "improvement", "concern", "neutral")
POINT_LABELS = ("Common cause", "Special cause: improvement", "Special cause: concern", "Special cause: neutral")
POINT_COLOURS = (NHS_MID_GREY, NHS_LIGHT_BLUE, NHS_ORANGE, NHS_PURPLE)
FONT = "Arial, Helvetica, sans-serif"
THEME_NAME = "rrp"


def _theme() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig(
        {
            "config": {
                "font": FONT,
                "view": {"stroke": None, "continuousWidth": 520, "continuousHeight": 220},
                "axis": {
                    "labelFontSize": 11,
                    "titleFontSize": 12,
                    "titleFontWeight": "normal",
                    "titleColor": NHS_DARK_GREY,
                    "labelColor": NHS_DARK_GREY,
                    "gridColor": NHS_PALE_GREY,
                    "domainColor": NHS_MID_GREY,
                    "tickColor": NHS_MID_GREY,
                },
                "title": {"fontSize": 14, "color": NHS_DARK_BLUE, "anchor": "start", "subtitleColor": NHS_DARK_GREY},
                "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"},
                "range": {"category": [NHS_BLUE, NHS_ORANGE, NHS_AQUA_GREEN, NHS_PURPLE, NHS_WARM_YELLOW, NHS_DARK_GREY]},
            }
        }
    )


def use_theme() -> None:
    """Register and enable the workbook's Altair theme (idempotent)."""
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(_theme)
    alt.theme.enable(THEME_NAME)


EMBED_RENDERER = "rrp-embed"
#: vega-embed options in HTML reports: the "..." menu saves a chart as PNG or SVG (drawn in the
#: browser, offline); the source, compiled-spec and online-editor entries are left out.
EMBED_OPTIONS = json.dumps({"actions": {"compiled": False, "editor": False, "export": True, "source": False}})
_embed_ids = itertools.count(1)


def _embed_renderer(spec: dict, **_: object) -> dict[str, str]:
    """Render a chart as a div plus a module script calling ``vegaEmbed`` (libraries not included).

    For HTML reports whose page loads the Vega bundle once (``vl_convert.javascript_bundle()``)
    ahead of these scripts. Ids count up from 1 in each kernel, so outputs are deterministic.
    Every ``<``, ``>`` and ``&`` of the spec is written as a JSON escape (:func:`script_json`).
    """
    element = f"rrp-chart-{next(_embed_ids)}"
    payload = script_json(spec)
    script = f'vegaEmbed("#{element}", {payload}, {EMBED_OPTIONS}).catch(console.error);'
    return {"text/html": f'<div id="{element}" class="rrp-chart"></div>\n<script type="module">{script}</script>'}


def script_json(value: object) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>``: ``<``, ``>`` and ``&`` are
    written as ``\\u003c``, ``\\u003e`` and ``\\u0026`` (the same values to JavaScript), so no text
    from the data can close the script, open a comment (``<!--``) or start a tag there."""
    return json.dumps(value, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


#: The most rows a chart in a notebook may carry (Altair refuses more; its own default is 5,000).
#: Charts that grow with the wards summarise beyond 60 wards (:mod:`rrp_helpers.quality`,
#: :func:`rrp_helpers.concepts.concept_map`) and the explorers carry at most 60 wards' points
#: (:data:`rrp_helpers.explorer.MAX_WARDS_IN_PAGE`): 60 wards x 5 measures x 60 months fit, so
#: only a chart that forgot to summarise is refused.
MAX_PAGE_ROWS = 20_000


def setup_notebook(renderer: str = "svg") -> None:
    """Theme, renderer and table display for the workbook's notebooks.

    ``svg`` (default) draws charts offline with vl-convert and keeps stored notebooks small and
    deterministic for the nbval regression tests. ``rrp-embed`` emits each chart as its Vega-Lite
    spec plus a ``vegaEmbed`` call, for HTML reports that inline the Vega libraries once per page
    (interactive tooltips, no CDN, no per-chart conversion in the kernel). ``jupyter`` gives
    interactive charts in JupyterLab without a CDN (call ``alt.JupyterChart.enable_offline()``).
    With ``svg`` or ``png``, vl-convert draws text with its bundled font
    (:func:`rrp_helpers.fonts.vl_convert_bundled_fonts`).
    """
    use_theme()
    alt.data_transformers.enable("default", max_rows=MAX_PAGE_ROWS)
    if EMBED_RENDERER not in alt.renderers.names():
        alt.renderers.register(EMBED_RENDERER, _embed_renderer)
    alt.renderers.enable(renderer)
    if renderer in ("svg", "png"):  # converted here, by vl-convert
        vl_convert_bundled_fonts()
    pd.set_option("display.max_rows", 60)
    pd.set_option("display.precision", 1)


def interactive_html(chart: alt.TopLevelMixin):
    """The chart as an HTML display object with the Vega libraries inlined (no CDN, no kernel).

    For the one chart of a notebook that must stay interactive in exported static HTML. The
    output is about 1 MB (the libraries), so use it sparingly. Under the ``rrp-embed`` renderer
    (HTML reports, whose pages inline the libraries once) the chart itself is returned instead.
    """
    from IPython.display import HTML

    if alt.renderers.active == EMBED_RENDERER:
        return chart
    return HTML(chart.to_html(inline=True, fullhtml=False, output_div="rrp-static-chart"))


def reset_chart_ids() -> None:
    """Number the next notebook's ``rrp-embed`` charts from 1 again (a warm kernel runs many)."""
    global _embed_ids
    _embed_ids = itertools.count(1)

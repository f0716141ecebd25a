"""vl-convert with its bundled font: fast, machine-independent text in SVG and PNG charts.

Used wherever charts are converted in Python: the notebooks' ``svg`` renderer
(:func:`rrp_helpers.charts.setup_notebook`) and the slide PNGs of ``rrp reports``. Kept apart
from ``charts`` so that report workers need not import Altair.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import ModuleType
from xml.sax.saxutils import escape

# A fontconfig file naming one font folder, and no other: vl-convert's font database then finds
# no system fonts (the folder holds only this file).
_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{folder}</dir></fontconfig>
"""
# A chart with text: converting it makes vl-convert build its font database.
_FONT_PROBE = {"data": {"values": [{"t": "Aa"}]}, "mark": "text", "encoding": {"text": {"field": "t"}}}
_fonts_ready = False


def vl_convert_bundled_fonts() -> ModuleType:
    """``vl_convert``, drawing text with only its bundled Liberation Sans (set up once per process).

    vl-convert (1.9) reopens and memory-maps a system font's file for every glyph it measures or
    draws: about 2,850 times for one SPC chart, a third of a PNG's CPU time spent in system
    calls. The Liberation Sans it bundles (metrically identical to Arial, and the font it picks on
    a machine without Arial anyway) is held in memory. So its font database is built, on the
    first conversion, from a fontconfig file naming an empty folder (``FONTCONFIG_FILE``, read
    on Linux and BSD; elsewhere nothing changes). The environment is restored afterwards. Charts
    then look the same on every machine, whatever fonts it has; characters Liberation Sans lacks
    are drawn as boxes. Measured (``benchmarks/bench_report_parts.py``): a ward's four slide PNGs
    in 0.56 s instead of 0.87 s, their SVGs in 0.27 s instead of 0.41 s, with the same layout. No
    effect if this process has already converted a chart with text.
    """
    global _fonts_ready
    import vl_convert

    if not _fonts_ready:
        previous = os.environ.get("FONTCONFIG_FILE")
        with tempfile.TemporaryDirectory(prefix="rrp-fonts-") as folder:
            conf = Path(folder) / "fonts.conf"
            conf.write_text(_FONTS_CONF.format(folder=escape(folder)), encoding="utf-8")
            os.environ["FONTCONFIG_FILE"] = str(conf)
            try:
                vl_convert.vegalite_to_svg(_FONT_PROBE)
            finally:
                if previous is None:
                    os.environ.pop("FONTCONFIG_FILE", None)
                else:
                    os.environ["FONTCONFIG_FILE"] = previous
        _fonts_ready = True
    return vl_convert

"""vl-convert with its bundled font: fast, machine-independent text in SVG and PNG charts.

Used wherever charts are converted in Python: the notebooks' ``svg`` renderer
(:func:`rrp_helpers.charts.setup_notebook`) and the slide PNGs of ``rrp reports``. Kept apart
from ``charts`` so that report workers need not import Altair.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
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
_fonts_lock = threading.Lock()


def vl_convert_bundled_fonts() -> ModuleType:
    """``vl_convert``, drawing text with only its bundled Liberation Sans (set up once per process).

    vl-convert (1.9) reopens and memory-maps a system font's file for every glyph it measures or
    draws: about 2,850 times for one SPC chart, a third of a PNG's CPU time spent in system
    calls. The Liberation Sans it bundles (metrically identical to Arial, and the font it picks on
    a machine without Arial anyway) is held in memory. So its font database is built, on the
    first conversion, from a fontconfig file naming an empty folder (``FONTCONFIG_FILE``, read
    on Linux and BSD; elsewhere nothing changes), and the environment is then restored. Text is
    laid out as before; characters Liberation Sans lacks (it covers Latin, Greek and Cyrillic) are
    drawn as boxes instead of in another installed font. Measured in
    ``benchmarks/bench_report_parts.py`` (figures in the README). No effect if this process has
    already converted a chart; if no temporary folder can be made, the machine's fonts are used.
    """
    global _fonts_ready
    import vl_convert

    with _fonts_lock:
        if _fonts_ready:
            return vl_convert
        previous = os.environ.get("FONTCONFIG_FILE")
        try:
            folder = Path(tempfile.mkdtemp(prefix="rrp-fonts-"))
            conf = folder / "fonts.conf"
            conf.write_text(_FONTS_CONF.format(folder=escape(str(folder))), encoding="utf-8")
        except OSError:  # no temporary folder: the machine's fonts, as vl-convert does by itself
            _fonts_ready = True
            return vl_convert
        try:
            os.environ["FONTCONFIG_FILE"] = str(conf)
            vl_convert.vegalite_to_svg(_FONT_PROBE)
        finally:
            if previous is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = previous
            with contextlib.suppress(OSError):
                conf.unlink()
                folder.rmdir()
        _fonts_ready = True
    return vl_convert

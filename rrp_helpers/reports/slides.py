"""A ward's SPC charts as PNG files for slides, drawn from the same chart data as its report.

The panels are :func:`rrp_helpers.views.ward_panels`, the ones the ward report's dashboard shows;
vl-convert draws each with its bundled font (:mod:`rrp_helpers.fonts`), so the PNGs do not
depend on the machine's fonts.
"""

from __future__ import annotations

from pathlib import Path

from rrp_helpers import charts, views
from rrp_helpers.data import Collaborative
from rrp_helpers.files import safe_name, write_atomic
from rrp_helpers.fonts import vl_convert_bundled_fonts
from rrp_helpers.publish import PublishRule

__all__ = ["write_slide_pngs"]


def write_slide_pngs(collab: Collaborative, ward_id: str, prefix: Path, *, publish_rule: PublishRule | None = None,
                     scale: float = 2) -> dict[str, Path]:
    """Write ``<prefix>-<measure>.png`` for each of the ward's panels (atomically); return
    ``{measure: path}``."""
    vl_convert = vl_convert_bundled_fonts()
    charts.use_theme()  # the panels carry the active theme's configuration
    written = {}
    for measure, spec in views.ward_panels(collab, ward_id, publish_rule=publish_rule).items():
        target = prefix.parent / f"{prefix.name}-{safe_name(measure)}.png"
        write_atomic(target, vl_convert.vegalite_to_png(spec, scale=scale))
        written[measure] = target
    return written

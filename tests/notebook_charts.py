"""Tests' helper: the Vega-Lite specs a notebook's (or a page's) ``rrp-embed`` chart outputs carry."""

from __future__ import annotations

import json
import re

_EMBED_CALL = re.compile(r'vegaEmbed\("#rrp-chart-\d+", ')
_DECODER = json.JSONDecoder()


def specs_in_text(text: str) -> list[dict]:
    """Every spec passed to ``vegaEmbed`` in an HTML text, in order."""
    return [_DECODER.raw_decode(text, match.end())[0] for match in _EMBED_CALL.finditer(text)]


def chart_specs(notebook) -> list[dict]:
    """The Vega-Lite specs of a notebook's ``rrp-embed`` chart outputs, in order."""
    specs = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html", "")
            specs += specs_in_text("".join(text) if isinstance(text, list) else str(text))
    return specs

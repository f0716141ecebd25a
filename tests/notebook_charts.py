"""Tests' helper: the Vega-Lite specs a notebook's ``rrp-embed`` chart outputs carry."""

from __future__ import annotations

import json
import re

# The spec, then the options (which start with "actions"; that text cannot occur inside the spec's
# JSON, where every quote in a string is escaped).
_EMBED_CALL = re.compile(r'vegaEmbed\("#rrp-chart-\d+", (\{.*\}), \{"actions": .*?\}\)\.catch', re.DOTALL)


def chart_specs(notebook) -> list[dict]:
    """The Vega-Lite specs of a notebook's ``rrp-embed`` chart outputs, in order."""
    specs = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            for match in _EMBED_CALL.finditer(text):
                specs.append(json.loads(match.group(1).replace("<\\/", "</")))
    return specs

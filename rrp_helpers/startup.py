"""Process start-up settings that save seconds: called explicitly by the entry points (the command
line, the report workers, the warm kernel, the charts module), never as a side effect of
``import rrp_helpers``.
"""

from __future__ import annotations

import os
import sys

__all__ = ["skip_slow_optional_imports"]


def skip_slow_optional_imports() -> None:
    """Make jsonschema's optional ``rfc3987_syntax`` import fail fast.

    jsonschema (imported by Altair and nbformat) imports that package when it is installed, and
    it compiles its Lark grammars at import: over a second of every process that draws a chart
    or reads a notebook (python-jsonschema/jsonschema#1428). The workbook never validates the two
    ``iri`` formats it serves; without it jsonschema skips them. No effect once jsonschema has
    been imported, or when ``RRP_KEEP_RFC3987`` is set.
    """
    if not os.environ.get("RRP_KEEP_RFC3987"):
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

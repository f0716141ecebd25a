"""RRP Workbook helpers: data contracts, SPC, outcomes, change concepts, charts and reports.

Every computation used by the notebooks lives here; notebooks only load data, call these
functions and show the results.
"""

__version__ = "0.1.0"

import sys as _sys

# jsonschema (imported by altair and nbformat) eagerly imports the optional `rfc3987_syntax`
# package, which compiles ~35 Lark grammars at import: about 2.4 s of every notebook kernel's
# start on our machines (python-jsonschema/jsonschema#1428). Nothing in the workbook validates the
# `iri` formats it serves, so we make that optional import fail fast; jsonschema then simply
# skips those two format checks. Set RRP_KEEP_RFC3987=1 to keep the package.
if "rfc3987_syntax" not in _sys.modules and not __import__("os").environ.get("RRP_KEEP_RFC3987"):
    _sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]

"""RRP Workbook helpers: data contracts, SPC, outcomes, change concepts, charts and reports.

Every computation used by the notebooks lives here; notebooks only load data, call these
functions and show the results. ``docs/design.md`` describes the modules and how data flows
between them.
"""

__version__ = "0.2.0"

"""RRP Workbook helpers: data contracts, SPC, outcomes, change concepts, charts and reports.

Every computation used by the notebooks lives here; notebooks only load data, call these
functions and show the results.
"""

__version__ = "0.1.0"

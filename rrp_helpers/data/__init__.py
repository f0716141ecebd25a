"""A collaborative's data: the contract, validation and loading (``docs/design.md``, section 2).

``validate(path)`` collects every problem it can find and never raises for bad data;
``load_collaborative(path)`` returns a :class:`Collaborative` or raises :class:`DataError`
(whose ``str()`` is the readable report). The modules, in the order data flows through them:

* :mod:`~rrp_helpers.data.contract` -- every table and setting, declared once;
* :mod:`~rrp_helpers.data.sources` -- finding the files (a folder or one workbook);
* :mod:`~rrp_helpers.data.readers` -- encodings, CSV dialects, workbook sheets as text grids;
* :mod:`~rrp_helpers.data.extract` -- header rows, identifiers refused, the contract's columns;
* :mod:`~rrp_helpers.data.settings` -- ``collaborative.toml`` or the ``collaborative`` sheet;
* :mod:`~rrp_helpers.data.cells` and :mod:`~rrp_helpers.data.columns` -- parsing cells, checks
  shared by tables;
* :mod:`~rrp_helpers.data.tables` -- each table's checks and typed frames;
* :mod:`~rrp_helpers.data.load` -- the orchestration and the load cache;
* :mod:`~rrp_helpers.data.model` and :mod:`~rrp_helpers.data.problems` -- what they produce.
"""

from rrp_helpers.data.contract import REQUIRED_COLUMNS, TABLE_COLUMNS
from rrp_helpers.data.load import load_collaborative, validate
from rrp_helpers.data.model import DEFAULT_MEASURES, MEASURES, TOTAL, Collaborative, CollaborativeConfig, MeasureSpec
from rrp_helpers.data.problems import DataError, Problem, ValidationReport
from rrp_helpers.paths import shipped_change_package_path

__all__ = [
    "MEASURES",
    "TOTAL",
    "MeasureSpec",
    "CollaborativeConfig",
    "Problem",
    "ValidationReport",
    "DataError",
    "Collaborative",
    "validate",
    "load_collaborative",
    "DEFAULT_MEASURES",
    "TABLE_COLUMNS",
    "REQUIRED_COLUMNS",
    "shipped_change_package_path",
]

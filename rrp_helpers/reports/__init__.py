"""Batch reports: every ward's notebook and the collaborative notebooks, executed and published as
offline HTML with an index (``rrp reports``; ``docs/design.md``, section 6).

* :mod:`~rrp_helpers.reports.batch` -- the run: planning, the worker pool, the summary;
* :mod:`~rrp_helpers.reports.tasks` -- one report, as a worker makes it;
* :mod:`~rrp_helpers.reports.kernel` and :mod:`~rrp_helpers.reports.isolation` -- the warm
  kernel, and what it takes back between notebooks;
* :mod:`~rrp_helpers.reports.html` -- notebooks as offline HTML pages, the Vega bundle;
* :mod:`~rrp_helpers.reports.slides` -- a ward's charts as PNG files;
* :mod:`~rrp_helpers.reports.manifest` -- the last run's state and the fingerprints;
* :mod:`~rrp_helpers.reports.index` -- ``index.html``;
* ``templates/`` -- the Jinja2 templates of the pages.
"""

from rrp_helpers.startup import skip_slow_optional_imports

skip_slow_optional_imports()  # before papermill, nbformat and jupyter_client import jsonschema

from rrp_helpers.reports.batch import COLLABORATIVE_NOTEBOOKS, ReportOptions, Summary, build_reports, default_jobs  # noqa: E402

__all__ = ["ReportOptions", "Summary", "build_reports", "default_jobs", "COLLABORATIVE_NOTEBOOKS"]

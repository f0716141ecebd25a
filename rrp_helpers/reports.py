"""Run the notebooks for every ward and the collaborative, and publish offline HTML reports with an index.

``rrp reports DATA --out DIR [--wards ID ...] [--jobs N] [--rerun-failed] [--force]``

What it writes (every file atomically: a temporary file in the same folder, then a rename, so an
interrupted or failed run never leaves a half-written file and never destroys an earlier good one)::

    DIR/index.html                       every ward: headline result, status, links; summary line
    DIR/collaborative/<notebook>.html    00_data_quality, 01_collaborative, 03_change_concepts, 04_explorer
    DIR/wards/<name>/<name>.html         one report per ward (<name> = safe_name(ward_id))
    DIR/wards/<name>/<name>-*.png        the ward's charts as PNG files, for slides
    DIR/notebooks/...                    the executed notebooks (a failed one as ``*.failed.ipynb``)
    DIR/manifest.json                    state of the last run (status, error, fingerprints)

How it is fast (measured figures in the README, ``benchmarks/bench_reports.py``):

* One Python process drives a ``ProcessPoolExecutor`` of ``--jobs`` workers (default: the CPUs).
  Each worker keeps ONE warm Jupyter kernel for all the notebooks it executes: papermill runs
  them through the ``rrp-warm`` engine (:class:`WarmKernelEngine`), which reuses the kernel
  instead of starting one per notebook, after importing ``rrp_helpers`` in it once (then
  ``gc.freeze()``, so the collector no longer walks those objects). Before each notebook the
  kernel's namespace is reset (:func:`reset_kernel`: IPython ``reset``, as ``%reset -f``, without
  its full garbage collection), so a notebook never sees another's variables; modules stay
  imported, which is the point.
* Notebooks run with ``renderer="rrp-embed"``: a chart output is its Vega-Lite spec and a
  ``vegaEmbed`` call, so the kernel does no SVG conversion. The exporter inlines the Vega,
  Vega-Lite and Vega-Embed bundle (``vl_convert.javascript_bundle()``, built once per
  vl-convert version and kept in the user's cache folder, see :func:`cache_dir`)
  once per page as a ``<script type="module">`` in the head: module scripts run in document order,
  so it runs before the charts' own module scripts, and its top-level names stay module-scoped.
* HTML has the code hidden and no remote script, stylesheet, MathJax, require.js or widget
  manager: nbconvert's ``lab`` template with those blocks emptied, then a check that refuses to
  write a page with any ``http(s)://`` script or stylesheet source.

Statuses in the index: ``ok``; ``failed`` (the notebook raised: the first line of the error is
shown, the executed notebook is kept as ``*.failed.ipynb`` and the previous good report is kept);
``no data`` (every monthly count of the ward is missing: its notebook is not run). A ward whose
inputs (its rows of every table, the collaborative's settings and ``ALL`` annotations), notebook
and code are unchanged since its last good report is skipped unless ``--force``.
``--rerun-failed`` runs only the wards (and collaborative notebooks) that failed last time.

Exit codes: 0 every report ok; 1 some report failed (the others are written); 2 the data or the
command line has errors (nothing written).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import hashlib
import html
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_DATA = 0, 1, 2

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
WARD_NOTEBOOK = "02_ward_report"
#: Collaborative notebooks, in the order of the index, with their extra parameters.
COLLABORATIVE_NOTEBOOKS: dict[str, dict[str, Any]] = {
    "00_data_quality": {},
    "01_collaborative": {},
    "03_change_concepts": {},
    "04_explorer": {"static_chart": True, "widgets": False},
}
NOTEBOOK_TITLES = {
    "00_data_quality": "Data quality",
    "01_collaborative": "Collaborative results",
    "03_change_concepts": "Change concepts",
    "04_explorer": "Explorer (static: choose a ward in the last chart)",
}
RENDERER = "rrp-embed"
ENGINE_NAME = "rrp-warm"
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
CELL_TIMEOUT = 600  # seconds per cell
STATUS_OK, STATUS_FAILED, STATUS_NO_DATA = "ok", "failed", "no data"
_TMP_PREFIX = ".rrp-tmp-"

# ---------------------------------------------------------------------------------------------
# Command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``rrp reports``."""
    parser.add_argument("data", help="collaborative folder or .xlsx workbook")
    parser.add_argument("--out", required=True, help="output folder (created if needed; earlier good reports are kept)")
    parser.add_argument("--wards", nargs="+", metavar="ID", help="only these ward ids (default: every ward)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: the number of CPUs)")
    parser.add_argument("--rerun-failed", action="store_true", help="run again only what failed in the last run in --out")
    parser.add_argument("--force", action="store_true", help="rerun wards even when their inputs are unchanged")
    parser.add_argument("--no-collaborative", action="store_true", help="ward reports and index only")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--no-png", action="store_true", help="skip the PNG files of the ward charts (faster)")
    from rrp_helpers.cli import add_publish_arguments

    add_publish_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``rrp reports``; returns the exit code."""
    options = ReportOptions(
        data=Path(args.data),
        out=Path(args.out),
        wards=list(args.wards) if args.wards else None,
        jobs=args.jobs or default_jobs(),
        rerun_failed=args.rerun_failed,
        force=args.force,
        collaborative=not args.no_collaborative,
        progress=not args.quiet,
        png=not args.no_png,
        publish=(args.suppress_below, args.round_to) if args.publish else None,
    )
    if options.jobs < 1:
        print("rrp reports: --jobs must be at least 1", file=sys.stderr)
        return EXIT_DATA
    summary = build_reports(options)
    print(summary.format())
    return summary.exit_code


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# ---------------------------------------------------------------------------------------------
# Safe names and atomic writes

_UNSAFE = re.compile(r"[^a-z0-9_-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10)), "index", "notebooks"}


def safe_name(ward_id: str) -> str:
    """A file name for ``ward_id``: lower-case ``[a-z0-9_-]``, at most 48 characters.

    A ward id that is already such a slug is used as it is. Anything else (path separators,
    dots, spaces, capitals, non-ASCII, reserved device names, over-long ids) is slugified and
    given a suffix from a hash of the exact id, so no name can escape the folder and two ids
    that differ only in unsafe characters (``a/b`` and ``a.b``) or in case never clash.
    """
    text = str(ward_id)
    slug = _UNSAFE.sub("-", text.lower()).strip("-_")[:40].strip("-_")
    if slug and slug == text and slug not in _RESERVED:
        return slug
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{slug or 'ward'}-{digest}"


@contextlib.contextmanager
def atomic_path(target: Path):
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_atomic(target: Path, content: str | bytes) -> None:
    """Write ``content`` to ``target`` through a temporary file and a rename."""
    with atomic_path(target) as temporary:
        if isinstance(content, bytes):
            temporary.write_bytes(content)
        else:
            temporary.write_text(content, encoding="utf-8")


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files left by a run that was killed (never the reports themselves)."""
    if out.is_dir():
        for path in out.rglob(f"{_TMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                path.unlink()


# ---------------------------------------------------------------------------------------------
# HTML: remote sources, exporter


_REMOTE_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>.*?</script\s*>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
_REMOTE_CHECK = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|@import\s+(?:url\()?\s*[\"']?\s*(?:https?:)?//",
    re.IGNORECASE,
)


def remote_sources(page: str) -> list[str]:
    """Every ``<script src>``, ``<link href>`` or CSS ``@import`` of ``page`` that points to the network."""
    return _REMOTE_CHECK.findall(page)


def strip_remote_sources(page: str) -> str:
    """``page`` without remote ``<script src=...>`` and ``<link href=...>`` elements."""
    return _REMOTE_TAG.sub("", page)


_TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">
.rrp-nav { font-family: Arial, Helvetica, sans-serif; font-size: 14px; padding: 8px 16px; background: #005EB8; color: #fff; }
.rrp-nav a { color: #fff; }
.rrp-chart { margin: 4px 0; }
</style>
{%- if resources.rrp_vega_bundle %}
<script type="module">
{{ resources.rrp_vega_bundle }}
</script>
{%- endif %}
{%- endblock html_head_css -%}
{%- block body_header -%}
{{ super() }}
<nav class="rrp-nav"><a href="{{ resources.rrp_index_href | e }}">All reports</a> &middot; {{ resources.rrp_caption | e }}</nav>
{%- endblock body_header -%}
"""

_EXPORTER = None


def html_exporter():
    """nbconvert's HTMLExporter with the workbook's template: code and prompts hidden, nothing remote."""
    global _EXPORTER
    if _EXPORTER is None:
        import jinja2

        _EXPORTER = _report_exporter_class()(
            template_name="lab",
            template_file="rrp_report.html.j2",
            extra_loaders=[jinja2.DictLoader({"rrp_report.html.j2": _TEMPLATE})],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
        )
    return _EXPORTER


def _report_exporter_class():
    """nbconvert's ``HTMLExporter``, with its last step done more cheaply.

    ``HTMLExporter.from_notebook_node`` (nbconvert 7.17, pinned) ends by parsing and
    re-serialising the whole page with BeautifulSoup, only to add ``tabindex="0"`` to every cell
    input and output and an alt text to images without one: half of a ward page's export time
    (``benchmarks/bench_report_parts.py``). Here the steps before it are the same, and the same
    two edits are made on the template's own tags (:func:`accessible_page`); a test checks the
    pages equal nbconvert's once both are serialised by BeautifulSoup.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", data_types)
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return accessible_page(page), resources

    return ReportExporter


# The template's input and output wrappers (``<div class="... jp-OutputArea-output ...">``) and
# images without an alt attribute, outside scripts, styles and comments (where they are text, as
# for BeautifulSoup: a note's "<img ...>" inside a chart's JSON stays as it is).
_FOCUSABLE = re.compile(r'<div\b[^>]*?\bclass="[^"]*\bjp-(?:OutputArea-output|Cell-inputWrapper)\b[^"]*"[^>]*>')
_IMAGE_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)([^>]*?)(\s*/?)>")
_NOT_MARKUP = re.compile(r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->)", re.DOTALL | re.IGNORECASE)
_NO_ALT = "No description has been provided for this image"


def accessible_page(page: str) -> str:
    """``page`` with ``tabindex="0"`` on every cell input and output and an alt text on images
    without one, as nbconvert's HTML exporter adds them."""
    parts = _NOT_MARKUP.split(page)
    for index in range(0, len(parts), 2):  # the parts between scripts, styles and comments
        part = _FOCUSABLE.sub(lambda tag: tag.group(0)[:-1] + ' tabindex="0">', parts[index])
        parts[index] = _IMAGE_WITHOUT_ALT.sub(lambda tag: f'<img{tag.group(1)} alt="{_NO_ALT}"{tag.group(2)}>', part)
    return "".join(parts)


_WIDGET_NOTE = (
    '<p class="rrp-widget-note"><em>Interactive controls need a running Python kernel: open this notebook '
    "in JupyterLab or Voila to use them. In this static page, use the charts' own controls.</em></p>"
)


def notebook_to_html(notebook, *, title: str, caption: str, index_href: str, bundle: str | None) -> str:
    """A self-contained HTML page of an executed notebook (a copy: ``notebook`` is not changed).

    Stderr streams (warnings) are left out of the page (they stay in the executed notebook).
    ``bundle`` is inlined once when a chart output needs ``vegaEmbed``.
    """
    import copy

    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    needs_bundle = any(
        "vegaEmbed(" in str(output.get("data", {}).get("text/html", ""))
        and "window.vegaEmbed=" not in str(output.get("data", {}).get("text/html", ""))
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
                output["data"] = {"text/html": _WIDGET_NOTE}
    notebook.metadata.pop("widgets", None)
    resources = {
        "metadata": {"name": title},
        "rrp_vega_bundle": bundle if needs_bundle else "",
        "rrp_caption": caption,
        "rrp_index_href": index_href,
    }
    page, _ = html_exporter().from_notebook_node(notebook, resources=resources)
    page = strip_remote_sources(page)
    remote = remote_sources(page)
    if remote:
        raise RuntimeError(f"the HTML page would load from the network: {remote[0]!r}")
    if needs_bundle and not bundle:
        raise RuntimeError("the page has charts but no Vega bundle")
    return page


def _bundle_path(folder: Path) -> Path:
    from importlib import metadata

    try:
        version = metadata.version("vl-convert-python")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return folder / f"vega-bundle-{_slug(version)}.js"


def cache_dir(out: Path) -> Path:
    """Where the Vega bundle is kept between runs: ``$RRP_CACHE_DIR``, else the user's cache
    folder (``$XDG_CACHE_HOME/rrp-workbook``, by default ``~/.cache/rrp-workbook``); ``out/.cache``
    when that folder is not an absolute path or cannot be created. Building the bundle costs
    ~2 s of CPU; it depends only on the vl-convert version, which is in its file name.
    """
    configured = os.environ.get("RRP_CACHE_DIR")
    if configured:
        candidate = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        candidate = Path(base) / "rrp-workbook"
    if candidate.is_absolute():
        try:
            candidate.mkdir(mode=0o700, parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            pass
    return out / ".cache"


def _trusted(path: Path) -> bool:
    """A cached bundle is used only if this user owns it and nobody else can write to it: its
    contents are inlined as a script into every report."""
    try:
        status = path.stat()
    except OSError:
        return False
    owner_ok = not hasattr(os, "getuid") or status.st_uid == os.getuid()
    return owner_ok and not status.st_mode & 0o022


def bundle_folder(out: Path) -> Path:
    """The folder to keep the bundle in: :func:`cache_dir`, unless the bundle there fails
    :func:`_trusted` (then ``out/.cache``)."""
    folder = cache_dir(out)
    cached = _bundle_path(folder)
    if cached.exists() and not _trusted(cached):
        return out / ".cache"
    return folder


def vega_bundle(folder: Path) -> Path:
    """The Vega + Vega-Lite + Vega-Embed bundle as a file in ``folder`` (built once: ~2-4 s).

    Refuses a file there that fails :func:`_trusted`. Temporary files over an hour old, left by
    a run that was killed while building the bundle, are removed.
    """
    import vl_convert

    path = _bundle_path(folder)
    if path.exists() and not _trusted(path):
        raise RuntimeError(f"the cached Vega bundle {path} is writable by other users: remove it and run again")
    if folder.is_dir():
        for stale in folder.glob(f"{_TMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                if time.time() - stale.stat().st_mtime > 3600:
                    stale.unlink()
    if not path.exists():
        write_atomic(path, vl_convert.javascript_bundle())
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)


def _wait_for(path: Path, timeout: float = 300.0) -> str:
    """Contents of ``path``, written atomically by the parent process; wait for it to appear."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Vega bundle {path} was not built in time")
        time.sleep(0.05)
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The warm-kernel papermill engine (runs in the worker processes)

#: Run in a fresh kernel once, so notebooks find these modules already imported; the objects
#: they create are then frozen out of the garbage collector's work (``gc.freeze``).
WARM_UP_CODE = """
import rrp_helpers.charts, rrp_helpers.concepts, rrp_helpers.data, rrp_helpers.explorer
import rrp_helpers.outcomes, rrp_helpers.quality, rrp_helpers.reports, rrp_helpers.results, rrp_helpers.spc
import IPython.display
import gc
gc.freeze()
"""
#: Run (silently) before every notebook: see :func:`reset_kernel`.
RESET_CODE = '__import__("rrp_helpers.reports").reports.reset_kernel(get_ipython())'


def reset_kernel(shell) -> None:
    """Make the warm kernel look new to the next notebook (runs in the kernel).

    An empty namespace (imported modules stay), execution counts and chart ids from 1.
    IPython's ``reset`` runs a full ``gc.collect()`` (when it flushes the output cache, before
    clearing the namespace, so it frees little): 0.1-0.15 s with a collaborative loaded. It is
    skipped here; the automatic collector reclaims the previous notebook's cycles.
    """
    import gc
    import itertools

    from rrp_helpers import charts

    collect = gc.collect
    gc.collect = lambda *args, **kwargs: 0
    try:
        shell.reset(new_session=False, aggressive=False)
    finally:
        gc.collect = collect
    shell.execution_count = 1
    charts._embed_ids = itertools.count(1)


class _Kernel:
    """The worker's warm kernel: manager, client and how many notebooks it has executed."""

    km = None
    kc = None
    notebooks = 0


def _kernel_alive() -> bool:
    from jupyter_core.utils import run_sync

    if _Kernel.km is None:
        return False
    try:
        return bool(run_sync(_Kernel.km.is_alive)())
    except Exception:  # noqa: BLE001
        return False


def start_warm_kernel(kernel_name: str = "python3", *, warm_up: str = WARM_UP_CODE, cwd: str | None = None) -> None:
    """Start the worker's kernel (if not running) and run ``warm_up`` in it."""
    import nbformat
    from nbclient import NotebookClient

    if _kernel_alive():
        return
    shutdown_warm_kernel()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(warm_up)] if warm_up else [])
    client = NotebookClient(notebook, kernel_name=kernel_name, timeout=CELL_TIMEOUT, resources={"metadata": {"path": cwd or os.getcwd()}})
    client.execute(cleanup_kc=False)
    _Kernel.km, _Kernel.kc, _Kernel.notebooks = client.km, client.kc, 0


def shutdown_warm_kernel() -> None:
    """Stop the worker's kernel (idempotent)."""
    from jupyter_core.utils import run_sync

    km, kc = _Kernel.km, _Kernel.kc
    _Kernel.km = _Kernel.kc = None
    if kc is not None:
        with contextlib.suppress(Exception):
            kc.stop_channels()
    if km is not None:
        with contextlib.suppress(Exception):
            run_sync(km.shutdown_kernel)(now=True)


def _make_engine():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.utils import merge_kwargs, remove_args

    class WarmKernelEngine(NBClientEngine):
        """papermill engine that executes every notebook in the worker's one warm kernel.

        The namespace is reset before each notebook (:data:`RESET_CODE`); imported modules stay.
        A kernel that died is replaced by a new one on the next notebook.
        """

        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
            start_timeout=60, execution_timeout=None, **kwargs,
        ):
            start_warm_kernel(kernel_name)
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client = PapermillNotebookClient(nb_man, km=_Kernel.km, **final_kwargs)
            client.kc = _Kernel.kc
            reply = client.wait_for_reply(_Kernel.kc.execute(RESET_CODE, silent=True, store_history=False))
            if reply is None or reply["content"].get("status") != "ok":
                shutdown_warm_kernel()
                raise RuntimeError("could not reset the warm kernel")
            try:
                result = client.execute(cleanup_kc=False)
            except BaseException:
                if not _kernel_alive():
                    shutdown_warm_kernel()
                raise
            _Kernel.notebooks += 1
            return result

    return WarmKernelEngine


def register_engine() -> None:
    """Register the ``rrp-warm`` engine with papermill (in this process)."""
    from papermill.engines import papermill_engines

    if ENGINE_NAME not in papermill_engines._engines:
        papermill_engines.register(ENGINE_NAME, _make_engine())


def execute_notebook(input_path: Path, output_path: Path, parameters: dict[str, Any], *, engine: str | None = ENGINE_NAME):
    """Execute ``input_path`` with papermill into ``output_path`` (written even on failure).

    Returns the executed notebook; raises ``PapermillExecutionError`` when a cell failed.
    ``engine=None`` is papermill's own engine (a new kernel per notebook).
    """
    import papermill

    if engine == ENGINE_NAME:
        register_engine()
    return papermill.execute_notebook(
        str(input_path),
        str(output_path),
        parameters=parameters,
        engine_name=engine,
        kernel_name="python3",
        progress_bar=False,
        request_save_on_cell_execute=False,
        store_widget_state=False,
        execution_timeout=CELL_TIMEOUT,
        log_output=False,
    )


# ---------------------------------------------------------------------------------------------
# Tasks (executed in the worker processes)


@dataclass
class Task:
    """One notebook to execute and publish."""

    key: str  # "ward:<id>" or "collaborative:<notebook>"
    label: str  # for the progress bar
    notebook: Path  # the notebook to execute
    parameters: dict[str, Any]
    notebook_out: Path  # executed notebook (good run)
    failed_out: Path  # executed notebook of a failed run
    html_out: Path
    title: str
    caption: str
    index_href: str
    ward_id: str | None = None
    png_prefix: Path | None = None  # DIR/wards/<name>/<name>  ->  <name>-restraint.png ...
    measures: list[str] = field(default_factory=list)  # the dashboard's panels, in order


@dataclass
class TaskResult:
    key: str
    label: str
    status: str
    error: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class _Worker:
    bundle_path: Path | None = None


def _worker_init(bundle_path: str, warm: bool) -> None:
    """Worker start: ignore Ctrl-C (the parent handles it), start the warm kernel, stop it at exit."""
    import multiprocessing.util
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _Worker.bundle_path = Path(bundle_path)
    multiprocessing.util.Finalize(None, shutdown_warm_kernel, exitpriority=100)
    if warm:
        with contextlib.suppress(Exception):  # a failure here shows again, per notebook
            start_warm_kernel()


def _first_line(error: BaseException) -> str:
    """The first meaningful line of an error (papermill's: ``ename: evalue``)."""
    ename, evalue = getattr(error, "ename", None), getattr(error, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(error).__name__}: {error}"
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__)[:300]


def run_task(task: Task) -> TaskResult:
    """Execute one notebook and publish its HTML (and a ward's PNGs). Never raises."""
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    timings: dict[str, float] = {}
    result = TaskResult(task.key, task.label, STATUS_OK)
    task.notebook_out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{task.notebook_out.name}.", suffix=".ipynb", dir=task.notebook_out.parent)
    os.close(handle)
    try:
        try:
            notebook = execute_notebook(task.notebook, Path(temporary), task.parameters)
        except PapermillExecutionError as error:
            result.status, result.error = STATUS_FAILED, _first_line(error)
            if os.path.getsize(temporary):
                os.chmod(temporary, 0o644)
                os.replace(temporary, task.failed_out)
            return result
        timings["execute"] = time.perf_counter() - started
        mark = time.perf_counter()
        bundle = _wait_for(_Worker.bundle_path) if _Worker.bundle_path else None
        page = notebook_to_html(notebook, title=task.title, caption=task.caption, index_href=task.index_href, bundle=bundle)
        write_atomic(task.html_out, page)
        timings["html"] = time.perf_counter() - mark
        result.files.append(str(task.html_out))
        if task.png_prefix is not None:
            mark = time.perf_counter()
            result.files.extend(str(p) for p in write_slide_pngs(notebook, task.measures, task.png_prefix))
            timings["png"] = time.perf_counter() - mark
        # The executed notebook last: its presence means the report beside it is complete.
        os.chmod(temporary, 0o644)
        os.replace(temporary, task.notebook_out)
        result.files.append(str(task.notebook_out))
        with contextlib.suppress(FileNotFoundError):
            task.failed_out.unlink()
    except Exception as error:  # noqa: BLE001 - one report failing never stops the others
        result.status, result.error = STATUS_FAILED, _first_line(error)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
        result.seconds = time.perf_counter() - started
        result.timings = timings
    return result


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


def slide_charts(notebook, measures: list[str]) -> dict[str, dict]:
    """A ward report's SPC charts as standalone specs for PNG files: ``{measure: spec}``.

    The measure dashboard (the notebook's first multi-panel chart) is split into one chart per
    measure, ``measures`` giving the panels' order; each keeps only the datasets it draws. Only
    these are drawn as PNG: each costs about 0.12 s in vl-convert at scale 2, with its bundled
    font (:mod:`rrp_helpers.fonts`) and from Vega compiled once per shape (:func:`slide_vega`).
    """
    for spec in chart_specs(notebook):
        if "vconcat" in spec and all("hconcat" in row for row in spec["vconcat"]):
            panels = [panel for row in spec["vconcat"] for panel in row["hconcat"]]
            shared = {key: value for key, value in spec.items() if key not in ("vconcat", "resolve", "datasets")}
            datasets = spec.get("datasets", {})
            names = measures if len(measures) == len(panels) else [f"panel-{k}" for k in range(1, len(panels) + 1)]
            charts = {}
            for name, panel in zip(names, panels):
                used = _dataset_names(panel) | _dataset_names(shared)
                charts[safe_name(name)] = {**shared, "datasets": {key: rows for key, rows in datasets.items() if key in used}, **panel}
            return charts
    return {}


def _dataset_names(spec: Any) -> set[str]:
    """Names of the datasets a Vega-Lite (sub)spec draws from (``"data": {"name": ...}``)."""
    return set(_data_names_in_order(spec))


def write_slide_pngs(notebook, measures: list[str], prefix: Path, *, scale: float = 2) -> list[Path]:
    """Write ``<prefix>-<chart>.png`` for each of :func:`slide_charts` (atomically); return the paths."""
    from rrp_helpers.fonts import vl_convert_bundled_fonts

    vl_convert = vl_convert_bundled_fonts()
    written = []
    for name, spec in slide_charts(notebook, measures).items():
        target = prefix.parent / f"{prefix.name}-{name}.png"
        write_atomic(target, vl_convert.vega_to_png(slide_vega(spec), scale=scale))
        written.append(target)
    return written


_TITLE_MARK, _SUBTITLE_MARK = "rrp-title-mark", "rrp-subtitle-mark"
_VEGA_SHAPES: dict[str, str] = {}  # compiled Vega (JSON) by slide shape, in this process
_MAX_SHAPES = 64


def slide_vega(spec: dict) -> dict:
    """A Vega spec drawing the same chart as the Vega-Lite ``spec`` (from :func:`slide_charts`).

    Slides differ in their rows and titles; Vega-Lite's compilation only copies those into the
    Vega spec. So each shape (the spec without rows and title text) is compiled once per
    process, and a slide's rows and title are put into a copy, its datasets renamed
    ``rrp-data-<n>``. Slides with inline data, or a title other than a non-empty text with an
    optional text or list subtitle, are compiled as they are. Tests check the PNGs are
    byte-identical to compiling every slide; the time saved is in the README.
    """
    from rrp_helpers.fonts import vl_convert_bundled_fonts

    compile_spec = vl_convert_bundled_fonts().vegalite_to_vega
    datasets, title = spec.get("datasets"), spec.get("title")
    subtitle = title.get("subtitle") if isinstance(title, dict) else None
    if (
        not datasets
        or not isinstance(title, dict)
        or set(title) - {"text", "subtitle"}
        or not isinstance(title.get("text"), str)
        or not title["text"]  # Vega-Lite draws no title (nor subtitle) for an empty text
        or not (subtitle is None or isinstance(subtitle, str) or (isinstance(subtitle, list) and all(isinstance(line, str) for line in subtitle)))
    ):
        return compile_spec(spec)
    # Named by where each dataset is first drawn, so that slides of one shape share names.
    order = [name for name in _data_names_in_order(spec) if name in datasets]
    order += [name for name in datasets if name not in order]
    placeholders = {name: f"rrp-data-{number}" for number, name in enumerate(dict.fromkeys(order))}
    shape = _renamed_data({key: value for key, value in spec.items() if key not in ("datasets", "title")}, placeholders)
    shape["datasets"] = {placeholder: [] for placeholder in placeholders.values()}
    shape["title"] = {"text": _TITLE_MARK}
    if subtitle is not None:
        shape["title"]["subtitle"] = _SUBTITLE_MARK if isinstance(subtitle, str) else [_SUBTITLE_MARK] * len(subtitle)
    key = json.dumps(shape, sort_keys=True)
    if '"values"' in key:  # inline data: its rows are part of the shape
        return compile_spec(spec)
    if key not in _VEGA_SHAPES:
        if len(_VEGA_SHAPES) >= _MAX_SHAPES:
            _VEGA_SHAPES.pop(next(iter(_VEGA_SHAPES)))
        _VEGA_SHAPES[key] = json.dumps(compile_spec(shape))
    vega = json.loads(_VEGA_SHAPES[key])
    rows = {placeholder: datasets[name] for name, placeholder in placeholders.items()}
    for entry in vega.get("data", []):
        if entry.get("name") in rows:
            entry["values"] = rows[entry["name"]]
    compiled_title = vega.get("title")
    if not isinstance(compiled_title, dict) or compiled_title.get("text") != _TITLE_MARK:
        return compile_spec(spec)  # compiled otherwise than expected
    compiled_title["text"] = title["text"]
    if subtitle is not None:
        compiled_title["subtitle"] = subtitle
    return vega


def _data_names_in_order(spec: Any) -> list[str]:
    """Dataset names of ``"data": {"name": ...}`` in ``spec``, depth first, in document order."""
    found: list[str] = []
    if isinstance(spec, list):
        for item in spec:
            found += _data_names_in_order(item)
    elif isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            found.append(data["name"])
        for key, value in spec.items():
            if key not in ("data", "datasets"):
                found += _data_names_in_order(value)
    return found


def _renamed_data(spec: Any, names: dict[str, str]) -> Any:
    """``spec`` with each ``"data": {"name": ...}`` in ``names`` renamed (a copy)."""
    if isinstance(spec, list):
        return [_renamed_data(item, names) for item in spec]
    if not isinstance(spec, dict):
        return spec
    renamed = {key: _renamed_data(value, names) for key, value in spec.items()}
    data = renamed.get("data")
    if isinstance(data, dict) and data.get("name") in names:
        renamed["data"] = {**data, "name": names[data["name"]]}
    return renamed


# ---------------------------------------------------------------------------------------------
# Fingerprints, manifest, headlines (parent process)


def _sha256_bytes(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: The modules a report depends on (what the notebooks import, what they import, and this one).
_REPORT_MODULES = (
    "__init__.py", "charts.py", "concepts.py", "data.py", "explorer.py", "outcomes.py", "privacy.py",
    "publish.py", "quality.py", "results.py", "spc.py", "reports.py",
)


def code_fingerprint() -> str:
    """The package version, the workbook's code and the versions of the libraries that draw."""
    from importlib import metadata

    parts = []
    for name in ("rrp-workbook", "altair", "vl-convert-python", "nbconvert", "papermill", "pandas"):
        try:
            parts.append(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            parts.append(name.encode())
    package = Path(__file__).resolve().parent
    parts.extend(name.encode() + _file_hash(package / name).encode() for name in _REPORT_MODULES if (package / name).exists())
    return _sha256_bytes(*parts)


def _frame_bytes(frame) -> bytes:
    import pandas as pd

    frame = frame.reset_index(drop=True)
    return ",".join(map(str, frame.columns)).encode() + pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()


def input_fingerprints(collab) -> tuple[str, dict[str, str]]:
    """(fingerprint of the whole collaborative, {ward_id: fingerprint of what its report uses}).

    A ward's report uses the collaborative's settings, the change package, ``ALL`` annotations and
    its own rows of every table, so editing one ward's data reruns only that ward.
    """
    config = repr(collab.config).encode()
    package = _frame_bytes(collab.change_package)
    tables = {
        name: getattr(collab, name)
        for name in ("wards", "monthly", "safety_cross", "incident_reports", "change_ideas", "annotations", "engagement")
    }
    import pandas as pd

    whole = _sha256_bytes(config, package, *(name.encode() + _frame_bytes(frame) for name, frame in tables.items()))
    # Row hashes once per table, then each ward's rows picked by position (a row's hash does not
    # depend on the other rows): one pass over the data instead of one per ward and table.
    groups: dict[str, tuple[bytes, Any, dict]] = {}
    for name, frame in tables.items():
        if len(frame):
            frame = frame.reset_index(drop=True)
            hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
            groups[name] = (",".join(map(str, frame.columns)).encode(), hashes, frame.groupby("ward_id", sort=False).indices)
    per_ward = {}
    for ward_id in collab.wards["ward_id"]:
        parts = [config, package]
        for name, (header, hashes, positions) in groups.items():
            for key in (ward_id, "ALL") if name == "annotations" else (ward_id,):
                if key in positions:
                    parts.append(f"{name}:{key}".encode() + header + hashes[positions[key]].tobytes())
        per_ward[ward_id] = _sha256_bytes(*parts)
    return whole, per_ward


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of the last run in ``out`` (empty if none or unreadable)."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": MANIFEST_VERSION, "entries": {}}
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        return {"version": MANIFEST_VERSION, "entries": {}}
    manifest.setdefault("entries", {})
    return manifest


def ward_headlines(collab) -> dict[str, str]:
    """One line per ward for the index: the measures with a sustained change and by how much."""
    from rrp_helpers import outcomes

    labels = outcomes.measure_labels(collab)
    results = outcomes.team_results(collab)
    outcome_measures = [m.name for m in collab.config.measures if m.kind == "outcome"]
    headlines = {}
    for ward_id, rows in results.groupby("ward_id", sort=False):
        better, worse = [], []
        for row in rows.itertuples():
            if row.measure not in (*outcome_measures, "total"):
                continue
            label = labels.get(row.measure, row.measure)
            if row.sustained == outcomes.SUSTAINED_IMPROVEMENT:
                better.append(f"{label} down {row.reduction_pct:.0f}%")
            elif row.sustained == outcomes.SUSTAINED_DETERIORATION:
                worse.append(f"{label} up {-row.reduction_pct:.0f}%")
        improved = sum(1 for item in better if not item.startswith(labels["total"]))
        text = []
        if better:
            text.append(f"Sustained reduction in {improved} of {len(outcome_measures)} measures: " + ", ".join(better))
        if worse:
            text.append("Sustained increase: " + ", ".join(worse))
        headlines[ward_id] = "; ".join(text) if text else "No sustained change"
    return headlines


def _ward_has_data(collab) -> dict[str, bool]:
    monthly = collab.monthly
    has = monthly.assign(ok=monthly["count"].notna()).groupby("ward_id")["ok"].any().to_dict()
    return {ward_id: bool(has.get(ward_id, False)) for ward_id in collab.wards["ward_id"]}


# ---------------------------------------------------------------------------------------------
# The batch (parent process)


@dataclass
class ReportOptions:
    data: Path
    out: Path
    wards: list[str] | None = None
    jobs: int = 1
    rerun_failed: bool = False
    force: bool = False
    collaborative: bool = True
    progress: bool = True
    png: bool = True
    notebooks_dir: Path = NOTEBOOKS_DIR  # where 02_ward_report.ipynb and the others are
    publish: tuple[int, int] | None = None  # (suppress below, round to): small-number suppression


@dataclass
class Summary:
    """What a run did; ``format()`` is printed at the end of ``rrp reports``."""

    out: Path
    exit_code: int
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    results: list[TaskResult] = field(default_factory=list)
    message: str = ""

    def format(self) -> str:
        if self.message:
            return self.message
        c = self.counts
        lines = [
            f"Wards: {c.get('ok', 0)} ok ({c.get('skipped', 0)} unchanged, skipped), {c.get('failed', 0)} failed, "
            f"{c.get('no data', 0)} no data. Collaborative reports: {c.get('collab ok', 0)} ok, {c.get('collab failed', 0)} failed."
        ]
        for label, error in self.failures:
            lines.append(f"  FAILED {label}: {error}")
        if self.failures:
            lines.append(f"Rerun just these with: rrp reports ... --out {self.out} --rerun-failed")
        lines.append(f"Done in {self.seconds:.1f} s. Open {self.out / 'index.html'}")
        return "\n".join(lines)


def _ward_paths(out: Path, ward_id: str) -> dict[str, Path]:
    name = safe_name(ward_id)
    folder = out / "wards" / name
    return {
        "html": folder / f"{name}.html",
        "png_prefix": folder / name,
        "notebook": out / "notebooks" / "wards" / f"{name}.ipynb",
        "failed": out / "notebooks" / "wards" / f"{name}.failed.ipynb",
    }


def _collab_paths(out: Path, notebook: str) -> dict[str, Path]:
    return {
        "html": out / "collaborative" / f"{notebook}.html",
        "notebook": out / "notebooks" / f"{notebook}.ipynb",
        "failed": out / "notebooks" / f"{notebook}.failed.ipynb",
    }


def build_reports(options: ReportOptions) -> Summary:
    """Run the batch described by ``options`` (see the module docstring); never raises for a bad ward."""
    from rrp_helpers.data import DataError, load_collaborative

    started = time.perf_counter()
    out = options.out
    try:
        collab = load_collaborative(options.data)
    except DataError as error:
        return Summary(out, EXIT_DATA, message=str(error))
    all_wards = [str(w) for w in collab.wards["ward_id"]]
    if options.wards:
        unknown = [w for w in options.wards if w not in set(all_wards)]
        if unknown:
            return Summary(
                out, EXIT_DATA,
                message=f"rrp reports: unknown ward id(s): {', '.join(map(repr, unknown))}. "
                f"Ward ids in {options.data}: {', '.join(all_wards)}",
            )
    names = [safe_name(w) for w in all_wards]
    if len(set(names)) != len(names):  # cannot happen (hash suffixes) unless sha256 collides
        return Summary(out, EXIT_DATA, message="rrp reports: two ward ids map to the same file name")

    data_dir = str(options.data.resolve())
    manifest = read_manifest(out)
    entries: dict[str, dict[str, Any]] = manifest["entries"]
    code = code_fingerprint()
    whole, per_ward = input_fingerprints(collab)
    notebook_hash = {stem: _file_hash(options.notebooks_dir / f"{stem}.ipynb") for stem in [WARD_NOTEBOOK, *COLLABORATIVE_NOTEBOOKS]}
    has_data = _ward_has_data(collab)
    ward_names = dict(zip(collab.wards["ward_id"].astype(str), collab.wards["ward_name"].astype(str)))
    from rrp_helpers.outcomes import reported_measures

    measures = reported_measures(collab)
    selected = options.wards or all_wards
    publication = (
        {"publish": True, "suppress_below": options.publish[0], "round_to": options.publish[1]} if options.publish else {}
    )
    code = _sha256_bytes(code.encode(), repr(sorted(publication.items())).encode())  # publishing changes every page

    def fingerprint(key: str) -> str:
        if key.startswith("ward:"):
            return _sha256_bytes(per_ward[key[5:]].encode(), notebook_hash[WARD_NOTEBOOK].encode(), code.encode())
        stem = key.split(":", 1)[1]
        return _sha256_bytes(whole.encode(), notebook_hash[stem].encode(), code.encode())

    tasks: list[Task] = []
    skipped: set[str] = set()
    now = _dt.datetime.now().isoformat(timespec="seconds")
    candidates = [f"collaborative:{stem}" for stem in COLLABORATIVE_NOTEBOOKS] if options.collaborative else []
    candidates += [f"ward:{w}" for w in selected]
    for key in candidates:
        previous = entries.get(key, {})
        if options.rerun_failed and previous.get("status") != STATUS_FAILED:
            continue
        if key.startswith("ward:") and not has_data[key[5:]]:
            entries[key] = {"status": STATUS_NO_DATA, "error": "", "fingerprint": fingerprint(key), "finished": now}
            continue
        if key.startswith("ward:"):
            ward_id = key[5:]
            paths = _ward_paths(out, ward_id)
            task = Task(
                key=key, label=ward_names[ward_id], notebook=options.notebooks_dir / f"{WARD_NOTEBOOK}.ipynb",
                parameters={"data_dir": data_dir, "ward_id": ward_id, "renderer": RENDERER, **publication},
                notebook_out=paths["notebook"], failed_out=paths["failed"], html_out=paths["html"],
                title=f"Ward report: {ward_names[ward_id]}", caption=f"Ward report: {ward_names[ward_id]} ({ward_id})",
                index_href="../../index.html", ward_id=ward_id,
                png_prefix=paths["png_prefix"] if options.png else None, measures=measures,
            )
        else:
            stem = key.split(":", 1)[1]
            paths = _collab_paths(out, stem)
            task = Task(
                key=key, label=NOTEBOOK_TITLES[stem], notebook=options.notebooks_dir / f"{stem}.ipynb",
                parameters={"data_dir": data_dir, "renderer": RENDERER, **COLLABORATIVE_NOTEBOOKS[stem], **publication},
                notebook_out=paths["notebook"], failed_out=paths["failed"], html_out=paths["html"],
                title=NOTEBOOK_TITLES[stem], caption=f"{NOTEBOOK_TITLES[stem]}: {collab.config.name}",
                index_href="../index.html",
            )
        if (
            not options.force and not options.rerun_failed and previous.get("status") == STATUS_OK
            and previous.get("fingerprint") == fingerprint(key) and task.html_out.exists()
        ):
            skipped.add(key)
            continue
        tasks.append(task)

    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out)
    try:
        results = _run_tasks(tasks, options, out) if tasks else []
    finally:
        _remove_stale_temporaries(out)  # a worker killed mid-write leaves its temporary file behind
    for result in results:
        entries[result.key] = {
            "status": result.status, "error": result.error, "finished": now, "seconds": round(result.seconds, 2),
            "fingerprint": fingerprint(result.key) if result.status == STATUS_OK else entries.get(result.key, {}).get("fingerprint", ""),
        }
    manifest.update(
        version=MANIFEST_VERSION, data=data_dir, collaborative=collab.config.name, code=code, generated=now,
    )
    write_atomic(out / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))

    try:
        headlines = ward_headlines(collab)
    except Exception as error:  # noqa: BLE001 - the index is still written
        headlines = {w: f"(headline not computed: {_first_line(error)})" for w in all_wards}
    ran = {result.key for result in results}
    notice = None
    if options.publish:
        from rrp_helpers.publish import PublishRule
        from rrp_helpers.publish import notice as publish_notice

        notice = publish_notice(PublishRule(*options.publish))
    write_atomic(
        out / "index.html", index_page(collab, entries, headlines, out=out, skipped=skipped, generated=now, notice=notice)
    )

    counts = {"ok": 0, "failed": 0, "no data": 0, "skipped": 0, "collab ok": 0, "collab failed": 0}
    failures = []
    for key, entry in entries.items():
        if key.startswith("ward:") and key[5:] in ward_names:
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
            counts["skipped"] += key in skipped
        elif key.startswith("collaborative:") and key.split(":", 1)[1] in COLLABORATIVE_NOTEBOOKS:
            counts["collab ok" if entry["status"] == STATUS_OK else "collab failed"] += 1
        if entry["status"] == STATUS_FAILED and key in ran:
            failures.append((key, entry["error"]))
    any_failed = any(
        entry["status"] == STATUS_FAILED
        for key, entry in entries.items()
        if (key.startswith("ward:") and key[5:] in ward_names) or key.split(":", 1)[1] in COLLABORATIVE_NOTEBOOKS
    )
    summary = Summary(out, EXIT_FAILED if any_failed else EXIT_OK, counts, failures, time.perf_counter() - started, results)
    if options.rerun_failed and not tasks:
        summary.message = f"Nothing to rerun: no failed report recorded in {out / MANIFEST}."
    return summary


def _run_tasks(tasks: list[Task], options: ReportOptions, out: Path) -> list[TaskResult]:
    """Run ``tasks`` on a pool of ``options.jobs`` workers, with a progress bar; results as they finish."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm import tqdm

    cache = bundle_folder(out)
    bundle_path = _bundle_path(cache)
    context = multiprocessing.get_context("forkserver" if sys.platform != "win32" else "spawn")
    results: list[TaskResult] = []
    jobs = max(1, min(options.jobs, len(tasks)))
    bar = tqdm(total=len(tasks), unit="report", disable=not options.progress, file=sys.stderr, dynamic_ncols=True)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init, initargs=(str(bundle_path), True))
    try:
        futures = {pool.submit(run_task, task): task for task in tasks}
        vega_bundle(cache)  # if not cached, built (~2-4 s) while the workers start their kernels
        for future in as_completed(futures):
            task = futures[future]
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 - a worker that died
                result = TaskResult(task.key, task.label, STATUS_FAILED, _first_line(error))
            results.append(result)
            bar.set_postfix_str(f"{result.label[:30]}: {result.status} in {result.seconds:.1f} s", refresh=False)
            bar.update(1)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        bar.close()
    pool.shutdown(wait=True)
    return results


# ---------------------------------------------------------------------------------------------
# The index page


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


_INDEX_CSS = """
body { font-family: Arial, Helvetica, sans-serif; margin: 24px; color: #212b32; }
h1 { color: #003087; font-size: 24px; } h2 { color: #003087; font-size: 18px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border-bottom: 1px solid #d8dde0; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #E8EDEE; }
.status-ok { color: #007f3b; font-weight: bold; }
.status-failed { color: #d5281b; font-weight: bold; }
.status-no-data { color: #768692; font-weight: bold; }
.error { color: #d5281b; font-family: monospace; font-size: 12px; }
.summary { font-size: 16px; } .muted { color: #768692; font-size: 12px; }
"""


def index_page(
    collab,
    entries: dict[str, dict],
    headlines: dict[str, str],
    *,
    out: Path,
    skipped: set[str],
    generated: str,
    notice: str | None = None,
) -> str:
    """``index.html``: every ward with its headline, status and links; links to the collaborative reports.

    Every piece of text from the data is escaped; links are relative; nothing is loaded from elsewhere.
    """
    wards = collab.wards
    unit = collab.config.unit_label
    counts = {STATUS_OK: 0, STATUS_FAILED: 0, STATUS_NO_DATA: 0, "not run": 0}
    rows = []
    for ward in wards.itertuples():
        ward_id = str(ward.ward_id)
        key = f"ward:{ward_id}"
        entry = entries.get(key)
        status = entry["status"] if entry else "not run"
        counts[status] = counts.get(status, 0) + 1
        name = safe_name(ward_id)
        links = []
        html_file = f"wards/{name}/{name}.html"
        has_report = status in (STATUS_OK, STATUS_FAILED) and (out / html_file).exists()
        if has_report:
            links.append(f'<a href="{_e(html_file)}">report</a>')
            links.append(f'<a href="{_e(f"wards/{name}/")}">charts (PNG)</a>')
            links.append(f'<a href="{_e(f"notebooks/wards/{name}.ipynb")}">notebook</a>')
        if status == STATUS_FAILED and (out / "notebooks" / "wards" / f"{name}.failed.ipynb").exists():
            links.append(f'<a href="{_e(f"notebooks/wards/{name}.failed.ipynb")}">failed notebook</a>')
        note = ""
        if status == STATUS_FAILED:
            note = f'<div class="error">{_e(entry.get("error", ""))}</div>'
            if has_report:
                note += '<div class="muted">the report linked is the last good one</div>'
        elif key in skipped:
            note = '<div class="muted">unchanged since the last run (not rerun)</div>'
        css = "status-" + status.replace(" ", "-")
        rows.append(
            "<tr>"
            f"<td>{_e(ward.ward_name)}<div class=\"muted\">{_e(ward_id)}</div></td>"
            f"<td>{_e(ward.trust)}</td><td>{_e(ward.specialty)}</td>"
            f"<td>{_e(headlines.get(ward_id, '') if status != STATUS_NO_DATA else 'No monthly counts')}</td>"
            f'<td><span class="{css}">{_e(status)}</span>{note}</td>'
            f"<td>{' · '.join(links)}</td>"
            "</tr>"
        )
    collab_rows = []
    for stem, title in NOTEBOOK_TITLES.items():
        entry = entries.get(f"collaborative:{stem}")
        if entry is None:
            continue
        status = entry["status"]
        exists = (out / "collaborative" / f"{stem}.html").exists()
        link = f'<a href="{_e(f"collaborative/{stem}.html")}">{_e(title)}</a>' if exists else _e(title)
        error = f' <span class="error">{_e(entry.get("error", ""))}</span>' if status == STATUS_FAILED else ""
        collab_rows.append(f'<li>{link} <span class="status-{status.replace(" ", "-")}">{_e(status)}</span>{error}</li>')
    skipped_wards = sum(1 for key in skipped if key.startswith("ward:"))
    summary = (
        f"{len(wards)} {unit}s: {counts[STATUS_OK]} ok ({skipped_wards} unchanged, not rerun), "
        f"{counts[STATUS_FAILED]} failed, {counts[STATUS_NO_DATA]} no data"
        + (f", {counts['not run']} not run yet" if counts["not run"] else "")
        + "."
    )
    synthetic = '<p class="error">SYNTHETIC DATA: every ward, trust and number here is invented.</p>' if collab.config.synthetic else ""
    if notice:
        synthetic += f'<p class="notice">{_e(notice)}</p>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{_e(collab.config.name)}: reports</title>
<style>{_INDEX_CSS}</style>
</head>
<body>
<h1>{_e(collab.config.name)}</h1>
{synthetic}
<p class="summary">{_e(summary)}</p>
<h2>Collaborative reports</h2>
<ul>{''.join(collab_rows) or '<li>none in this folder</li>'}</ul>
<h2>Ward reports</h2>
<table>
<thead><tr><th>Ward</th><th>Trust</th><th>Specialty</th><th>Headline result (team level, sustained change)</th><th>Status</th><th>Links</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p class="muted">Generated {_e(generated)} by rrp reports. Reductions are from the baseline mean to the mean of the
final phase after a sustained shift (8 months on one side of the centre line).</p>
</body>
</html>
"""

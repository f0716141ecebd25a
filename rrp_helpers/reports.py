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
  instead of starting one per notebook, after importing ``rrp_helpers`` in it once. Before each
  notebook the kernel's namespace is reset (IPython ``reset``, as ``%reset -f``), so a notebook
  never sees another's variables; modules stay imported, which is the point.
* Notebooks run with ``renderer="rrp-embed"``: a chart output is its Vega-Lite spec and a
  ``vegaEmbed`` call, so the kernel does no SVG conversion. The exporter inlines the Vega,
  Vega-Lite and Vega-Embed bundle (``vl_convert.javascript_bundle()``, cached in ``DIR/.cache``)
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
    "04_explorer": {"static_chart": True},
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
    if slug == text and slug not in _RESERVED:
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
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(
            template_name="lab",
            template_file="rrp_report.html.j2",
            extra_loaders=[jinja2.DictLoader({"rrp_report.html.j2": _TEMPLATE})],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
        )
    return _EXPORTER


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


def vega_bundle(cache_dir: Path) -> Path:
    """The Vega + Vega-Lite + Vega-Embed bundle as a file in ``cache_dir`` (built once: ~4 s)."""
    import vl_convert

    version = getattr(vl_convert, "__version__", "unknown")
    path = cache_dir / f"vega-bundle-{_slug(version)}.js"
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

#: Run in a fresh kernel once, so notebooks find these modules already imported.
WARM_UP_CODE = """
import rrp_helpers.charts, rrp_helpers.concepts, rrp_helpers.data, rrp_helpers.explorer
import rrp_helpers.outcomes, rrp_helpers.quality, rrp_helpers.results, rrp_helpers.spc
import IPython.display
"""
#: Run (silently) before every notebook: an empty namespace, counters from 1, as in a new kernel.
RESET_CODE = """
get_ipython().reset(new_session=False, aggressive=False)
get_ipython().execution_count = 1
__import__("rrp_helpers.charts").charts._embed_ids = __import__("itertools").count(1)
"""


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
    notebook: str  # notebook stem in notebooks/
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
            notebook = execute_notebook(NOTEBOOKS_DIR / f"{task.notebook}.ipynb", Path(temporary), task.parameters)
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


_EMBED_CALL = re.compile(r'vegaEmbed\("#rrp-chart-\d+", (\{.*\}), \{"actions": false\}\)\.catch', re.DOTALL)


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


def _title_text(spec: dict) -> str:
    title = spec.get("title", "")
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title)


def slide_charts(notebook, measures: list[str]) -> dict[str, dict]:
    """A ward report's charts as standalone specs for PNG files: ``{file suffix: spec}``.

    The measure dashboard (the first chart) is split into one chart per measure (``measures``,
    the panels' order); the other charts are named after their titles.
    """
    charts: dict[str, dict] = {}
    specs = chart_specs(notebook)
    for number, spec in enumerate(specs, start=1):
        if "vconcat" in spec and all("hconcat" in row for row in spec["vconcat"]):
            panels = [panel for row in spec["vconcat"] for panel in row["hconcat"]]
            shared = {key: value for key, value in spec.items() if key not in ("vconcat", "resolve")}
            names = measures if len(measures) == len(panels) else [f"panel-{k}" for k in range(1, len(panels) + 1)]
            for name, panel in zip(names, panels):
                charts[safe_name(name)] = {**shared, **panel}
        else:
            name = safe_name(_title_text(spec).split(":")[-1]) if _title_text(spec) else f"chart-{number}"
            charts.setdefault(name, spec)
    return charts


def write_slide_pngs(notebook, measures: list[str], prefix: Path, *, scale: float = 2) -> list[Path]:
    """Write ``<prefix>-<chart>.png`` for each of :func:`slide_charts` (atomically); return the paths."""
    import vl_convert

    written = []
    for name, spec in slide_charts(notebook, measures).items():
        target = prefix.parent / f"{prefix.name}-{name}.png"
        write_atomic(target, vl_convert.vegalite_to_png(spec, scale=scale))
        written.append(target)
    return written

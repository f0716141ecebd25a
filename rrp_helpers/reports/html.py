"""Executed notebooks as self-contained offline HTML pages, and the Vega libraries they inline.

A page is nbconvert's HTML export of the executed notebook with the workbook's template
(``templates/report.html.j2``): code and prompts hidden, nothing remote. Charts are emitted by
the notebooks' ``rrp-embed`` renderer as a Vega-Lite spec and a ``vegaEmbed`` call; the page
inlines the Vega, Vega-Lite and Vega-Embed bundle once (``vl_convert.javascript_bundle()``). The
bundle depends only on the vl-convert version, so it is built once and kept in the user's cache
folder (:func:`bundle_folder`). Every page is checked for ``http(s)://`` scripts and stylesheets
before it is written.
"""

from __future__ import annotations

import copy
import os
import re
import time
from functools import lru_cache
from pathlib import Path

from rrp_helpers.files import TMP_PREFIX, write_atomic
from rrp_helpers.paths import user_cache_dir

__all__ = ["notebook_to_html", "remote_sources", "strip_remote_sources", "cache_dir", "bundle_folder", "bundle_path",
           "vega_bundle", "wait_for_bundle"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

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
_WIDGET_NOTE = (
    '<p class="rrp-widget-note"><em>Interactive controls need a running Python kernel: open this notebook '
    "in JupyterLab or Voila to use them. In this static page, use the charts' own controls.</em></p>"
)


def remote_sources(page: str) -> list[str]:
    """Every ``<script src>``, ``<link href>`` or CSS ``@import`` of ``page`` that points to the network."""
    return _REMOTE_CHECK.findall(page)


def strip_remote_sources(page: str) -> str:
    """``page`` without remote ``<script src=...>`` and ``<link href=...>`` elements."""
    return _REMOTE_TAG.sub("", page)


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab", template_file="report.html.j2", extra_template_paths=[str(TEMPLATES)],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True,
    )


def notebook_to_html(notebook, *, title: str, caption: str, index_href: str, bundle: str | None,
                     links: tuple[tuple[str, str, bool], ...] = (), vega_src: str | None = None) -> str:
    """A self-contained HTML page of an executed notebook (``notebook`` itself is not changed).

    Stderr streams (warnings) are left out of the page (they stay in the executed notebook);
    widgets, which need a kernel, are replaced by a note. ``bundle`` is inlined once when a chart
    needs ``vegaEmbed``. Raises RuntimeError rather than write a page that loads from the network.
    """
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"] = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        for output in cell["outputs"]:
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
                output["data"] = {"text/html": _WIDGET_NOTE}
    notebook.metadata.pop("widgets", None)
    needs_bundle = any(
        "vegaEmbed(" in (html := str(output.get("data", {}).get("text/html", ""))) and "window.vegaEmbed=" not in html
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    resources = {"metadata": {"name": title}, "rrp_vega_bundle": bundle if needs_bundle and not vega_src else "",
                 "rrp_vega_src": vega_src if needs_bundle else "",
                 "rrp_caption": caption, "rrp_index_href": index_href,
                 "rrp_links": [{"href": href, "text": text, "download": download} for href, text, download in links]}
    page, _ = _exporter().from_notebook_node(notebook, resources=resources)
    page = strip_remote_sources(page)
    remote = remote_sources(page)
    if remote:
        raise RuntimeError(f"the HTML page would load from the network: {remote[0]!r}")
    if needs_bundle and not (bundle or vega_src):
        raise RuntimeError("the page has charts but no Vega bundle")
    return page


#: Where ``rrp reports --shared-vega`` keeps the folder's one copy of the Vega libraries.
SHARED_BUNDLE = "vega/vega-bundle.js"


def write_shared_bundle(bundle: Path, target: Path) -> Path:
    """The bundle as a classic script for ``<script src>``: a page opened from a file may load a
    classic script from a relative path, but not a module (browsers refuse module scripts from
    ``file://``); wrapped in a function so its top-level names stay its own, as a module's do."""
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, '(function () {\n"use strict";\n' + bundle.read_text(encoding="utf-8") + "\n})();\n")
    return target


def bundle_path(folder: Path) -> Path:
    """The bundle's file in ``folder``, named by the vl-convert version that builds it."""
    from importlib import metadata

    try:
        version = metadata.version("vl-convert-python")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return folder / f"vega-bundle-{re.sub(r'[^A-Za-z0-9_.-]+', '-', version)}.js"


def cache_dir(out: Path) -> Path:
    """Where the bundle is kept between runs: :func:`rrp_helpers.paths.user_cache_dir`, or
    ``out/.cache`` when that folder is not an absolute path or cannot be created or written."""
    candidate = user_cache_dir()
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
    """:func:`cache_dir`, unless the bundle there fails :func:`_trusted` (then ``out/.cache``)."""
    folder = cache_dir(out)
    cached = bundle_path(folder)
    if cached.exists() and not _trusted(cached):
        return out / ".cache"
    return folder


def vega_bundle(folder: Path) -> Path:
    """The Vega + Vega-Lite + Vega-Embed bundle as a file in ``folder``, built if absent.

    Refuses a file there that fails :func:`_trusted`. Temporary files over an hour old, left by
    a run that was killed while building the bundle, are removed.
    """
    import vl_convert

    path = bundle_path(folder)
    if path.exists() and not _trusted(path):
        raise RuntimeError(f"the cached Vega bundle {path} is writable by other users: remove it and run again")
    if folder.is_dir():
        for stale in folder.glob(f"{TMP_PREFIX}*"):
            try:
                if time.time() - stale.stat().st_mtime > 3600:
                    stale.unlink()
            except OSError:
                pass
    if not path.exists():
        write_atomic(path, vl_convert.javascript_bundle())
        os.chmod(path, 0o644)
    return path


def wait_for_bundle(path: Path, timeout: float = 300.0) -> str:
    """The bundle at ``path``, written atomically by the batch's parent process: wait for it."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Vega bundle {path} was not built in time")
        time.sleep(0.05)
    return path.read_text(encoding="utf-8")

"""What a notebook may change in a warm kernel, and how the next notebook gets it back.

Runs inside the kernel (:mod:`rrp_helpers.reports.kernel` calls :func:`snapshot` after the
warm-up and :func:`restore` before every notebook). A notebook's variables are removed by
IPython's ``reset``; the rest of the process outlives it, so the state a notebook can change
through the libraries it uses is taken back to the warm-up's: environment variables, the working
folder, ``sys.path``, warning filters, NumPy's global random state, pandas options, Altair's
data transformer, renderer and theme, and the module attributes of the workbook's own modules.
Imports only the standard library; pandas, NumPy and Altair are looked at only if loaded.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

_STATE: dict[str, Any] = {}
_OWN_MODULES = "rrp_helpers"


def snapshot() -> None:
    """Remember the process's state as it is now (after the warm-up)."""
    _STATE.clear()
    _STATE["environ"] = dict(os.environ)
    _STATE["cwd"] = os.getcwd()
    _STATE["sys.path"] = list(sys.path)
    _STATE["warnings"] = list(warnings.filters)
    _STATE["modules"] = {name: dict(vars(module)) for name, module in list(sys.modules.items())
                         if module is not None and (name == _OWN_MODULES or name.startswith(_OWN_MODULES + "."))}
    if "numpy" in sys.modules:
        _STATE["numpy.random"] = sys.modules["numpy"].random.get_state()
    if "pandas" in sys.modules:
        _STATE["pandas"] = _pandas_options()
    if "altair" in sys.modules:
        _STATE["altair"] = _altair_registries()


def restore(shell: Any = None) -> None:
    """Put back the state of :func:`snapshot`, after clearing ``shell``'s namespace (IPython)."""
    if shell is not None:
        _reset_namespace(shell)
    if not _STATE:
        return
    os.environ.clear()
    os.environ.update(_STATE["environ"])
    os.chdir(_STATE["cwd"])
    sys.path[:] = _STATE["sys.path"]
    warnings.filters[:] = _STATE["warnings"]
    warnings._filters_mutated()  # type: ignore[attr-defined]  # the filters' cache is stale
    for name, saved in _STATE["modules"].items():
        module = sys.modules.get(name)
        if module is not None:
            _restore_attributes(module, saved)
    theme = sys.modules.get("rrp_helpers.charts.theme")
    if theme is not None:  # chart ids count from 1 in every notebook (deterministic pages)
        theme.reset_chart_ids()
    if "numpy.random" in _STATE:
        sys.modules["numpy"].random.set_state(_STATE["numpy.random"])
    if "pandas" in _STATE:
        _set_pandas_options(_STATE["pandas"])
    if "altair" in _STATE:
        _set_altair_registries(_STATE["altair"])


def _reset_namespace(shell: Any) -> None:
    """IPython's ``%reset -f`` without its full garbage collection (0.1 s with a collaborative
    loaded, and it frees little: the automatic collector reclaims the notebook's cycles)."""
    import gc

    collect = gc.collect
    gc.collect = lambda *args, **kwargs: 0
    try:
        shell.reset(new_session=False, aggressive=False)
    finally:
        gc.collect = collect
    shell.execution_count = 1


def _restore_attributes(module: Any, saved: dict[str, Any]) -> None:
    current = vars(module)
    for name in [name for name in current if name not in saved]:
        del current[name]
    for name, value in saved.items():
        if current.get(name, _MISSING) is not value:
            current[name] = value


_MISSING = object()


def _pandas_options() -> dict[str, Any]:
    import pandas as pd

    registered = pd._config.config._registered_options  # the list of options pandas keeps
    values = {}
    for key in registered:
        try:
            values[key] = pd.get_option(key)
        except Exception:  # noqa: BLE001 - a deprecated or broken option: leave it alone
            continue
    return values


def _set_pandas_options(values: dict[str, Any]) -> None:
    import pandas as pd

    for key, value in values.items():
        try:
            if pd.get_option(key) != value:
                pd.set_option(key, value)
        except Exception:  # noqa: BLE001
            continue


def _altair_registries() -> dict[str, tuple[str | None, dict]]:
    import altair as alt

    return {
        "data_transformers": (alt.data_transformers.active, dict(alt.data_transformers.options)),
        "renderers": (alt.renderers.active, dict(alt.renderers.options)),
        "theme": (alt.theme.active, {}),
    }


def _set_altair_registries(saved: dict[str, tuple[str | None, dict]]) -> None:
    import altair as alt

    for name, (active, options) in saved.items():
        registry = alt.theme if name == "theme" else getattr(alt, name)
        if active is not None:
            registry.enable(active, **options)

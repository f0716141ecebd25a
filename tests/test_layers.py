"""The package's import layers (docs/design.md, section 1): imports run one way, from the command
line down to the data; drawing never imports statistics, statistics never draw; nothing imports
the command line; no module is too long to read."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "rrp_helpers"

#: Layer of each module (by dotted name prefix), lowest first. A module may import its own layer
#: and the layers below it, never one above.
LAYERS: list[tuple[str, ...]] = [
    ("text", "errors", "paths", "files", "outputs", "spreadsheets", "startup", "privacy", "fonts", "publish"),
    ("data",),
    ("spc", "sustained", "funnel", "chance"),
    ("outcomes", "concepts", "quality", "chart_data", "results", "demo", "national", "blank", "importers", "mdc", "summary", "sensitivity", "tables"),
    ("charts",),
    ("views", "explorer"),
    ("reports",),
    ("cli",),
]
STATISTICS = ("data", "spc", "sustained", "funnel", "chance", "outcomes", "concepts", "quality", "chart_data", "results", "mdc")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    """The workbook modules a file imports (anywhere in it), as dotted names below rrp_helpers."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rrp_helpers"):
            base = node.module[len("rrp_helpers"):].lstrip(".")
            for alias in node.names:
                names.add(f"{base}.{alias.name}" if base else alias.name)
        elif isinstance(node, ast.Import):
            names |= {alias.name[len("rrp_helpers."):] for alias in node.names if alias.name.startswith("rrp_helpers.")}
    return names


def _layer(name: str) -> int | None:
    top = name.split(".")[0]
    return next((k for k, layer in enumerate(LAYERS) if top in layer), None)


def test_every_module_has_a_layer():
    assert [name for name in _modules() if name and _layer(name) is None] == []


def test_imports_run_one_way():
    wrong = []
    for name, path in _modules().items():
        if not name:
            continue
        for imported in _imports(path):
            target = _layer(imported)
            if target is not None and target > _layer(name):
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def test_nothing_imports_the_command_line():
    assert [name for name, path in _modules().items() if any(i.split(".")[0] == "cli" for i in _imports(path))] == []


def test_drawing_never_imports_statistics():
    charts = {name: path for name, path in _modules().items() if name.split(".")[0] == "charts"}
    for name, path in charts.items():
        assert not {i.split(".")[0] for i in _imports(path)} & set(STATISTICS), name
        source = path.read_text()
        for forbidden in (".mean(", ".std(", ".median(", "sqrt("):
            assert forbidden not in source, (name, forbidden)


def test_statistics_never_draw():
    for name, path in _modules().items():
        if name.split(".")[0] in STATISTICS:
            assert not {i.split(".")[0] for i in _imports(path)} & {"charts", "views"}, name
            assert "import altair" not in path.read_text(), name


def test_the_package_import_has_no_side_effects():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    assert all(isinstance(node, (ast.Expr, ast.Assign)) for node in tree.body)  # docstring and __version__


def test_modules_and_functions_are_short_enough_to_read():
    long_modules = [f"{n}: {len(p.read_text().splitlines())}" for n, p in _modules().items() if len(p.read_text().splitlines()) > 700]
    assert long_modules == []
    long_functions = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                says_why = "long because" in (ast.get_docstring(node) or "").lower()
                if length > 120 and not says_why:
                    long_functions.append(f"{name}.{node.name}: {length}")
    assert long_functions == []

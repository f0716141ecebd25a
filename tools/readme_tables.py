"""Write the README's generated tables from the data contract (``rrp_helpers.data.contract``).

Usage: ``python tools/readme_tables.py`` rewrites every block between
``<!-- generated: NAME -->`` and ``<!-- end generated -->`` in README.md; ``--check`` only says
whether they are current (``tests/test_data_contract.py`` runs the same check).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from rrp_helpers.data.contract import columns_table, markdown_table, settings_table

README = Path(__file__).resolve().parents[1] / "README.md"
TABLES = {"contract": markdown_table, "columns": columns_table, "settings": settings_table}
BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.DOTALL)


def regenerate(text: str) -> str:
    """``text`` with every generated block rewritten (unknown block names raise KeyError)."""
    return BLOCK.sub(lambda m: m.group(1) + TABLES[m.group(2)]() + "\n" + m.group(4), text)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    updated = regenerate(text)
    if "--check" in argv:
        print("README tables are current" if updated == text else "README tables are out of date: run tools/readme_tables.py")
        return 0 if updated == text else 1
    README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

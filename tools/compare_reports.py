"""Compare two ``rrp reports`` output folders page by page, up to what differs between runs anyway.

Usage: ``python tools/compare_reports.py OLD_OUT NEW_OUT``. Pages are serialised by
BeautifulSoup, and element ids of injected-parameter cells, object addresses and timestamps are
blanked; prints ``same``/``DIFF`` per page (with the first differing lines) and whether each PNG
is byte-identical. For checking that a refactoring leaves the reports as they were.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

from bs4 import BeautifulSoup


def normalised(page: str) -> str:
    text = str(BeautifulSoup(page, "html.parser"))
    text = re.sub(r'id="cell-id=[0-9a-f-]+"', 'id="cell-id"', text)
    text = re.sub(r"0x[0-9a-f]+", "0x", text)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", "TIME", text)


def main(old: Path, new: Path) -> int:
    differing = 0
    for page in sorted(old.rglob("*.html")):
        relative = page.relative_to(old)
        other = new / relative
        if not other.exists():
            print("missing", relative)
            differing += 1
            continue
        a, b = normalised(page.read_text(encoding="utf-8")), normalised(other.read_text(encoding="utf-8"))
        if a == b:
            print("same", relative)
            continue
        differing += 1
        lines = [line for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
                 if not line.startswith(("---", "+++", "@@"))]
        print("DIFF", relative, f"({len(lines)} lines)")
        print("\n".join(line[:200] for line in lines[:8]))
    for png in sorted(old.rglob("*.png")):
        other = new / png.relative_to(old)
        same = other.exists() and png.read_bytes() == other.read_bytes()
        print("png", png.relative_to(old), "same" if same else "DIFF")
        differing += not same
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))

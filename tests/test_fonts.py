"""``fonts``: vl-convert draws text with its bundled Liberation Sans only, and the environment is
left as it was. Each case runs in a new Python process, since vl-convert builds its font
database once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Prints the width of a Vega view holding one text in the given font: the view is sized to fit
# the text, so its width is the text's width as vl-convert measured it (rounded up).
MEASURE = """
import json, sys
bundled = sys.argv[1] == "bundled"
if bundled:
    from rrp_helpers.fonts import vl_convert_bundled_fonts
    vl_convert = vl_convert_bundled_fonts()
else:
    import vl_convert
import os
spec = {"$schema": "https://vega.github.io/schema/vega/v5.json", "width": 1, "height": 1, "autosize": "pad",
        "marks": [{"type": "text", "encode": {"enter": {"text": {"value": "Restraint per 1,000 bed days"},
                   "font": {"value": sys.argv[2]}, "fontSize": {"value": 20}}}}]}
scene = vl_convert.vega_to_scenegraph(spec)
print(json.dumps({"width": scene["width"], "env": os.environ.get("FONTCONFIG_FILE")}))
"""


def _measure(mode: str, font: str, env: dict | None = None) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, mode, font], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})}, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _system_font(family: str) -> bool:
    return any(Path("/usr/share/fonts").rglob(family.replace(" ", "") + "*.ttf"))


@pytest.mark.skipif(not _system_font("DejaVu Sans"), reason="needs the system font DejaVu Sans (Debian: fonts-dejavu-core)")
@pytest.mark.slow
def test_system_fonts_are_not_used():
    """Without the helper, text asked for in "DejaVu Sans, sans-serif" (DejaVu Sans being a
    system font) is measured in DejaVu Sans; with it, vl-convert cannot see that font and takes
    sans-serif: its Liberation Sans."""
    system = _measure("plain", "DejaVu Sans, sans-serif")
    bundled = _measure("bundled", "DejaVu Sans, sans-serif")
    liberation = _measure("bundled", "Liberation Sans")
    assert system["width"] > liberation["width"] + 10  # DejaVu Sans is wider: the check can tell them apart
    assert bundled["width"] == liberation["width"]


def test_environment_is_restored():
    assert _measure("bundled", "Arial", env={"FONTCONFIG_FILE": "/nowhere/fonts.conf"})["env"] == "/nowhere/fonts.conf"
    unset = {key: value for key, value in os.environ.items() if key != "FONTCONFIG_FILE"}
    result = subprocess.run([sys.executable, "-c", MEASURE, "bundled", "Arial"], capture_output=True, text=True, cwd=ROOT, env=unset, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1])["env"] is None


@pytest.mark.skipif(not _system_font("Liberation Sans"), reason="needs the system font Liberation Sans (Debian: fonts-liberation)")
def test_text_is_laid_out_as_with_the_machines_fonts():
    """The workbook's font list (Arial first) is measured the same with the bundled Liberation
    Sans as with the machine's fonts (here without Arial: its Liberation Sans)."""
    font = "Arial, Helvetica, sans-serif"
    assert _measure("bundled", font)["width"] == _measure("plain", font)["width"]


def test_environment_is_restored_when_the_first_conversion_fails(monkeypatch):
    import vl_convert

    from rrp_helpers import fonts

    def fail(spec):
        assert os.environ["FONTCONFIG_FILE"].endswith("fonts.conf")  # set while converting
        raise RuntimeError("conversion failed")

    monkeypatch.setattr(fonts, "_fonts_ready", False)
    monkeypatch.setattr(vl_convert, "vegalite_to_svg", fail)
    monkeypatch.setenv("FONTCONFIG_FILE", "/before/fonts.conf")
    with pytest.raises(RuntimeError, match="conversion failed"):
        fonts.vl_convert_bundled_fonts()
    assert os.environ["FONTCONFIG_FILE"] == "/before/fonts.conf"
    assert fonts._fonts_ready is False  # tried again next time

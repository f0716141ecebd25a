"""rrp_helpers.charts.theme: chart data inside a page's script can neither close the script, open
a comment or a tag, nor change what the chart draws."""

import json

import altair as alt
import pytest

from rrp_helpers import charts
from rrp_helpers.charts.theme import script_json

HOSTILE = ["</script><script>alert(1)</script>", "<!--<script>", "a & b > c", "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("text", HOSTILE)
def test_embed_renderer_escapes_every_angle_bracket_in_data(text):
    chart = alt.Chart(alt.Data(values=[{"a": text}])).mark_point().encode(x="a:N")
    html = charts.theme._embed_renderer(chart.to_dict())["text/html"]
    script = html.split('<script type="module">', 1)[1].rsplit("</script>", 1)[0]
    assert "<" not in script and ">" not in script.replace("=>", "")
    assert html.count("</script>") == 1


def test_script_json_is_the_same_json():
    value = {"notes": HOSTILE, "n": [1, 2.5, None]}
    assert json.loads(script_json(value)) == value

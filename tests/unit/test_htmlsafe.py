"""ccnb.render.htmlsafe and the managers' view: ccnb's own markup passes unchanged, anything else is escaped."""
from __future__ import annotations

import pandas as pd
import pytest

from ccnb.present import blocks
from ccnb.render import htmlsafe, pages

PAYLOAD = "<script>window.__pwned=1</script>"


def ours() -> list[str]:
    df = pd.DataFrame({"agent": [PAYLOAD, "张伟 & Co's"], "aht_s": [200.0, 1234.5], "light": ["red", "green"]})
    return [
        blocks.table_html(df, formats={"aht_s": "s"}, light="light", caption="Cap <b>", total={"aht_s": 700}),
        blocks.kpi_cards_html([{"label": "AHT", "value": 201, "fmt": "s", "target": 200, "light": "red",
                                "note": "<i>x</i>"}]),
        blocks.alerts_html(["<img src=x onerror=alert(1)>", ("a 'quote' & \"dq\"", "red")]),
        blocks.alerts_html([]),
        blocks.heading_html(1, "report.headline"),
        blocks.text_html("common.generated", when="<b>", data=PAYLOAD),
        blocks.light_html("amber", short=True),
    ]


@pytest.mark.parametrize("i", range(7))
def test_ccnb_markup_passes_byte_for_byte(i):
    markup = ours()[i]
    assert htmlsafe.clean(markup) == markup


@pytest.mark.parametrize("raw, want", [
    ("<p>" + PAYLOAD + "</p>", "<p>&lt;script&gt;window.__pwned=1&lt;/script&gt;</p>"),
    ('<img src=x onerror="alert(1)">', "<img>"),
    ('<img src="data:image/png;base64,iVBOR" alt="c">', '<img src="data:image/png;base64,iVBOR" alt="c">'),
    ("<svg onload=alert(1)></svg>", "&lt;svg onload=alert(1)&gt;&lt;/svg&gt;"),
    ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
    ('<a href="https://example.com/kb">kb</a>', '<a href="https://example.com/kb">kb</a>'),
    ('<b onmouseover="alert(1)" style="color:red">b</b>', "<b>b</b>"),
    ('<iframe srcdoc="<script>x</script>"></iframe>', "&lt;iframe srcdoc=\"&lt;script&gt;x&lt;/script&gt;\"&gt;"
                                                      "&lt;/iframe&gt;"),
    ("<style>body{display:none}</style><p>t</p>", "<p>t</p>"),
    ("<!-- <script>x</script> --><p>t</p>", "<p>t</p>"),
])
def test_anything_else_is_escaped_or_dropped(raw, want):
    assert htmlsafe.clean(raw) == want


def test_the_managers_view_cleans_html_and_markdown_outputs():
    html_out = {"output_type": "display_data", "data": {"text/html": ["<p>", PAYLOAD, "</p>"], "text/plain": "x"}}
    assert pages.keep_output(html_out)
    assert html_out["data"]["text/html"] == "<p>&lt;script&gt;window.__pwned=1&lt;/script&gt;</p>"
    md_out = {"output_type": "display_data", "data": {"text/markdown": "**Agent** " + PAYLOAD}}
    assert pages.keep_output(md_out)
    assert md_out["data"] == {"text/html": "<p><strong>Agent</strong> &lt;script&gt;window.__pwned=1&lt;/script&gt;"
                                           "</p>\n"}
    frame = pd.DataFrame({"a": [PAYLOAD]})
    df_out = {"output_type": "execute_result", "data": {"text/html": frame._repr_html_(), "text/plain": "a"}}
    assert pages.keep_output(df_out)
    assert "<style" not in df_out["data"]["text/html"] and "&lt;script&gt;" in df_out["data"]["text/html"]

"""ccnb.present.display: formatting, escaping, traffic lights, summaries, setup."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ccnb.core import config, months
from ccnb.i18n import fmt as formats
from ccnb.params import load_params
from ccnb.present import blocks
from ccnb.present import display as d

PAYLOAD = "<script>alert('x')</script>"


# --------------------------------------------------------------------------- values
@pytest.mark.parametrize("value, fmt, lang, expected", [
    (0.8412, "pct", "en", "84.1 %"),
    (0.8412, "pct0", "en", "84 %"),
    (0.021, "pp", "en", "+2.1 pp"),
    (-0.021, "pp", "zh", "-2.1 个百分点"),
    (1234567, "int", "en", "1,234,567"),
    (201.4, "s", "en", "201 s"),
    (201.4, "s", "zh", "201 秒"),
    (12.25, "min", "en", "12.2 min"),
    (48.0, "nps", "en", "+48"),
    (81.25, "points", "en", "81.2"),
    (3.14159, "{:.3f}", "en", "3.142"),
    (np.int64(12345), None, "en", "12,345"),
    (np.float64(0.12345), None, "en", "0.12"),
    (1234.0, None, "en", "1,234"),
    (pd.Timestamp("2026-10-05"), None, "en", "2026-10-05"),
    (pd.Timestamp("2026-10-05 09:30"), None, "en", "2026-10-05 09:30"),
    (True, None, "zh", "是"),
    (None, "pct", "en", "–"),
    (float("nan"), "s", "en", "–"),
    (pd.NaT, "date", "en", "–"),
    ("queue", None, "en", "queue"),
])
def test_format_value(value, fmt, lang, expected):
    assert formats.format_value(value, fmt, lang) == expected


def test_format_value_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="unknown format"):
        formats.format_value(1.0, "percent")


@pytest.mark.parametrize("bad", ["../../x", "2026-13", "2026-1", " 2026-10", "2026-10/..", 202610, None])
def test_parse_month_rejects_anything_but_yyyy_mm(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        months.parse_month(bad)


def test_parse_month_and_names():
    p = months.parse_month("2026-01")
    assert p == pd.Period("2026-01", "M")
    assert formats.month_name(p, "en") == "January 2026"
    assert formats.month_name(p, "zh") == "2026年1月"


# --------------------------------------------------------------------------- escaping
def test_table_escapes_values_headers_and_caption():
    df = pd.DataFrame({PAYLOAD: [PAYLOAD], "n": [1]})
    html = blocks.table_html(df, caption=PAYLOAD, labels={"n": "<b>n</b>"})
    assert "<script" not in html and "<b>" not in html
    assert html.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") == 3
    assert "&lt;b&gt;n&lt;/b&gt;" in html


def test_text_escapes_fields_but_keeps_format_specs():
    html = blocks.text_html("common.generated", "en", when=PAYLOAD, data=PAYLOAD)
    assert "<script" not in html
    assert html == ('<p class="ccnb-text">Generated &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; from data in '
                    '&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</p>')
    # numbers pass through so that labels may format them
    assert blocks.rich("**{v:.1%}** of {n}").format(**blocks.safe_fields({"v": 0.5, "n": "<i>"})) == \
        "<strong>50.0%</strong> of &lt;i&gt;"


def test_alerts_and_cards_escape():
    html = blocks.alerts_html([PAYLOAD, (PAYLOAD, "red")]) + blocks.kpi_cards_html(
        [{"label": PAYLOAD, "value": 0.9, "fmt": "pct", "note": PAYLOAD}])
    assert "<script" not in html
    assert html.count("&lt;script&gt;") == 4


def test_context_text_and_table_display_escaped(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(d, "show_html", shown.append)
    ctx = d.Context(tables=None, params=load_params(), lang="en", month=months.parse_month("2026-10"), out_dir=tmp_path)
    ctx.text("common.generated", when=PAYLOAD, data="x")
    ctx.table(pd.DataFrame({"agent": [PAYLOAD]}))
    assert len(shown) == 2
    assert all("<script" not in h for h in shown)
    assert all("&lt;script&gt;" in h for h in shown)


# --------------------------------------------------------------------------- tables
def test_table_formats_units_alignment_and_lights():
    df = pd.DataFrame({"queue": ["billing", "sales"], "answer_rate": [0.912, 0.85], "aht_s": [201.4, 250.0],
                       "contacts": [12000, 7], "light": ["green", "RED"]})
    html = blocks.table_html(df, formats={"answer_rate": "pct", "aht_s": "s"},
                        labels={"answer_rate": "Answer rate", "aht_s": "AHT"}, light="light")
    assert '<th scope="col">Queue</th>' in html                     # common.queue label
    assert '<th scope="col" class="num">AHT (s)</th>' in html       # unit in the header ...
    assert '<td class="num">201</td>' in html                        # ... bare number in the cell
    assert '<td class="num">91.2 %</td>' in html                     # percentages keep their sign
    assert '<td class="num">12,000</td>' in html
    assert html.index(">Status</th>") > html.index(">contacts</th>")    # the light column goes last
    # a light shows symbol + word + colour class (readable without colour)
    assert 'light-green' in html and "✓" in html and "on target" in html
    assert 'light-red' in html and "✗" in html and "off target" in html


def test_table_zh_headers_and_units():
    df = pd.DataFrame({"queue": ["账单"], "aht_s": [200.0]})
    html = blocks.table_html(df, "zh", formats={"aht_s": "s"}, labels={"aht_s": "平均处理时长"})
    assert "队列" in html and "平均处理时长（秒）" in html and "账单" in html


def test_table_auto_decimals_index_cut_and_total():
    df = pd.DataFrame({"x": [0.5, 0.25, 0.125]}, index=pd.Index(["a", "b", "c"], name="queue"))
    html = blocks.table_html(df, max_rows=2, total={"x": 0.875})
    assert "<td>a</td>" in html and "<td>c</td>" not in html         # index shown, cut at 2 rows
    assert '<td class="num">0.50</td>' in html and '<td class="num">0.25</td>' in html
    assert "1 more rows are not shown." in html
    assert '<tr class="total"><td>Total</td><td class="num">0.88</td></tr>' in html


def test_table_empty_and_missing_columns():
    assert "No data for this selection." in blocks.table_html(pd.DataFrame({"a": []}))
    with pytest.raises(KeyError, match="no column"):
        blocks.table_html(pd.DataFrame({"a": [1]}), columns=["b"])


def test_light_values_normalised():
    assert [formats.light_of(x) for x in ["green", "Amber", " red ", None, math.nan, "blue"]] == \
        ["green", "amber", "red", "grey", "grey", "grey"]
    for light, sym in formats.LIGHT_SYMBOLS.items():
        html = blocks.light_html(light, "zh")
        assert sym in html and f"light-{light}" in html


def test_kpi_cards_show_value_target_and_light():
    html = blocks.kpi_cards_html(pd.DataFrame([
        {"label": "Answer rate", "value": 0.912, "fmt": "pct", "target": 0.9, "light": "green"},
        {"label": "AHT", "value": 250, "fmt": "s", "target": None, "light": None},
        {"label": "CSAT", "value": None, "fmt": "pct", "target": 0.85, "light": "grey"},
    ]), "en")
    assert "91.2 %" in html and "Target 90.0 %" in html and "on target" in html
    # no target: no light at all (grey means too little data, which is a different thing)
    aht = html.split('AHT')[1].split('CSAT')[0]
    assert "250 s" in aht and "No target" in aht and "card-light" not in aht
    assert "insufficient data" in html.split('CSAT')[1]


def test_alerts_empty_says_so():
    assert "Nothing needs attention this month." in blocks.alerts_html([])
    assert "本月没有需要关注的事项。" in blocks.alerts_html([], "zh")


# --------------------------------------------------------------------------- summaries and setup
def test_summary_records_headline_figures(tmp_path, monkeypatch):
    monkeypatch.setattr(d, "show_html", lambda html: None)
    monkeypatch.setenv("CCNB_NOTEBOOK", "20_kpi_scorecard")
    ctx = d.Context(tables=None, params=load_params(), lang="zh", month=months.parse_month("2026-10"), out_dir=tmp_path)
    ctx.title("report.headline")
    ctx.summary("answer_rate", np.float64(0.912), fmt="pct", target=0.9, light="green", label_key="接通率")
    ctx.summary("answer_rate", 0.95, fmt="pct", target=0.9, light="green", label_key="接通率")  # replaces
    ctx.summary("aht_s", 250, fmt="s", label_key="AHT")
    doc = json.loads((tmp_path / "summary" / "20_kpi_scorecard.json").read_text(encoding="utf-8"))
    assert doc["title"] == "核心指标" and doc["month"] == "2026-10" and doc["lang"] == "zh"
    assert [i["key"] for i in doc["items"]] == ["answer_rate", "aht_s"]
    first = doc["items"][0]
    assert first == {"key": "answer_rate", "label": "接通率", "value": 0.95, "fmt": "pct", "display": "95.0 %",
                     "target": 0.9, "target_display": "90.0 %", "light": "green", "note": None}
    assert doc["items"][1]["display"] == "250 秒"


def test_notebook_name_from_environment(monkeypatch):
    monkeypatch.delenv("CCNB_NOTEBOOK", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", "/work/notebooks/30_churn_risk.ipynb")
    assert d.notebook_name() == "30_churn_risk"
    monkeypatch.delenv("JPY_SESSION_NAME")
    assert d.notebook_name() == "notebook"


def test_setup_loads_everything_and_prepares_folders(fixture_data, tmp_path):
    import matplotlib

    ctx = d.setup("2026-10", fixture_data, None, "zh", tmp_path / "pack")
    assert ctx.month == pd.Period("2026-10", "M") and ctx.lang == "zh"
    assert ctx.t("common.queue") == "队列"
    assert ctx.params.center.timezone == "Asia/Shanghai"
    assert len(ctx.tables.interactions) == 9          # as of October's end: all rows of the fixture
    for sub in ("files", "restricted", "summary"):
        assert (tmp_path / "pack" / sub).is_dir()
    assert ctx.files_dir == (tmp_path / "pack" / "files").resolve()
    assert matplotlib.rcParams["font.family"][0] == "Noto Sans CJK SC"
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert ctx.center_name == "示例呼叫中心" and ctx.month_name == "2026年10月"


def test_setup_rejects_bad_input_early(fixture_data, tmp_path):
    from ccnb.params import ParamsError

    with pytest.raises(ValueError, match="YYYY-MM"):
        d.setup("../x", fixture_data)
    with pytest.raises(ValueError, match="lang"):
        d.setup("2026-10", fixture_data, lang="fr")
    with pytest.raises(ParamsError, match="not found"):
        d.setup("2026-10", fixture_data, tmp_path / "missing.yaml")


def test_preformatted_numbers_align_right_and_wide_tables_are_compact():
    df = pd.DataFrame({"kpi": ["Answer rate", "AHT"], "this_month": ["88.0 %", "197 s"],
                       "target": ["70.0 %–85.0 %", "–"]})
    html = blocks.table_html(df)
    assert '<td class="num">88.0 %</td>' in html and '<td class="num">70.0 %–85.0 %</td>' in html
    assert "<td>Answer rate</td>" in html and 'class="ccnb-table"' in html
    wide = pd.DataFrame({f"c{i}": [i] for i in range(9)})
    assert 'class="ccnb-table compact"' in blocks.table_html(wide)


def test_nowrap_columns_keep_short_names_on_one_line():
    df = pd.DataFrame({"area": ["质量"], "action": ["召开校准会议"], "owner": ["质检团队"], "n": [3]})
    html = blocks.table_html(df, "zh", nowrap=["area", "owner", "n"])
    assert '<th scope="col" class="nw">area</th>' in html and '<td class="nw">质量</td>' in html
    assert "<td>召开校准会议</td>" in html and '<td class="nw">质检团队</td>' in html
    assert '<td class="num nw">3</td>' in html
    css = (Path(config.TEMPLATES_DIR) / "report.css").read_text(encoding="utf-8")
    assert ".ccnb-table .nw { white-space: nowrap; }" in css


def test_context_table_is_cut_at_table_rows_max_and_exports_every_row(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(d, "show_html", shown.append)
    prm = load_params()
    prm.report.table_rows_max = 10
    ctx = d.Context(tables=None, params=prm, lang="en", month=months.parse_month("2026-10"), out_dir=tmp_path)
    league = pd.DataFrame({"agent": [f"A{i:04d}" for i in range(1, 4801)], "score": range(4800)})
    ctx.table(league, export="league.csv")
    html = shown[-1]
    assert html.count("<tr") == 1 + 10 and "A0010" in html and "A0011" not in html
    assert "4,790 more rows are not shown; every row is in league.csv" in html
    full = pd.read_csv(tmp_path / "files" / "league.csv", encoding="utf-8-sig")
    assert len(full) == 4800 and full["agent"].iloc[-1] == "A4800"
    ctx.table(league.head(10), export="short.csv")           # not cut: shown whole, no file
    assert shown[-1].count("<tr") == 11 and "more rows" not in shown[-1]
    assert not (tmp_path / "files" / "short.csv").exists()
    ctx.table(league, max_rows=None)                           # a notebook may ask for every row
    assert shown[-1].count("<tr") == 4801

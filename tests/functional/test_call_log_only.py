"""A center that brings only its call log, one month of it, gets a complete and honest pack.

The data: a small generated center (``ccnb.sample``) reduced to ``interactions`` for one month,
without the ``resolved`` column (an ACD export has none). ``ccnb report`` must give every
notebook of ``notebooks/``, label what lacks data "not available" (never 0, never a crash),
leave it out of the index, the on-target counts and the month-end links, and print no
NaN/None/inf or traceback anywhere.
"""
from __future__ import annotations

import html
import json
import re

import duckdb
import pytest

from ccnb import sample
from ccnb.catalog.kpis import REGISTRY
from ccnb.core import config
from ccnb.i18n.labels import t
from ccnb.pipeline import report

pytestmark = pytest.mark.slow

MONTH = "2026-10"
BAD = re.compile(r"\b(NaN|nan|None|inf|-inf|Traceback|KeyError|IndexError)\b")


def call_log_folder(root, months: str, contacts: int):
    """A generated center's interactions alone (no resolved mark), one Parquet file per month."""
    full = root / "full"
    sample.write_sample(full, seed=config.SAMPLE_SEED, months=months, contacts=contacts)
    out = root / "call_log"
    (out / "interactions").mkdir(parents=True)
    con = duckdb.connect()
    for f in sorted((full / "interactions").glob("*.parquet")):
        if f.stem.startswith(MONTH):
            con.execute(f"COPY (SELECT * EXCLUDE (resolved) FROM read_parquet('{f}')) "
                        f"TO '{out / 'interactions' / f.name}' (FORMAT parquet)")
    con.close()
    return out


@pytest.fixture(scope="module")
def call_log_pack(tmp_path_factory):
    root = tmp_path_factory.mktemp("call_log")
    data = call_log_folder(root, f"2026-09..{MONTH}", 16_000)
    assert [p.name for p in data.iterdir()] == ["interactions"]
    lines: list[str] = []
    pack = report.run(MONTH, data=data, out=root / "reports", lang="en", progress=lines.append, notice=lines.append)
    return pack


def visible_text(path) -> str:
    s = path.read_text(encoding="utf-8")
    s = re.sub(r"<(script|style)\b.*?</\1>", " ", s, flags=re.S | re.I)
    s = re.sub(r"<[^>]+>", " ", s)
    return html.unescape(s).replace("\u2060", "")


def test_every_notebook_is_in_the_pack(call_log_pack):
    stems = sorted(p.stem for p in config.NOTEBOOKS_DIR.glob("*.ipynb"))
    assert len(stems) == 6
    for stem in stems:
        assert (call_log_pack / f"{stem}.html").is_file(), stem
        assert (call_log_pack / "pdf" / f"{stem}.pdf").is_file(), stem


def test_no_unknown_printed_as_a_value(call_log_pack):
    for page in sorted(call_log_pack.glob("*.html")):
        found = BAD.findall(visible_text(page))
        assert found == [], (page.name, found[:5])


def test_what_lacks_data_says_so(call_log_pack):
    na = t("needs.not_available", "en", reason="").rstrip(".").strip()       # "Not available:"
    text = {p.stem: visible_text(p) for p in call_log_pack.glob("*.html")}
    assert "Not available: this center supplied no QA evaluations." in text["20_kpi_scorecard"]
    assert "Not available: this center supplied no customer records." in text["30_churn_risk"]
    assert text["40_retention"].count(na) == 3           # customers, agents, early warnings
    assert "First-contact resolution (from repeat contacts)" in text["00_overview"]
    assert "measured from repeat contacts alone" in text["00_overview"]
    # one month: the forecast says what more history would add instead of failing
    assert "not yet enough history to test the methods" in text["10_forecast_staffing"]
    assert "with one more month of history it will be" in text["10_forecast_staffing"]
    # the overview's headline table shows the missing KPIs as "not available", never as 0
    assert text["00_overview"].count("not available") >= 6


def test_the_index_and_the_month_end_count_only_what_has_data(call_log_pack):
    recorded = {}
    for f in (call_log_pack / "summary").glob("*.json"):
        for it in json.loads(f.read_text(encoding="utf-8"))["items"]:
            recorded[it["key"]] = it
    no_data = {k for k, kp in REGISTRY.items() if kp.fact != "contacts"}
    assert not (set(recorded) & no_data)
    assert {"answer_rate", "service_level", "fcr"} <= set(recorded)
    assert not any(k.startswith(("churn", "qa.")) for k in recorded)
    assert "customer_retention" not in recorded and "agent_attrition" not in recorded
    index = visible_text(call_log_pack / "index.html")
    for k in no_data:
        assert REGISTRY[k].name("en") not in index, k
    # ... and says, under each report, what it could not show
    assert index.count("Not available for want of data:") == 4    # forecast (measured shrinkage), scorecard, churn, retention
    assert "this center supplied no QA evaluations" in index and "this center supplied no customer records" in index
    month_end = visible_text(call_log_pack / "90_month_end_report.html")
    headline = [k for k in recorded if k in REGISTRY]     # the KPIs with data, each with a light
    assert re.search(rf"\d+ of {len(headline)} headline KPIs on target", month_end)
    assert "Details: " + t("monthly.report.service", "en") in month_end
    assert "Details: " + t("monthly.report.customers", "en") not in month_end
    assert "Details: " + t("monthly.report.people", "en") not in month_end

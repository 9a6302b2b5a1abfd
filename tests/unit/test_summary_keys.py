"""The summary keys are a typed seam: what the month-end report reads is what the notebooks record."""
from __future__ import annotations

import json
import re

from ccnb.catalog import summary_keys as keys
from ccnb.catalog.kpis import REGISTRY
from ccnb.core import config
from ccnb.rollup import month_end


def _recorded() -> dict[str, set[str]]:
    """Literal keys each notebook passes to ``ctx.summary`` (loops over cards are read separately)."""
    out = {}
    for nb in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")):
        src = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text(encoding="utf-8"))["cells"])
        out[nb.stem] = set(re.findall(r'ctx\.summary\(\s*"([\w.]+)"', src))
        out[nb.stem] |= set(re.findall(r'for key, card in zip\(\(([^)]*)\)', src) and
                            re.findall(r'"([\w.]+)"', re.findall(r'for key, card in zip\(\(([^)]*)\)', src)[0]))
    return out


def _unrecorded(sections: dict[str, list[str]]) -> list[str]:
    """Keys the month-end sections read that no notebook records."""
    recorded = set().union(*_recorded().values())
    return sorted({k for ks in sections.values() for k in ks} - recorded)


def test_every_key_the_month_end_reads_is_recorded_by_a_notebook():
    assert {k for ks in month_end.SECTIONS.values() for k in ks} <= set(keys.ALL)
    assert _unrecorded(month_end.SECTIONS) == []


def test_notebooks_record_only_catalogued_keys():
    for stem, found in _recorded().items():
        assert sorted(k for k in found if k not in keys.ALL and k not in REGISTRY) == [], stem


def test_the_check_sees_a_renamed_key():
    """Not vacuous: a section naming a key no notebook records is reported."""
    assert _unrecorded({"service": [keys.FORECAST_PEAK, "forecast.card_renamed"]}) == ["forecast.card_renamed"]

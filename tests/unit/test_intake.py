"""The pack's account of the data (ccnb.pipeline.intake) on the hand-checked bank log (tests/data/bank_log)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ccnb.params import load_params
from ccnb.pipeline import intake

BANK = Path(__file__).resolve().parents[1] / "data" / "bank_log"


def test_collect_writes_the_quarantine_and_counts(tmp_path):
    prm = load_params(BANK / "params.yaml")
    facts = intake.collect(BANK, "2003-10", prm, tmp_path)
    assert facts["set_aside"] == [{"table": "interactions", "rule": "handled_has_agent", "rows": 1}]
    assert facts["rows_set_aside"] == 1
    assert facts["repaired"] == [{"table": "interactions", "rule": "answer_before_arrival", "rows": 1}]
    assert facts["derived"] == ["agents"]
    assert "qa_evaluations" in facts["not_supplied"] and "interactions" not in facts["not_supplied"]
    assert facts["quarantine_files"] == ["restricted/quarantine/interactions.csv"]
    q = pd.read_csv(tmp_path / "restricted" / "quarantine" / "interactions.csv")
    assert list(q.columns) == ["file", "row", "rule", "expected", "values"]
    assert (q.file[0], int(q["row"][0]), q.rule[0]) == ("calls.csv", 7, "handled_has_agent")
    assert json.loads(q["values"][0])["agent_id"] is None


def test_lines_in_both_languages():
    facts = {"not_supplied": ["qa_evaluations", "surveys"], "derived": ["agents"],
             "set_aside": [{"table": "interactions", "rule": "handled_has_agent", "rows": 3},
                           {"table": "interactions", "rule": "wrong_type:talk_s", "rows": 1}],
             "rows_set_aside": 4, "repaired": [{"table": "interactions", "rule": "end_before_arrival", "rows": 2}],
             "clock_skew_s": 2.0}
    en = intake.lines(facts, "en")
    assert en[0] == ("Not supplied by this center (the reports that need them say “not available”): "
                     "QA evaluations, surveys.")
    assert en[2].startswith("4 rows broke a data rule and were set aside (not counted in any figure): "
                            "answered without an agent (3); value of the wrong type (talk_s) (1).")
    assert en[3] == "Clock differences of up to 2 s were repaired in 2 contacts: ended before entering the queue (2)."
    zh = intake.lines(facts, "zh")
    assert zh[0] == "本中心未提供以下数据（相关报告标为“暂无数据”）：质检评分、满意度调查。"
    assert "已接听但无坐席（3）" in zh[2]
    assert intake.lines({}, "en") == ["Every table of the data contract was supplied."]

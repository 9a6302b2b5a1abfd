"""How the center's data came in, for the pack: rows set aside, stamps repaired, tables not supplied.

After the data check (:mod:`ccnb.pipeline.check`) built the validated cache, the report opens it
once more (a cache hit: nothing is re-validated) to

* write the quarantined rows, with the rule each broke, to ``restricted/quarantine/<table>.csv``
  (restricted: the rows may carry customer identities);
* give the run record and the pack index the counts, in plain words (:func:`lines`).
"""
from __future__ import annotations

from pathlib import Path

import ccnb.data
from ccnb.catalog.contract import TABLES
from ccnb.core.exports import write_csv
from ccnb.i18n.labels import LabelError, t
from ccnb.params import Params

QUARANTINE_DIR = Path("restricted") / "quarantine"


def collect(data_dir: Path, month: str, prm: Params, pack_dir: Path) -> dict:
    """Open the validated data, write the quarantine files into ``pack_dir``; the facts for the run record.

    ``{"not_supplied": [table, ...], "derived": [table, ...], "set_aside": [{"table", "rule", "rows"}],
    "rows_set_aside": int (a row breaking two rules counts once), "repaired": [{"table", "rule", "rows"}],
    "clock_skew_s": float, "quarantine_files": [path, ...]}``
    """
    tables = ccnb.data.load(data_dir, month=month, timezone=prm.center.timezone, sources=prm.data)
    try:
        q = tables.quarantine_counts()
        files, n_rows = [], 0
        if len(q):
            rows = tables.quarantined()
            n_rows = len(rows.drop_duplicates(["table", "file", "row"]))
            for table, part in rows.groupby("table", sort=True):
                out = pack_dir / QUARANTINE_DIR / f"{table}.csv"
                out.parent.mkdir(parents=True, exist_ok=True)
                write_csv(part.drop(columns="table"), out)
                files.append(str(out.relative_to(pack_dir)))
        return {
            "not_supplied": [n for n in TABLES if n not in tables.files],
            "derived": sorted(tables.derived),
            "set_aside": q.to_dict("records"),
            "rows_set_aside": n_rows,
            "repaired": tables.repairs().to_dict("records"),
            "clock_skew_s": prm.data.clock_skew_s,
            "quarantine_files": files,
        }
    finally:
        tables.con.close()


def _rule(rule: str, lang: str) -> str:
    """A rule's name in plain words (``wrong_type:talk_s`` -> "value of the wrong type (talk_s)")."""
    base, _, column = rule.partition(":")
    if base.startswith("unknown_"):
        base, column = "unknown", base[len("unknown_"):]
    key = f"intake.rule.{base}"
    try:
        words = t(key, lang)
    except LabelError:  # a rule without a label yet is still counted, in general words
        words = t("intake.rule.other", lang)
    return f"{words} ({column})" if column else words


def lines(facts: dict, lang: str) -> list[str]:
    """The pack index's sentences about the data (both languages: ``intake.*`` labels)."""
    out = []
    missing = facts.get("not_supplied", [])
    if missing:
        sep = "、" if lang == "zh" else ", "
        out.append(t("intake.not_supplied", lang, tables=sep.join(t(f"intake.table.{n}", lang) for n in missing)))
    if "agents" in facts.get("derived", []):
        out.append(t("intake.derived", lang))
    sep = "；" if lang == "zh" else "; "
    aside = facts.get("set_aside", [])
    if aside:
        rules = sep.join(t("intake.rule_count", lang, rule=_rule(r["rule"], lang), n=f"{r['rows']:,}") for r in aside)
        n = facts.get("rows_set_aside", 0)
        out.append(t("intake.set_aside_one" if n == 1 else "intake.set_aside", lang, n=f"{n:,}", rules=rules))
    fixed = facts.get("repaired", [])
    if fixed:
        rules = sep.join(t("intake.rule_count", lang, rule=_rule(r["rule"], lang), n=f"{r['rows']:,}") for r in fixed)
        n = sum(r["rows"] for r in fixed)
        out.append(t("intake.repaired_one" if n == 1 else "intake.repaired", lang, n=f"{n:,}",
                     seconds=f"{facts.get('clock_skew_s', 0):g}", rules=rules))
    if not out:
        out.append(t("intake.all_supplied", lang))
    return out

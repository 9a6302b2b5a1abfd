"""Calibration: do QA evaluators agree when they score the same contacts?

**Agreement** is the intraclass correlation ICC(2,1) of Shrout & Fleiss (1979): two-way
random effects (contacts and evaluators both random samples), absolute agreement, single
rater. With ``n`` contacts each scored by the same ``k`` evaluators, from the two-way ANOVA
mean squares (BMS between contacts, JMS between evaluators, EMS residual)::

    ICC(2,1) = (BMS - EMS) / (BMS + (k - 1) EMS + k (JMS - EMS) / n)

which equals ``var_contact / (var_contact + var_evaluator + var_error)`` with the variance
components estimated by ANOVA. Calibration sessions rarely have every evaluator score every
contact; for such incomplete designs the same variance components are estimated by REML
with crossed random effects (``statsmodels`` ``MixedLM``, a well-kept implementation; on a
complete design it reproduces the ANOVA figure when the components are positive). Reading
(Koo & Li 2016): below 0.5 poor, 0.5-0.75 moderate, 0.75-0.9 good, above 0.9 excellent;
``qa.calibration.min_icc`` sets the bar.

**Severity bias** of an evaluator = mean over the contacts they scored of (their score -
the contact's consensus), the consensus being the mean of all evaluators' scores of that
contact, in points of 100. Negative = harsher than colleagues. Flagged beyond
``qa.calibration.max_bias_points``. Scores are the form totals before critical-fail rules
(what the evaluator judged); whether evaluators agree on critical fails is reported
separately.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ccnb.params import load_params


@dataclass
class Calibration:
    """Result of :func:`calibration`.

    ``icc``: ICC(2,1) (NaN with too few contacts); ``method``: ``anova`` (complete design) or
    ``reml``; ``n_contacts``, ``n_evaluators``, ``n_ratings``; ``critical_agreement``: share
    of contacts on which all evaluators agree whether a critical item failed;
    ``evaluators``: one row per evaluator (``evaluator_id``, ``contacts``, ``mean_score``,
    ``bias`` (points), ``flagged``); ``contacts``: one row per contact (``contact_id``,
    ``raters``, ``consensus``, ``low``, ``high``, ``spread`` = high - low);
    ``icc_ok``: ICC at least ``min_icc`` (None when not computed); ``min_icc``,
    ``max_bias``: the thresholds used.
    """
    icc: float
    method: str
    n_contacts: int
    n_evaluators: int
    n_ratings: int
    critical_agreement: float
    evaluators: pd.DataFrame
    contacts: pd.DataFrame
    min_icc: float
    max_bias: float
    icc_ok: bool | None = None
    components: dict = field(default_factory=dict)

    @property
    def flagged(self) -> list[str]:
        return list(self.evaluators.loc[self.evaluators["flagged"], "evaluator_id"])


def shrout_fleiss(matrix) -> dict[str, float]:
    """ICC(1,1), ICC(2,1), ICC(3,1) and the mean squares of a complete contacts x raters matrix.

    ``matrix``: 2-D array-like, rows = targets (contacts), columns = raters, no missing cells.
    Formulas: Shrout & Fleiss (1979), Table 1 (single rater).
    """
    x = np.asarray(matrix, dtype=float)
    if x.ndim != 2 or np.isnan(x).any():
        raise ValueError("shrout_fleiss needs a complete 2-D matrix (targets x raters)")
    n, k = x.shape
    if n < 2 or k < 2:
        raise ValueError("need at least 2 targets and 2 raters")
    gm = x.mean()
    ss_r = k * ((x.mean(axis=1) - gm) ** 2).sum()
    ss_c = n * ((x.mean(axis=0) - gm) ** 2).sum()
    ss_t = ((x - gm) ** 2).sum()
    ss_e = ss_t - ss_r - ss_c
    bms, jms = ss_r / (n - 1), ss_c / (k - 1)
    ems = ss_e / ((n - 1) * (k - 1))
    wms = (ss_c + ss_e) / (n * (k - 1))
    return {
        "icc1": (bms - wms) / (bms + (k - 1) * wms),
        "icc2": (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n),
        "icc3": (bms - ems) / (bms + (k - 1) * ems),
        "bms": bms, "jms": jms, "ems": ems, "wms": wms, "n": n, "k": k,
    }


def icc_reml(ratings: pd.DataFrame) -> dict[str, float]:
    """ICC(2,1) from REML variance components with crossed random contact and rater effects.

    ``ratings``: columns ``target``, ``rater``, ``score``; any design (cells may be missing).
    Returns ``icc`` and the components ``var_target``, ``var_rater``, ``var_error``.
    """
    import statsmodels.api as sm

    df = ratings[["target", "rater", "score"]].dropna().astype({"target": str, "rater": str, "score": float})
    model = sm.MixedLM.from_formula("score ~ 1", groups=np.ones(len(df)), re_formula="0",
                                    vc_formula={"t": "0 + C(target)", "r": "0 + C(rater)"}, data=df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(reml=True)
    comp = dict(zip(model.exog_vc.names, np.asarray(fit.vcomp, dtype=float)))
    vt, vr, ve = max(comp["t"], 0.0), max(comp["r"], 0.0), float(fit.scale)
    total = vt + vr + ve
    return {"icc": vt / total if total > 0 else float("nan"), "var_target": vt, "var_rater": vr, "var_error": ve}


def icc2_1(ratings: pd.DataFrame) -> tuple[float, str, dict]:
    """ICC(2,1) of long-form ``ratings`` (``target``, ``rater``, ``score``): ANOVA on a complete
    design, REML otherwise. Returns (icc, method, details)."""
    wide = ratings.pivot_table(index="target", columns="rater", values="score", aggfunc="mean")
    if wide.shape[0] < 2 or wide.shape[1] < 2:
        return float("nan"), "none", {}
    if not wide.isna().any().any():
        sf = shrout_fleiss(wide.to_numpy())
        return float(sf["icc2"]), "anova", sf
    r = icc_reml(ratings)
    return float(r["icc"]), "reml", r


def calibration(evaluations: pd.DataFrame, params=None) -> Calibration:
    """Agreement (ICC(2,1)) and each evaluator's severity bias on calibration evaluations.

    ``evaluations``: rows of ``qa_evaluations`` (e.g. from :func:`calibration_evaluations`)
    with at least ``contact_id``, ``evaluator_id``, ``total_score`` and optionally
    ``critical_fail`` and ``calibration``. When a ``calibration`` column is present only its
    true rows are used; contacts scored by a single evaluator are dropped. If an evaluator
    scored a contact twice, the mean counts. Thresholds: ``qa.calibration`` in params.
    """
    if params is None:
        params = load_params()
    c = params.qa.calibration
    ev = evaluations.copy()
    if "calibration" in ev.columns:
        ev = ev[ev["calibration"].fillna(False).astype(bool)]
    ev = ev.dropna(subset=["contact_id", "evaluator_id", "total_score"])
    cols = {"contact_id": "target", "evaluator_id": "rater", "total_score": "score"}
    long = (ev.groupby(["contact_id", "evaluator_id"], as_index=False)
            .agg(total_score=("total_score", "mean"),
                 **({"critical_fail": ("critical_fail", "max")} if "critical_fail" in ev.columns else {})))
    raters = long.groupby("contact_id")["evaluator_id"].transform("nunique")
    long = long[raters >= 2].reset_index(drop=True)
    n_contacts = long["contact_id"].nunique()
    if n_contacts >= c.min_contacts:
        icc, method, details = icc2_1(long.rename(columns=cols))
    else:
        icc, method, details = float("nan"), "none", {}
    cons = long.groupby("contact_id")["total_score"].agg(consensus="mean", low="min", high="max",
                                                        raters="count")
    long["dev"] = long["total_score"] - long["contact_id"].map(cons["consensus"])
    evs = (long.groupby("evaluator_id")
           .agg(contacts=("contact_id", "nunique"), mean_score=("total_score", "mean"), bias=("dev", "mean"))
           .reset_index())
    evs["flagged"] = evs["bias"].abs() > c.max_bias_points
    evs = evs.sort_values(["bias", "evaluator_id"]).reset_index(drop=True)
    contacts = cons.reset_index()
    contacts["spread"] = contacts["high"] - contacts["low"]
    contacts = contacts[["contact_id", "raters", "consensus", "low", "high", "spread"]]
    if "critical_fail" in long.columns and n_contacts:
        agree = long.groupby("contact_id")["critical_fail"].agg(lambda s: s.astype(bool).nunique() == 1)
        crit = float(agree.mean())
    else:
        crit = float("nan")
    return Calibration(icc=icc, method=method, n_contacts=int(n_contacts), n_evaluators=int(long["evaluator_id"].nunique()),
                       n_ratings=int(len(long)), critical_agreement=crit, evaluators=evs, contacts=contacts,
                       min_icc=c.min_icc, max_bias=c.max_bias_points,
                       icc_ok=None if np.isnan(icc) else bool(icc >= c.min_icc), components=details)


def calibration_evaluations(tables, month, params) -> pd.DataFrame:
    """Calibration evaluations of the ``qa.calibration.months`` months ending with ``month``.

    Rows flagged ``calibration`` or, when the data has no such column, evaluations of contacts
    scored by more than one evaluator. Columns: ``evaluation_id``, ``contact_id``,
    ``agent_id``, ``evaluator_id``, ``eval_date``, ``total_score``, ``critical_fail``,
    ``calibration``. No customer identifiers.
    """
    m = pd.Period(str(month), "M")
    lo = (m - (params.qa.calibration.months - 1)).start_time
    hi = (m + 1).start_time
    has_flag = "calibration" in tables.columns_of("qa_evaluations")
    cond = ("coalesce(calibration, false)" if has_flag else
            "contact_id IN (SELECT contact_id FROM qa_evaluations WHERE contact_id IS NOT NULL "
            "GROUP BY contact_id HAVING count(DISTINCT evaluator_id) > 1)")
    flag = "calibration" if has_flag else "true AS calibration"
    return tables.sql(f"""
        SELECT evaluation_id, contact_id, agent_id, evaluator_id, eval_date, total_score, critical_fail, {flag}
        FROM qa_evaluations
        WHERE eval_date >= DATE '{lo:%Y-%m-%d}' AND eval_date < DATE '{hi:%Y-%m-%d}' AND {cond}
        ORDER BY contact_id, evaluator_id""")

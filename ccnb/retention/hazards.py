"""Cox proportional-hazards regression and its proportional-hazards check.

Why statsmodels: ``PHReg`` (Breslow or Efron ties, left truncation, strata, cluster-robust
errors) is maintained and covers the counting-process form ccnb needs; lifelines is only a
test dependency that checks the estimates. Kaplan-Meier and the log-rank test are in
:mod:`ccnb.retention.survival`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


@dataclass
class CoxResult:
    """A fitted Cox model: ``table`` (one row per covariate), ``ph`` (proportional-hazards
    check), ``n`` (rows), ``entities``, ``events``; ``result`` is statsmodels' fit."""

    table: pd.DataFrame
    ph: pd.DataFrame
    n: int
    entities: int
    events: int
    result: object = field(repr=False, default=None)


def cox(frame: pd.DataFrame, covariates: list[str], *, duration: str = "duration", event: str = "event",
        entry: str | None = None, strata: str | None = None, cluster: str | None = None,
        entity: str | None = None, ties: str = "efron", alpha: float = 0.05) -> CoxResult:
    """Cox proportional-hazards regression (statsmodels ``PHReg``).

    h(t | x) = h0(t) exp(b'x): ``hr`` = exp(b) multiplies the hazard (here: how much
    faster entities leave) for one unit more of a covariate (for a 0/1 flag: having it),
    all other covariates held equal. ``frame`` may be in counting-process form (one row
    per entity and interval, ``entry`` = interval start on the time scale) to carry
    covariates that change over time; ``cluster`` (entity id) then gives robust
    (sandwich) standard errors; ``entity`` (default ``cluster``) names the column counted
    for ``entities``. ``strata``: a separate baseline hazard per stratum.

    ``table`` columns: ``covariate``, ``coef``, ``se``, ``hr``, ``hr_lo``, ``hr_hi``
    (interval at 1 - ``alpha``), ``p``, ``share`` (share of rows with the covariate
    non-zero); NaN for a covariate that is constant, or a 0/1 flag with no event among its rows
    (or outside them): no finite estimate exists. ``ph``: see :func:`ph_check`.
    """
    from statsmodels.duration.hazard_regression import PHReg

    df = frame.dropna(subset=[duration, event] + covariates)
    x = df[covariates].astype(float)
    ev = df[event].to_numpy(float) > 0

    def estimable(c: str) -> bool:
        """Varies; a 0/1 flag also needs events both with and without it: else its coefficient has
        no finite estimate (the likelihood keeps rising as it runs to -inf or +inf)."""
        v = x[c].to_numpy()
        if not v.std() > 0:
            return False
        if not np.isin(v, (0.0, 1.0)).all():
            return True
        return bool(ev[v == 1].any() and ev[v == 0].any())

    keep = [c for c in covariates if estimable(c)]
    model = PHReg(df[duration].to_numpy(float), x[keep].to_numpy(), status=df[event].to_numpy(float),
                  entry=None if entry is None else df[entry].to_numpy(float),
                  strata=None if strata is None else df[strata].astype(str).to_numpy(), ties=ties)
    res = _fit(model, None if cluster is None else pd.factorize(df[cluster])[0])
    z = float(stats.norm.ppf(1 - alpha / 2))
    b, se = np.asarray(res.params), np.asarray(res.bse)
    rows = []
    for c in covariates:
        if c in keep:
            i = keep.index(c)
            p = 2 * stats.norm.sf(abs(b[i] / se[i]))
            rows.append({"covariate": c, "coef": b[i], "se": se[i], "hr": np.exp(b[i]),
                         "hr_lo": np.exp(b[i] - z * se[i]), "hr_hi": np.exp(b[i] + z * se[i]), "p": p})
        else:
            rows.append({"covariate": c, "coef": np.nan, "se": np.nan, "hr": np.nan, "hr_lo": np.nan,
                         "hr_hi": np.nan, "p": np.nan})
    table = pd.DataFrame(rows)
    table["share"] = [float((x[c] != 0).mean()) for c in covariates]
    ph = ph_check(res, df[duration].to_numpy(float), df[event].to_numpy(float), keep)
    who = entity or cluster
    ents = df[who].nunique() if who else len(df)
    return CoxResult(table=table, ph=ph, n=len(df), entities=int(ents), events=int(df[event].sum()), result=res)


def _fit(model, groups):
    """Newton-Raphson (statsmodels' default); it has no line search, so when a rare covariate
    makes the first step overshoot (non-finite estimates, or a likelihood below the start),
    BFGS finds the way and Newton polishes from there."""
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        res = model.fit(groups=groups, disp=0)
        start = model.loglike(np.zeros(model.exog.shape[1]))
        if np.all(np.isfinite(res.params)) and model.loglike(res.params) >= start:
            return res
        rough = model.fit(method="bfgs", maxiter=1000, disp=0)
        return model.fit(groups=groups, start_params=rough.params, disp=0)


def ph_check(result, durations, events, names: list[str]) -> pd.DataFrame:
    """Proportional-hazards check: does a covariate's effect drift over time?

    Schoenfeld residuals of each covariate at the event times, correlated (Pearson)
    with the rank of the event time; under proportional hazards the correlation is
    about 0. Columns ``covariate``, ``rho``, ``p`` (t-test of rho = 0), ``ok``
    (p >= 0.05). A failing covariate has an effect that fades or grows with time:
    read its hazard ratio as an average over the follow-up.
    """
    r = np.asarray(result.schoenfeld_residuals)
    t = np.asarray(durations, float)
    ev = np.asarray(events, float) > 0
    rows = []
    rr = r[ev] if r.shape[0] == len(t) else r
    tt = stats.rankdata(t[ev])
    for i, c in enumerate(names):
        x = rr[:, i]
        ok = ~np.isnan(x)
        if ok.sum() < 3 or np.nanstd(x) == 0:
            rows.append({"covariate": c, "rho": np.nan, "p": np.nan, "ok": True})
            continue
        rho, p = stats.pearsonr(tt[ok], x[ok])
        rows.append({"covariate": c, "rho": float(rho), "p": float(p), "ok": bool(p >= 0.05)})
    return pd.DataFrame(rows, columns=["covariate", "rho", "p", "ok"])


__all__ = ["CoxResult", "cox", "ph_check"]

"""Generic survival analysis over spells: (entity, start, end-or-censored, groups).

The same functions serve customers (sign-up -> churn), agents (hire -> leave) and any
table a center brings (subscriptions, contracts): :func:`spells` turns dates into
durations censored at the as-of cutoff, then

* :func:`kaplan_meier` -- survival curves with pointwise 95 % bands, per group;
* :func:`survival_summary` -- per group: entities, events, median survival (where the
  curve reaches 50 %) with its interval, survival at chosen horizons;
* :func:`logrank` -- are the groups' curves different?
* :func:`cox` -- hazard ratios of covariates, with intervals and a proportional-hazards
  check (:func:`ph_check`).

Why statsmodels: ``SurvfuncRight`` (Kaplan-Meier with Greenwood standard errors and
left truncation), ``survdiff`` (log-rank) and ``PHReg`` (Cox, Breslow or Efron ties,
left truncation, strata, cluster-robust errors) are maintained and cover the counting-
process form we need; lifelines is only a test dependency that checks the estimates.

Time unit: whatever the durations are in (ccnb uses days). Left truncation: an entity
first observed ``entry`` after its start (a customer signed up years before the data
begins) is at risk only after ``entry``; without it, long-lived survivors would make
the curve too optimistic.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))
_ALL = "all"


# --------------------------------------------------------------------------- spells
def spells(frame: pd.DataFrame, start: str, end: str, as_of, *, observed_from=None,
           groups: str | list[str] | None = None, id_col: str | None = None) -> pd.DataFrame:
    """Durations in days from ``start`` to ``end``, censored at ``as_of``.

    ``frame`` has one row per entity: ``start`` (date), ``end`` (date the spell ended, or
    empty while it goes on), optional group columns. ``as_of`` is the cutoff (the first
    instant after the report month): an end on or after it is not known yet, so the spell
    is censored there.

    ``observed_from`` (a date): the data only shows entities still present on that day
    (left truncation). Spells ending before it are dropped; those that started before it
    get ``entry`` = days from start to ``observed_from``.

    Returns columns ``entity`` (``id_col`` or the row index), ``start``, ``end`` (NaT when
    censored), ``duration`` (days, float), ``event`` (1 ended, 0 censored), ``entry`` (days,
    0 when observed from the start), then the group columns.
    """
    cut = pd.Timestamp(as_of).normalize()
    s = pd.to_datetime(frame[start]).dt.normalize()
    e = pd.to_datetime(frame[end]).dt.normalize()
    keep = s < cut
    e = e.where(e < cut)
    out = pd.DataFrame({
        "entity": frame[id_col].to_numpy() if id_col else frame.index.to_numpy(),
        "start": s, "end": e,
    })
    out["event"] = e.notna().astype("int64")
    stop = e.fillna(cut)
    out["duration"] = (stop - s).dt.days.astype(float)
    out["entry"] = 0.0
    if observed_from is not None:
        obs = pd.Timestamp(observed_from).normalize()
        keep &= ~(e < obs)
        out["entry"] = ((obs - s).dt.days.clip(lower=0)).astype(float)
    gcols = [groups] if isinstance(groups, str) else list(groups or [])
    for g in gcols:
        out[g] = frame[g].to_numpy()
    out = out[keep.to_numpy()].reset_index(drop=True)
    return out[["entity", "start", "end", "duration", "event", "entry"] + gcols]


# --------------------------------------------------------------------------- Kaplan-Meier
def _split(durations, events, groups, entry):
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    if d.shape != e.shape:
        raise ValueError(f"durations ({d.shape}) and events ({e.shape}) differ in length")
    if np.isnan(d).any() or (d < 0).any():
        raise ValueError("durations must be non-negative numbers (no missing values)")
    en = None if entry is None else np.asarray(entry, dtype=float)
    if en is not None and (en > d).any():
        raise ValueError("an entry time is after its duration (entity observed after its spell ended)")
    if groups is None:
        g = np.full(len(d), _ALL, dtype=object)
    else:
        g = pd.Series(groups).astype(object).to_numpy()
        if len(g) != len(d):
            raise ValueError(f"groups ({len(g)}) and durations ({len(d)}) differ in length")
    out = {}
    if en is not None:
        # at risk strictly after entry (statsmodels): a spell ending on its entry day is never
        # observed at risk and is dropped; entry 0 (no truncation) becomes -1 so that an event
        # at time 0 still counts, as without truncation
        keep = ~((en > 0) & (d <= en))
        d, e, g, en = d[keep], e[keep], g[keep], np.where(en[keep] > 0, en[keep], -1.0)
    for key in pd.unique(g):
        m = g == key
        out[key] = (d[m], e[m], None if en is None else en[m])
    return out


def _km_one(d, e, en, alpha: float):
    from statsmodels.duration.survfunc import SurvfuncRight

    z = float(stats.norm.ppf(1 - alpha / 2))
    if len(d) == 0:
        return pd.DataFrame(columns=["time", "at_risk", "events", "survival", "lo", "hi"])
    if e.sum() > 0:
        sf = SurvfuncRight(d, e, entry=en)
        times, n, dd = sf.surv_times, sf.n_risk.astype(float), sf.n_events.astype(float)
        surv = np.where(n == dd, 0.0, sf.surv_prob)  # statsmodels floors S at 1e-16
        surv = np.minimum.accumulate(np.where(surv < 1e-15, 0.0, surv))
    else:
        times, n, dd, surv = np.array([]), np.array([]), np.array([]), np.array([])
    # exponential Greenwood ("log-log") pointwise interval: stays inside (0, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.cumsum(np.where(n > dd, dd / (n * (n - dd)), 0.0))
        v = np.log(surv)
        lo = np.exp(-np.exp(np.log(-v) - z * np.sqrt(var) / v))
        hi = np.exp(-np.exp(np.log(-v) + z * np.sqrt(var) / v))
    lo = np.where(np.isnan(lo), np.where(surv == 0, 0.0, 1.0), lo)
    hi = np.where(np.isnan(hi), np.where(surv == 0, 0.0, 1.0), hi)
    df = pd.DataFrame({"time": times.astype(float), "at_risk": n.astype("int64"), "events": dd.astype("int64"),
                       "survival": surv, "lo": lo, "hi": hi})
    if len(df) == 0 or df["time"].iloc[0] > 0:
        n0 = len(d) if en is None else int((en < 0).sum())
        df = pd.concat([pd.DataFrame({"time": [0.0], "at_risk": [n0], "events": [0], "survival": [1.0],
                                      "lo": [1.0], "hi": [1.0]}), df], ignore_index=True)
    return df


def kaplan_meier(durations, events, groups=None, *, entry=None, alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier survival curves with pointwise confidence bands, one per group.

    ``durations``: time from start to the event or to censoring (same unit out as in);
    ``events``: 1 if the spell ended (churn, leave), 0 if censored at the cutoff;
    ``groups``: optional labels (one curve each, in order of first appearance);
    ``entry``: optional left-truncation times (at risk only after ``entry``).

    S(t) = prod over event times t_i <= t of (1 - d_i / n_i), with n_i at risk just
    before t_i and d_i events at t_i (statsmodels ``SurvfuncRight``). Band: exponential
    Greenwood, log(-log S) +/- z * sqrt(sum d/(n(n-d))) / |log S|, z for ``1 - alpha``
    (the default of lifelines and R's survival ``conf.type="log-log"``).

    Returns one row per group and event time, plus a first row at time 0 (survival 1, unless
    events happen at time 0):
    ``group``, ``time``, ``at_risk``, ``events``, ``survival`` (share still in, 0-1),
    ``lo``, ``hi`` (band). A group without events is the single time-0 row.
    """
    parts = []
    for key, (d, e, en) in _split(durations, events, groups, entry).items():
        df = _km_one(d, e, en, alpha)
        df.insert(0, "group", key)
        parts.append(df)
    cols = ["group", "time", "at_risk", "events", "survival", "lo", "hi"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)[cols]
    out["at_risk"] = out["at_risk"].astype("int64")
    out["events"] = out["events"].astype("int64")
    return out


def survival_at(km: pd.DataFrame, t: float) -> pd.Series:
    """Survival (and band) of each group of a :func:`kaplan_meier` table at time ``t``.

    Index: group; columns ``survival``, ``lo``, ``hi`` (the step function's value at t).
    """
    rows = {}
    for g, part in km.groupby("group", sort=False):
        p = part[part["time"] <= t]
        rows[g] = p.iloc[-1][["survival", "lo", "hi"]] if len(p) else pd.Series({"survival": 1.0, "lo": 1.0, "hi": 1.0})
    return pd.DataFrame(rows).T.astype(float)


def survival_summary(durations, events, groups=None, *, entry=None, horizons=(), alpha: float = 0.05,
                     overall: bool = False) -> pd.DataFrame:
    """Per group: ``n`` (entities), ``events``, ``median`` survival time with ``median_lo`` /
    ``median_hi`` (NaN where the curve never reaches 50 %: "median not reached"), and
    ``s_<h>`` = survival at each horizon ``h`` (same unit as the durations; NaN past the
    longest follow-up of the group); ``horizons`` may be a mapping name -> time, giving
    columns ``s_<name>``. Median interval: statsmodels ``quantile_ci`` (Brookmeyer-Crowley,
    cloglog transform). ``overall=True`` adds a first row ``group="all"`` over everyone.
    """
    import warnings

    from statsmodels.duration.survfunc import SurvfuncRight

    hz = dict(horizons) if isinstance(horizons, dict) else {f"{h:g}": h for h in horizons}
    parts = _split(durations, events, groups, entry)
    if overall and groups is not None:
        parts = {_ALL: next(iter(_split(durations, events, None, entry).values())), **parts}
    rows = []
    for key, (d, e, en) in parts.items():
        row = {"group": key, "n": int(len(d)), "events": int(e.sum()),
               "median": np.nan, "median_lo": np.nan, "median_hi": np.nan}
        if e.sum() > 0:
            sf = SurvfuncRight(d, e, entry=en)
            med = sf.quantile(0.5)
            if np.isfinite(med) and sf.surv_prob.min() <= 0.5:
                row["median"] = float(med)
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore", RuntimeWarning)
                    lo, hi = sf.quantile_ci(0.5, alpha=alpha)
                row["median_lo"] = float(lo) if np.isfinite(lo) else np.nan
                row["median_hi"] = float(hi) if np.isfinite(hi) else np.nan
        km = _km_one(d, e, en, alpha)
        for name, h in hz.items():
            row[f"s_{name}"] = (float(km.loc[km["time"] <= h, "survival"].iloc[-1])
                                if len(d) and h <= d.max() else np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- log-rank
def logrank(durations, events, groups, *, entry=None) -> dict:
    """Log-rank test that all groups share one survival curve (statsmodels ``survdiff``).

    Returns ``{"chi2", "df", "p", "groups"}``; ``p`` is NaN with fewer than two groups or
    no events. Observed minus expected events per group are summed over event times and
    compared with their covariance: chi2 with (groups - 1) degrees of freedom.
    """
    from statsmodels.duration.survfunc import survdiff

    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    g = pd.Series(groups).astype(str).to_numpy()
    k = len(pd.unique(g))
    if k < 2 or e.sum() == 0:
        return {"chi2": np.nan, "df": max(k - 1, 0), "p": np.nan, "groups": k}
    chi2, p = survdiff(d, e, g, entry=None if entry is None else np.asarray(entry, dtype=float))
    return {"chi2": float(chi2), "df": k - 1, "p": float(p), "groups": k}


# --------------------------------------------------------------------------- Cox
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
    non-zero). ``ph``: see :func:`ph_check`.
    """
    from statsmodels.duration.hazard_regression import PHReg

    df = frame.dropna(subset=[duration, event] + covariates)
    x = df[covariates].astype(float)
    keep = [c for c in covariates if x[c].std() > 0]
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


__all__ = ["CoxResult", "cox", "kaplan_meier", "logrank", "ph_check", "spells", "survival_at",
           "survival_summary"]

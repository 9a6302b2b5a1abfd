"""Generic survival analysis over spells: (entity, start, end-or-censored, groups).

The same functions serve customers (sign-up -> churn), agents (hire -> leave) and any
table a center brings (subscriptions, contracts): :func:`spells` turns dates into
durations censored at the as-of cutoff, then

* :func:`kaplan_meier` -- survival curves with pointwise 95 % bands, per group;
* :func:`survival_summary` -- per group: entities, events, median survival (where the
  curve reaches 50 %) with its interval, survival at chosen horizons;
* :func:`logrank` -- are the groups' curves different?
* :func:`cox` -- hazard ratios of covariates, with intervals and a proportional-hazards
  check (:func:`ph_check`); in :mod:`ccnb.retention.hazards`, re-exported here.

Why statsmodels: ``SurvfuncRight`` (Kaplan-Meier with Greenwood standard errors and
left truncation), ``survdiff`` (log-rank) and ``PHReg`` (Cox, Breslow or Efron ties,
left truncation, strata, cluster-robust errors) are maintained and cover the counting-
process form we need; lifelines is only a test dependency that checks the estimates.

Frequency weights (``weights=``): millions of customers come from the engine as counts per
distinct (group, duration, event, entry), a few thousand rows; every function here gives
the same figures from them as from one row per entity.

Time unit: whatever the durations are in (ccnb uses days). Left truncation: an entity
first observed ``entry`` after its start (a customer signed up years before the data
begins) is at risk only after ``entry``; without it, long-lived survivors would make
the curve too optimistic.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ccnb.retention.hazards import CoxResult, cox, ph_check  # re-exported: one import path for callers

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
def _split(durations, events, groups, entry, weights=None):
    """Per group (in order of first appearance): (durations, events, entry or None, weights or None)."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    if d.shape != e.shape:
        raise ValueError(f"durations ({d.shape}) and events ({e.shape}) differ in length")
    if np.isnan(d).any() or (d < 0).any():
        raise ValueError("durations must be non-negative numbers (no missing values)")
    en = None if entry is None else np.asarray(entry, dtype=float)
    if en is not None and (en > d).any():
        raise ValueError("an entry time is after its duration (entity observed after its spell ended)")
    w = None if weights is None else np.asarray(weights, dtype=float)
    if w is not None and (w.shape != d.shape or np.isnan(w).any() or (w < 0).any()):
        raise ValueError("weights must be one non-negative count per duration")
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
        w = None if w is None else w[keep]
    for key in pd.unique(g):
        m = g == key
        out[key] = (d[m], e[m], None if en is None else en[m], None if w is None else w[m])
    return out


def _survfunc(d, e, en, w):
    """statsmodels' ``SurvfuncRight``; with frequency weights (``w``: how many entities share a
    row) its standard errors are set to Greenwood's on the weighted counts, as for the same
    entities one row each (statsmodels switches to Tsiatis' formula when weighted)."""
    from statsmodels.duration.survfunc import SurvfuncRight

    sf = SurvfuncRight(d, e, entry=en, freq_weights=w)
    if w is not None:
        n, dd, sp = sf.n_risk.astype(float), sf.n_events.astype(float), sf.surv_prob
        with np.errstate(divide="ignore", invalid="ignore"):
            var = dd / np.clip(n * (n - dd), 1e-12, np.inf)
        var[(n == dd) | (n == 0)] = np.nan
        se = np.sqrt(np.cumsum(var))
        ok = np.isfinite(se) | (sp != 0)
        se[ok] *= sp[ok]
        se[~ok] = np.nan
        sf.surv_prob_se = se
    return sf


def _km_one(d, e, en, alpha: float, w=None):
    z = float(stats.norm.ppf(1 - alpha / 2))
    if len(d) == 0:
        return pd.DataFrame(columns=["time", "at_risk", "events", "survival", "lo", "hi"])
    if (e if w is None else e * w).sum() > 0:
        sf = _survfunc(d, e, en, w)
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
    df = pd.DataFrame({"time": times.astype(float), "at_risk": np.rint(n).astype("int64"),
                       "events": np.rint(dd).astype("int64"),
                       "survival": surv, "lo": lo, "hi": hi})
    if len(df) == 0 or df["time"].iloc[0] > 0:
        w1 = np.ones(len(d)) if w is None else w
        n0 = int(round(w1.sum() if en is None else w1[en < 0].sum()))
        df = pd.concat([pd.DataFrame({"time": [0.0], "at_risk": [n0], "events": [0], "survival": [1.0],
                                      "lo": [1.0], "hi": [1.0]}), df], ignore_index=True)
    return df


def kaplan_meier(durations, events, groups=None, *, entry=None, weights=None, alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier survival curves with pointwise confidence bands, one per group.

    ``durations``: time from start to the event or to censoring (same unit out as in);
    ``events``: 1 if the spell ended (churn, leave), 0 if censored at the cutoff;
    ``groups``: optional labels (one curve each, in order of first appearance);
    ``entry``: optional left-truncation times (at risk only after ``entry``);
    ``weights``: optional counts of entities per row (a table aggregated in the engine, one row
    per distinct duration, event, entry and group): the same curves as one row per entity.

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
    for key, (d, e, en, w) in _split(durations, events, groups, entry, weights).items():
        df = _km_one(d, e, en, alpha, w)
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


def survival_summary(durations, events, groups=None, *, entry=None, weights=None, horizons=(),
                     alpha: float = 0.05, overall: bool = False) -> pd.DataFrame:
    """Per group: ``n`` (entities), ``events``, ``median`` survival time with ``median_lo`` /
    ``median_hi`` (NaN where the curve never reaches 50 %: "median not reached"), and
    ``s_<h>`` = survival at each horizon ``h`` (same unit as the durations; NaN past the
    longest follow-up of the group); ``horizons`` may be a mapping name -> time, giving
    columns ``s_<name>``. Median interval: statsmodels ``quantile_ci`` (Brookmeyer-Crowley,
    cloglog transform). ``overall=True`` adds a first row ``group="all"`` over everyone.
    ``weights``: entities per row, as in :func:`kaplan_meier`.
    """
    import warnings

    hz = dict(horizons) if isinstance(horizons, dict) else {f"{h:g}": h for h in horizons}
    parts = _split(durations, events, groups, entry, weights)
    if overall and groups is not None and parts:   # nobody to follow (e.g. no hire inside the data): no rows
        parts = {_ALL: next(iter(_split(durations, events, None, entry, weights).values())), **parts}
    rows = []
    for key, (d, e, en, w) in parts.items():
        w1 = np.ones(len(d)) if w is None else w
        row = {"group": key, "n": int(round(w1.sum())), "events": int(round((e * w1).sum())),
               "median": np.nan, "median_lo": np.nan, "median_hi": np.nan}
        if row["events"] > 0:
            sf = _survfunc(d, e, en, w)
            med = sf.quantile(0.5)
            if np.isfinite(med) and sf.surv_prob.min() <= 0.5:
                row["median"] = float(med)
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore", RuntimeWarning)
                    lo, hi = sf.quantile_ci(0.5, alpha=alpha)
                row["median_lo"] = float(lo) if np.isfinite(lo) else np.nan
                row["median_hi"] = float(hi) if np.isfinite(hi) else np.nan
        km = _km_one(d, e, en, alpha, w)
        for name, h in hz.items():
            row[f"s_{name}"] = (float(km.loc[km["time"] <= h, "survival"].iloc[-1])
                                if len(d) and h <= d.max() else np.nan)
        rows.append(row)
    return pd.DataFrame(rows, columns=["group", "n", "events", "median", "median_lo", "median_hi"]
                        + [f"s_{name}" for name in hz])


# --------------------------------------------------------------------------- log-rank
def logrank(durations, events, groups, *, entry=None, weights=None) -> dict:
    """Log-rank test that all groups share one survival curve (statsmodels ``survdiff``).

    Returns ``{"chi2", "df", "p", "groups"}``; ``p`` is NaN with fewer than two groups or
    no events. Observed minus expected events per group are summed over event times and
    compared with their covariance: chi2 with (groups - 1) degrees of freedom.
    ``weights`` (entities per row, as in :func:`kaplan_meier`): the same test from the
    weighted counts (:func:`_logrank_counts`; ``survdiff`` takes no frequency weights).
    """
    from statsmodels.duration.survfunc import survdiff

    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    g = pd.Series(groups).astype(str).to_numpy()
    w = None if weights is None else np.asarray(weights, dtype=float)
    k = len(pd.unique(g))
    if k < 2 or (e if w is None else e * w).sum() == 0:
        return {"chi2": np.nan, "df": max(k - 1, 0), "p": np.nan, "groups": k}
    en = None if entry is None else np.asarray(entry, dtype=float)
    if w is None:
        chi2, p = survdiff(d, e, g, entry=en)
    else:
        chi2 = _logrank_counts(d, e, g, en, w)
        p = stats.chi2.sf(chi2, k - 1)
    return {"chi2": float(chi2), "df": k - 1, "p": float(p), "groups": k}


def _logrank_counts(d, e, g, en, w) -> float:
    """Log-rank chi2 from weighted rows, as ``survdiff`` computes it from one row per entity.

    At each event time t: n_j(t) entities of group j at risk (entry < t <= duration; weights
    summed), d_j(t) events, N and D their totals. O - E of group j = sum_t d_j - D n_j / N;
    Var_jk = sum_t D (N - D) / (N - 1) r_j (1[j = k] - r_k), r = n / N, over times with N > 1;
    chi2 = (O - E)' Var^-1 (O - E) over all groups but the first (sorted labels).
    """
    labels, gi = np.unique(g, return_inverse=True)
    ut = np.unique(d[e > 0])
    n = np.zeros((len(labels), len(ut)))
    o = np.zeros_like(n)

    def at_least(x, wx):  # sum of wx over x >= t, for every t in ut
        order = np.argsort(x, kind="stable")
        cs = np.concatenate(([0.0], np.cumsum(wx[order])))
        return cs[-1] - cs[np.searchsorted(x[order], ut, side="left")]

    for j in range(len(labels)):
        m = gi == j
        n[j] = at_least(d[m], w[m]) - (0.0 if en is None else at_least(en[m], w[m]))
        ev = m & (e > 0)
        o[j] = np.bincount(np.searchsorted(ut, d[ev]), weights=w[ev] * e[ev], minlength=len(ut))
    N, D = n.sum(axis=0), o.sum(axis=0)
    ix = N > 1
    r = n[:, ix] / N[ix]
    oe = (o[:, ix] - r * D[ix]).sum(axis=1)[1:]
    s = D[ix] * (N[ix] - D[ix]) / np.clip(N[ix] - 1, 1e-10, np.inf)
    var = np.diag((s * r[1:]).sum(axis=1)) - np.einsum("t,it,jt->ij", s, r[1:], r[1:])
    return float(oe @ np.linalg.solve(var, oe))


__all__ = ["CoxResult", "cox", "kaplan_meier", "logrank", "ph_check", "spells", "survival_at",
           "survival_summary"]

"""The churn model: a logistic regression (statsmodels ``Logit``) on the feature table.

Why statsmodels: maximum-likelihood logit with standard errors, so the odds-ratio table
carries 95 % confidence intervals; it is already a dependency (no scikit-learn needed).
With ``churn.penalty > 0`` a ridge-penalised binomial GLM (``GLM.fit_regularized``,
``L1_wt = 0``) is fitted instead (no intervals then). If the plain fit fails (separation,
a singular design), the ridge fit with a small penalty is used and ``Model.method`` says so.

Design columns, in natural units so that each odds ratio reads "per ...":

* counts: ``min(x, churn.count_cap)`` -> odds ratio per event;
* ``days_since_contact``: ``min(days, 365) / 30`` (empty: 365) -> per 30 days;
* ``tenure_days``: ``log2(max(days, 7) / 365)`` -> per doubling of the time as a customer
  (risk falls fastest in the first months: new customers leave more);
* ``open_complaint_days``, ``complaint_days_<w>d``: ``min(days, 90) / 7`` (empty: 0) -> per week;
* means (CSAT, CES) and RFM scores: the value (empty: the training mean) -> per point;
* ``value``: ``log2(max(value, 1))`` (empty: the segment's training median, plus an
  indicator ``value_missing``) -> per doubling of monthly value;
* ``segment``: one indicator per segment except the most common (the reference).

Model = ``P(churn within churn.label_days | x) = 1 / (1 + exp(-(b0 + b.x)))``.
A customer's *contribution* of a feature is ``b_j (x_ij - mean_j)`` in log-odds (the
training mean as baseline): the features that push this customer's risk above an
average customer's the most become the model's reasons.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ccnb.catalog.churn_features import kind, split_name

#: (cap, divisor, fill, unit key) of day-valued features; unit keys are labels ``churn.unit.<key>``.
DAYS = {
    "days_since_contact": (365.0, 30.0, 365.0, "per_30_days"),
    "tenure_days": (None, 365.0, None, "per_doubling"),  # log2 of years, see _design
    "open_complaint_days": (90.0, 7.0, 0.0, "per_week"),
    "complaint_days": (90.0, 7.0, 0.0, "per_week"),
}


@dataclass
class Model:
    """A fitted churn model (see the module docstring)."""

    features: list[str]
    columns: list[str]                   # design columns (no constant)
    source: dict[str, str]               # design column -> feature it comes from
    unit: dict[str, str]                 # design column -> unit label key
    coef: pd.Series                      # 'const' + design columns, log-odds
    conf_int: pd.DataFrame | None        # 95 % interval of coef (None for penalised fits)
    pvalues: pd.Series | None
    means: pd.Series                     # training means of design columns
    cap: int
    fill: dict[str, float] = field(default_factory=dict)
    segments: list[str] = field(default_factory=list)  # non-reference segments
    reference_segment: str | None = None
    method: str = "logit"
    n: int = 0
    positives: int = 0

    # ------------------------------------------------------------------ design
    def design(self, feats: pd.DataFrame) -> pd.DataFrame:
        return _design(feats, self.features, self.cap, self.fill, self.segments)[self.columns]

    def linear(self, feats: pd.DataFrame) -> np.ndarray:
        """``b0 + b.x`` per row (log-odds), summed column by column in a fixed order: each row's value
        depends on that row alone, not on how many rows come with it (a matrix product's blocking
        would change the last bits with the batch, and so ties in rankings)."""
        X = self.design(feats).to_numpy(dtype="float64")
        out = np.full(len(X), float(self.coef["const"]))
        for j, b in enumerate(self.coef[self.columns].to_numpy(dtype="float64")):
            out += X[:, j] * b
        return out

    def predict(self, feats: pd.DataFrame) -> np.ndarray:
        """Churn probability within the label horizon, per row of ``feats``."""
        return 1.0 / (1.0 + np.exp(-self.linear(feats)))

    def contributions(self, feats: pd.DataFrame) -> pd.DataFrame:
        """Log-odds contribution of each *feature* (rows as ``feats``), vs the training mean."""
        X = self.design(feats)
        c = (X - self.means[self.columns]) * self.coef[self.columns]
        return c.T.groupby(pd.Series(self.source)[self.columns]).sum().T.reindex(columns=self.features,
                                                                                 fill_value=0.0)

    def odds_ratios(self) -> pd.DataFrame:
        """One row per design column: ``feature``, ``column``, ``unit`` (label key), ``coef``,
        ``odds_ratio`` = exp(coef), ``or_low``/``or_high`` (95 % interval), ``p_value``."""
        rows = []
        for c in self.columns:
            lo = hi = p = np.nan
            if self.conf_int is not None:
                lo, hi = np.exp(self.conf_int.loc[c].to_numpy(dtype="float64"))
                p = float(self.pvalues[c])
            rows.append({"feature": self.source[c], "column": c, "unit": self.unit[c], "coef": float(self.coef[c]),
                         "odds_ratio": float(np.exp(self.coef[c])), "or_low": lo, "or_high": hi, "p_value": p})
        return pd.DataFrame(rows).sort_values("odds_ratio", ascending=False, ignore_index=True)


def _design(feats: pd.DataFrame, features: list[str], cap: int, fill: dict[str, float],
            segments: list[str] | None) -> pd.DataFrame:
    cols: dict[str, np.ndarray] = {}
    for f in features:
        k = kind(f)
        base, _ = split_name(f)
        if k == "category":
            s = feats[f].astype("string")
            for level in segments or []:
                cols[f"{f}={level}"] = (s == level).fillna(False).to_numpy(dtype="float64")
            continue
        x = pd.to_numeric(feats[f], errors="coerce").astype("float64").to_numpy()
        if k == "count":
            cols[f] = np.minimum(np.nan_to_num(x, nan=0.0), cap)
        elif k == "days":
            top, div, fl, _ = DAYS[base]
            x = np.where(np.isnan(x), fill.get(f, 0.0) if fl is None else fl, x)
            cols[f] = np.log2(np.maximum(x, 7.0) / div) if top is None else np.minimum(x, top) / div
        elif k == "money":
            meds = {k.split("|", 1)[1]: v for k, v in fill.items() if k.startswith("value|")}
            med = (feats["segment"].astype(object).map(meds).astype("float64")
                   .fillna(fill.get("value|*", 1.0)).to_numpy())
            missing = np.isnan(x)
            cols[f] = np.log2(np.maximum(np.where(missing, med, x), 1.0))
            cols[f"{f}_missing"] = missing.astype("float64")
        else:  # score / mean answer
            cols[f] = np.where(np.isnan(x), fill.get(f, 0.0), x)
    return pd.DataFrame(cols, index=feats.index)


def _unit(feature: str, column: str) -> str:
    k = kind(feature)
    base, _ = split_name(feature)
    if k == "count":
        return "per_event"
    if k == "days":
        return DAYS[base][3]
    if k == "money":
        return "indicator" if column.endswith("_missing") else "per_doubling"
    if k == "category":
        return "indicator"
    return "per_point"


def fit(feats: pd.DataFrame, y, features: list[str], *, cap: int = 5, penalty: float = 0.0) -> Model:
    """Fit the model on stacked feature rows ``feats`` with 0/1 labels ``y`` (same length)."""
    import statsmodels.api as sm

    y = np.asarray(y, dtype="float64")
    if len(y) != len(feats):
        raise ValueError("features and labels differ in length")
    pos = int(y.sum())
    if pos == 0 or pos == len(y):
        raise ValueError(f"cannot train a churn model: {pos} churners among {len(y)} training rows")
    fill: dict[str, float] = {}
    segments: list[str] = []
    reference = None
    for f in features:
        k = kind(f)
        base, _ = split_name(f)
        x = pd.to_numeric(feats[f], errors="coerce") if k != "category" else None
        if k == "category":
            counts = feats[f].astype("string").value_counts()
            reference = str(counts.index[0]) if len(counts) else None
            segments = sorted(str(s) for s in counts.index[1:])
        elif k == "days" and DAYS[base][2] is None:
            fill[f] = float(x.median()) if x.notna().any() else 0.0
        elif k == "money":
            v = pd.DataFrame({"v": x, "s": feats["segment"].astype("string")})
            fill["value|*"] = float(v["v"].median()) if v["v"].notna().any() else 1.0
            for s, m in v.groupby("s")["v"].median().items():
                fill[f"value|{s}"] = float(m) if pd.notna(m) else fill["value|*"]
        elif k == "score":
            fill[f] = float(x.mean()) if x.notna().any() else 0.0
    X = _design(feats, features, cap, fill, segments)
    X = X.loc[:, X.std(ddof=0) > 0]  # a constant column carries no information (and breaks the fit)
    columns = list(X.columns)
    source = {c: (c.split("=")[0] if "=" in c else c.removesuffix("_missing") if c.endswith("_missing") else c)
              for c in columns}
    Xc = sm.add_constant(X.to_numpy(dtype="float64"), has_constant="add")
    names = ["const"] + columns
    method, conf, pvals = "logit", None, None
    res = None
    if penalty <= 0:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = sm.Logit(y, Xc).fit(method="newton", maxiter=100, disp=False)
            if not res.mle_retvals.get("converged", False) or not np.all(np.isfinite(res.bse)):
                res = None
        except Exception:  # noqa: BLE001 - PerfectSeparation, singular matrix: fall back to ridge
            res = None
    if res is not None:
        coef = pd.Series(res.params, index=names)
        conf = pd.DataFrame(res.conf_int(0.05), index=names, columns=["lo", "hi"])
        pvals = pd.Series(res.pvalues, index=names)
    else:
        alpha = penalty if penalty > 0 else 1e-3
        method = "ridge" if penalty > 0 else "ridge (fallback)"
        a = np.full(len(names), alpha)  # statsmodels: -loglike / n + alpha / 2 * |b|^2; constant not penalised
        a[0] = 0.0
        glm = sm.GLM(y, Xc, family=sm.families.Binomial())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = glm.fit_regularized(alpha=a, L1_wt=0.0, maxiter=300)
        coef = pd.Series(r.params, index=names)
    return Model(features=list(features), columns=columns, source=source,
                 unit={c: _unit(source[c], c) for c in columns}, coef=coef, conf_int=conf, pvalues=pvals,
                 means=X.mean(), cap=cap, fill=fill, segments=segments, reference_segment=reference,
                 method=method, n=len(y), positives=pos)

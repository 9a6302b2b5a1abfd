"""Generic survival functions: hand-computed Kaplan-Meier, and lifelines as an independent
implementation (KM with bands, left truncation, log-rank, medians, Cox) to 1e-9 where both
compute the same closed form, to optimiser tolerance for Cox."""
import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter  # test-only dependency (pyproject: test extra)
from lifelines.statistics import multivariate_logrank_test
from scipy import stats

from ccnb.retention import cox, kaplan_meier, logrank, spells, survival_at, survival_summary

Z = stats.norm.ppf(0.975)


def _loglog(s, var):
    v = math.log(s)
    return (math.exp(-math.exp(math.log(-v) - Z * math.sqrt(var) / v)),
            math.exp(-math.exp(math.log(-v) + Z * math.sqrt(var) / v)))


def test_kaplan_meier_by_hand():
    # times 1 2 2+ 3 4+ 5: at 1, 6 at risk, 1 event; at 2, 5 at risk (the one censored at 2 still
    # counts), 1 event; at 3, 3 at risk; at 5, 1 at risk -> S = 5/6, 2/3, 4/9, 0
    km = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    assert km["group"].unique().tolist() == ["all"]
    assert km["time"].tolist() == [0, 1, 2, 3, 5]
    assert km["at_risk"].tolist() == [6, 6, 5, 3, 1]
    assert km["events"].tolist() == [0, 1, 1, 1, 1]
    assert km["survival"].tolist() == pytest.approx([1, 5 / 6, 2 / 3, 4 / 9, 0], abs=1e-12)
    # Greenwood sums: 1/(6*5); + 1/(5*4); + 1/(3*2)
    for i, (s, var) in enumerate([(5 / 6, 1 / 30), (2 / 3, 1 / 30 + 1 / 20), (4 / 9, 1 / 30 + 1 / 20 + 1 / 6)], 1):
        lo, hi = _loglog(s, var)
        assert km["lo"].iloc[i] == pytest.approx(lo, abs=1e-12)
        assert km["hi"].iloc[i] == pytest.approx(hi, abs=1e-12)
    assert km.iloc[0][["lo", "hi"]].tolist() == [1, 1]
    assert km.iloc[-1][["survival", "lo", "hi"]].tolist() == [0, 0, 0]
    at = survival_at(km, 2.5).loc["all"]
    assert at["survival"] == pytest.approx(2 / 3)


def _data(seed, n=400):
    r = np.random.default_rng(seed)
    d = np.round(r.exponential(40, n))
    c = np.round(r.uniform(0, 70, n))
    t = np.minimum(d, c)
    e = (d <= c).astype(int)
    entry = np.where(r.random(n) < 0.3, np.floor(r.uniform(0, 1, n) * t), 0.0)
    entry = np.where(entry >= t, 0.0, entry)
    g = r.choice(["a", "b", "c"], n)
    return t, e, entry, g


@pytest.mark.parametrize("truncated", [False, True])
def test_kaplan_meier_matches_lifelines(truncated):
    t, e, entry, g = _data(1)
    km = kaplan_meier(t, e, g, entry=entry if truncated else None)
    assert list(pd.unique(km["group"])) == list(pd.unique(g))
    for grp in "abc":
        m = g == grp
        ref = KaplanMeierFitter().fit(t[m], e[m], entry=entry[m] if truncated else None)
        mine = km[km["group"] == grp].set_index("time")
        sf = ref.survival_function_.iloc[:, 0].reindex(mine.index)
        ci = ref.confidence_interval_.reindex(mine.index)
        assert np.abs(mine["survival"].to_numpy() - sf.to_numpy()).max() < 1e-9
        assert np.abs(mine["lo"].to_numpy() - ci.iloc[:, 0].to_numpy()).max() < 1e-9
        assert np.abs(mine["hi"].to_numpy() - ci.iloc[:, 1].to_numpy()).max() < 1e-9
        # every event time of lifelines is a row here (and only those, plus time 0)
        ev = ref.event_table
        assert set(ev.index[ev["observed"] > 0]) | {0} == set(mine.index)
        if not truncated:  # lifelines' event table counts same-time entrants in at_risk; the estimate does not
            assert (mine["at_risk"].iloc[1:].to_numpy() == ev["at_risk"].reindex(mine.index[1:]).to_numpy()).all()
            assert (mine["events"].iloc[1:].to_numpy() == ev["observed"].reindex(mine.index[1:]).to_numpy()).all()


def test_left_truncation_changes_the_curve_and_drops_unobserved_spells():
    t, e, entry, _ = _data(2)
    plain = kaplan_meier(t, e)
    trunc = kaplan_meier(t, e, entry=entry)
    assert not np.allclose(plain["survival"].iloc[1:6], trunc["survival"].iloc[1:6])
    # a spell ending on its entry day is never at risk: dropping it changes nothing
    km1 = kaplan_meier([5, 3, 8], [1, 1, 0], entry=[0, 3, 2])
    km2 = kaplan_meier([5, 8], [1, 0], entry=[0, 2])
    pd.testing.assert_frame_equal(km1.iloc[1:].reset_index(drop=True), km2.iloc[1:].reset_index(drop=True))
    with pytest.raises(ValueError, match="entry time is after"):
        kaplan_meier([2], [1], entry=[3])


def test_median_and_horizons_match_lifelines():
    t, e, _, g = _data(3)
    s = survival_summary(t, e, g, horizons={"30d": 30, "60d": 60}, overall=True).set_index("group")
    assert s.index[0] == "all" and s.loc["all", "n"] == len(t) and s.loc["all", "events"] == e.sum()
    for grp in "abc":
        m = g == grp
        ref = KaplanMeierFitter().fit(t[m], e[m])
        assert s.loc[grp, "median"] == ref.median_survival_time_
        assert s.loc[grp, "median_lo"] <= s.loc[grp, "median"] <= s.loc[grp, "median_hi"]
        assert s.loc[grp, "s_30d"] == pytest.approx(float(ref.survival_function_at_times(30).iloc[0]), abs=1e-12)
    # median not reached: NaN
    nr = survival_summary([5, 6, 7, 8], [1, 0, 0, 0], horizons=(6, 100))
    assert math.isnan(nr.loc[0, "median"]) and nr.loc[0, "s_6"] == pytest.approx(0.75)
    assert math.isnan(nr.loc[0, "s_100"])  # beyond the follow-up


def test_logrank_matches_lifelines():
    t, e, _, g = _data(4)
    mine = logrank(t, e, g)
    ref = multivariate_logrank_test(t, g, e)
    assert mine["chi2"] == pytest.approx(ref.test_statistic, abs=1e-9)
    assert mine["p"] == pytest.approx(ref.p_value, abs=1e-9)
    assert mine["df"] == 2
    assert math.isnan(logrank(t, e, np.zeros(len(t)))["p"])


def _aggregated(t, e, entry, g):
    """The rows counted per distinct (group, duration, event, entry), as the engine returns them."""
    df = pd.DataFrame({"g": g, "t": t, "e": e, "entry": entry})
    return df.groupby(["g", "t", "e", "entry"], sort=False).size().rename("n").reset_index()


@pytest.mark.parametrize("truncated", [False, True])
def test_weighted_rows_give_the_same_curves_summary_and_test(truncated):
    """Counts per distinct row (weights) are the same entities as one row each: the curves, the
    bands, the medians with their intervals and the log-rank test must not move (statsmodels
    switches to another variance formula when weighted; ccnb keeps Greenwood's)."""
    t, e, entry, g = _data(6, n=3000)
    g = np.where(g == "a", "a", "b")
    t = np.where(g == "a", np.round(t * 0.7), t)  # group a leaves faster: a clear log-rank
    entry = np.minimum(entry, t)
    en = entry if truncated else np.zeros(len(t))
    agg = _aggregated(t, e, en, g)
    assert len(agg) < len(t) / 2
    kw = {"entry": en} if truncated else {}
    kw_w = {"entry": agg["entry"]} if truncated else {}
    pd.testing.assert_frame_equal(kaplan_meier(t, e, g, **kw),
                                  kaplan_meier(agg["t"], agg["e"], agg["g"], weights=agg["n"], **kw_w))
    one = survival_summary(t, e, g, horizons=(10, 30), overall=True, **kw)
    many = survival_summary(agg["t"], agg["e"], agg["g"], weights=agg["n"], horizons=(10, 30), overall=True, **kw_w)
    assert many["median_lo"].notna().all()
    pd.testing.assert_frame_equal(one, many, rtol=1e-12)
    ref, mine = logrank(t, e, g, **kw), logrank(agg["t"], agg["e"], agg["g"], weights=agg["n"], **kw_w)
    assert ref["p"] < 1e-3
    assert mine["chi2"] == pytest.approx(ref["chi2"], rel=1e-10)
    assert mine["p"] == pytest.approx(ref["p"], rel=1e-6) and mine["df"] == ref["df"] == 1
    with pytest.raises(ValueError, match="weights"):
        kaplan_meier([1, 2], [1, 0], weights=[1, -1])


def _cox_data(seed, n=600):
    r = np.random.default_rng(seed)
    x = r.integers(0, 2, n).astype(float)
    z = r.normal(size=n)
    d = r.exponential(30 / np.exp(0.8 * x + 0.3 * z))
    c = r.uniform(0, 60, n)
    return pd.DataFrame({"duration": np.round(np.minimum(d, c), 1) + 0.1, "event": (d <= c).astype(int),
                         "x": x, "z": z, "id": np.arange(n)})


def test_cox_matches_lifelines():
    df = _cox_data(5)
    res = cox(df, ["x", "z"])
    ref = CoxPHFitter().fit(df[["duration", "event", "x", "z"]], "duration", "event").summary
    tb = res.table.set_index("covariate")
    assert tb["coef"].to_numpy() == pytest.approx(ref["coef"].to_numpy(), abs=1e-6)
    assert tb["se"].to_numpy() == pytest.approx(ref["se(coef)"].to_numpy(), abs=1e-6)
    assert tb["hr_lo"].to_numpy() == pytest.approx(ref["exp(coef) lower 95%"].to_numpy(), abs=1e-5)
    assert tb["p"].to_numpy() == pytest.approx(ref["p"].to_numpy(), abs=1e-6)
    assert res.n == len(df) and res.events == df["event"].sum()
    assert tb.loc["x", "share"] == pytest.approx((df["x"] != 0).mean())


def test_cox_left_truncated_matches_lifelines_and_splitting_rows_changes_nothing():
    df = _cox_data(6)
    # entries off the 0.1 grid of the times: the packages break entry/event ties differently
    # (statsmodels: not at risk at the entry time itself)
    df["entry"] = (np.round(df["duration"] * 0.3, 1) + 0.05) * (df["id"] % 3 == 0)
    res = cox(df, ["x", "z"], entry="entry")
    ref = CoxPHFitter().fit(df[["duration", "event", "x", "z", "entry"]], "duration", "event", entry_col="entry")
    assert res.table["coef"].to_numpy() == pytest.approx(ref.summary["coef"].to_numpy(), abs=1e-6)
    # counting-process form: each spell split in two intervals with the same covariates, split
    # points off the event times' grid (PHReg keeps an interval starting exactly at an event
    # time in that time's risk set, which would count the subject twice there)
    mid = np.floor((df["entry"] + df["duration"]) * 5) / 10 + 0.025
    ok = (mid > df["entry"]) & (mid < df["duration"])
    a = df[ok].assign(duration=mid[ok], event=0)
    b = df[ok].assign(entry=mid[ok])
    split = cox(pd.concat([df[~ok], a, b], ignore_index=True), ["x", "z"], entry="entry", entity="id")
    assert ok.sum() > 500
    assert split.table["coef"].to_numpy() == pytest.approx(res.table["coef"].to_numpy(), abs=1e-8)
    assert split.table["se"].to_numpy() == pytest.approx(res.table["se"].to_numpy(), abs=1e-8)
    assert split.entities == len(df) and split.n == len(df) + ok.sum()


def test_ph_check_flags_an_effect_that_reverses():
    r = np.random.default_rng(7)
    n = 3000
    x = r.integers(0, 2, n).astype(float)
    # x triples the hazard before t = 10 and thirds it after: not proportional
    t1 = r.exponential(20 / np.where(x > 0, 3.0, 1.0))
    late = t1 > 10
    t2 = 10 + r.exponential(20 / np.where(x > 0, 1 / 3, 1.0))
    d = np.where(late, t2, t1)
    c = r.uniform(0, 60, n)
    z = r.normal(size=n)
    df = pd.DataFrame({"duration": np.minimum(d, c), "event": (d <= c).astype(int), "x": x, "z": z})
    ph = cox(df, ["x", "z"]).ph.set_index("covariate")
    assert ph.loc["x", "p"] < 1e-6 and not ph.loc["x", "ok"]
    assert ph.loc["z", "ok"]  # no effect at all: nothing drifts


def test_cox_keeps_a_constant_covariate_as_missing():
    df = _cox_data(8).assign(const=1.0)
    tb = cox(df, ["x", "const"]).table.set_index("covariate")
    assert math.isnan(tb.loc["const", "hr"]) and tb.loc["const", "share"] == 1.0
    assert not math.isnan(tb.loc["x", "hr"])


def test_spells_censor_at_the_cutoff_and_truncate_on_the_first_observed_day():
    f = pd.DataFrame({
        "id": ["a", "b", "c", "d", "e", "f"],
        "start": pd.to_datetime(["2026-01-10", "2026-03-01", "2025-06-01", "2025-01-01", "2026-10-05", "2026-11-02"]),
        "stop": pd.to_datetime(["2026-02-09", None, "2026-11-15", "2025-12-31", None, None]),
        "team": ["T1", "T1", "T2", "T2", "T1", "T1"],
    })
    sp = spells(f, "start", "stop", "2026-11-01", observed_from="2026-01-01", groups="team", id_col="id").set_index("entity")
    # d ended before the data begins: not observed; f starts after the cutoff: not yet known
    assert sp.index.tolist() == ["a", "b", "c", "e"]
    assert sp.loc["a", ["duration", "event", "entry"]].tolist() == [30, 1, 0]
    assert sp.loc["b", ["duration", "event"]].tolist() == [(pd.Timestamp("2026-11-01") - pd.Timestamp("2026-03-01")).days, 0]
    # c leaves after the cutoff: unknown as of the cutoff, censored there; it started before the data
    assert sp.loc["c", "event"] == 0 and pd.isna(sp.loc["c", "end"])
    assert sp.loc["c", "duration"] == (pd.Timestamp("2026-11-01") - pd.Timestamp("2025-06-01")).days
    assert sp.loc["c", "entry"] == (pd.Timestamp("2026-01-01") - pd.Timestamp("2025-06-01")).days
    assert sp.loc["e", ["duration", "event"]].tolist() == [27, 0]
    assert sp.loc["c", "team"] == "T2"


def test_cox_leaves_out_a_covariate_without_events():
    """A flag none of whose rows churned has no finite hazard ratio (the likelihood keeps rising as
    its coefficient falls): its row is NaN, and the others equal a fit without it."""
    df = _cox_data(7)
    df["rare"] = 0.0
    censored = np.flatnonzero(df["event"].to_numpy() == 0)[:15]
    df.loc[censored, "rare"] = 1.0
    res = cox(df, ["x", "rare", "z"])
    tb = res.table.set_index("covariate")
    assert tb.loc["rare", ["coef", "hr", "hr_lo", "hr_hi", "p"]].isna().all()
    assert tb.loc["rare", "share"] == pytest.approx(15 / len(df))
    ref = cox(df, ["x", "z"]).table.set_index("covariate")
    assert tb.loc[["x", "z"], "hr"].to_numpy() == pytest.approx(ref["hr"].to_numpy(), rel=1e-9)
    assert np.isfinite(tb.loc[["x", "z"], ["hr_lo", "hr_hi"]].to_numpy()).all()

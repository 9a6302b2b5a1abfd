"""Cohort matrices: hand-computed on tiny tables, and against a brute-force re-implementation."""
import numpy as np
import pandas as pd
import pytest

from ccnb.retention import cohort_average, cohort_matrix, cohort_retention

NAN = float("nan")


def _eq(a, b):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=0, atol=1e-12, equal_nan=True)


def test_activity_cohorts_by_hand():
    ev = pd.DataFrame({"who": ["a", "a", "a", "b", "b", "c", "d"],
                       "ts": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-03-01", "2026-01-20", "2026-02-02",
                                             "2026-02-10", "2026-03-30"])})
    m = cohort_matrix(ev, "who", "ts")
    # cohorts: Jan {a, b}, Feb {c}, Mar {d}; a active Jan, Mar; b Jan, Feb; c Feb only
    assert [str(p) for p in m.index] == ["2026-01", "2026-02", "2026-03"]
    assert m["size"].tolist() == [2, 1, 1]
    _eq(m.loc[pd.Period("2026-01", "M"), [0, 1, 2]], [1, 0.5, 0.5])
    _eq(m.loc[pd.Period("2026-02", "M"), [0, 1, 2]], [1, 0, NAN])
    _eq(m.loc[pd.Period("2026-03", "M"), [0, 1, 2]], [1, NAN, NAN])


def test_activity_cohorts_censored_at_the_cutoff():
    ev = pd.DataFrame({"who": ["a", "a", "b", "c"],
                       "ts": pd.to_datetime(["2026-01-05", "2026-02-03", "2026-02-20", "2026-03-02"])})
    # as of 15 March: March is not over (NaN) and d's... c's event on 2 March counts toward nothing yet
    m = cohort_matrix(ev, "who", "ts", as_of="2026-03-15")
    assert [str(p) for p in m.index] == ["2026-01", "2026-02", "2026-03"]
    _eq(m[[0, 1]], [[1, 1], [1, NAN], [NAN, NAN]])
    # an event after the cutoff is not known
    m2 = cohort_matrix(pd.concat([ev, pd.DataFrame({"who": ["e"], "ts": [pd.Timestamp("2026-04-02")]})]),
                       "who", "ts", as_of="2026-03-15")
    pd.testing.assert_frame_equal(m, m2)
    # first_cohort drops earlier cohorts
    assert [str(p) for p in cohort_matrix(ev, "who", "ts", first_cohort="2026-02").index] == ["2026-02", "2026-03"]


def test_weekly_activity_cohorts():
    ev = pd.DataFrame({"who": ["a", "a", "b", "b"],
                       "ts": pd.to_datetime(["2026-03-02", "2026-03-16", "2026-03-04", "2026-03-09"])})
    m = cohort_matrix(ev, "who", "ts", freq="W")
    # both start in the week of 2 March; a is back two weeks later, b one week later
    assert m["size"].tolist() == [2]
    _eq(m.iloc[0][[0, 1, 2]], [1, 0.5, 0.5])


def test_spell_cohorts_by_hand():
    sp = pd.DataFrame({"start": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-10", "2026-02-11", "2026-03-30"]),
                       "stop": pd.to_datetime(["2026-01-31", "2026-03-01", None, "2026-05-01", None])})
    m = cohort_retention(sp, "start", "stop", as_of="2026-04-01")
    # Jan cohort: one leaves in January, one on 1 March (in at the ends of Jan and Feb, out at March's)
    _eq(m.loc[pd.Period("2026-01", "M"), [0, 1, 2]], [0.5, 0.5, 0])
    # Feb cohort: one never leaves, one leaves after the cutoff (unknown as of April: still in)
    _eq(m.loc[pd.Period("2026-02", "M"), [0, 1, 2]], [1, 1, NAN])
    _eq(m.loc[pd.Period("2026-03", "M"), [0, 1, 2]], [1, NAN, NAN])
    assert m["size"].tolist() == [2, 2, 1]
    avg = cohort_average(m)
    _eq(avg[[0, 1, 2]], [(0.5 * 2 + 1 * 2 + 1) / 5, (0.5 * 2 + 1 * 2) / 4, 0.0])


def _brute_spells(sp, as_of):
    """Cell (c, k) by counting, one entity at a time."""
    cut = pd.Timestamp(as_of)
    last = pd.Period(cut, "M") - 1
    rows = {}
    for s, e in zip(sp["start"], sp["stop"]):
        if s >= cut:
            continue
        c = pd.Period(s, "M")
        rows.setdefault(c, []).append(e if pd.notna(e) and e < cut else None)
    out = {}
    for c, ends in rows.items():
        cells = {}
        for k in range((last - c).n + 1):
            end_of = (c + k + 1).start_time
            cells[k] = sum(1 for e in ends if e is None or e >= end_of) / len(ends)
        out[c] = cells
    return out


def test_spell_cohorts_match_a_brute_force_count():
    r = np.random.default_rng(3)
    n = 500
    start = pd.Timestamp("2025-06-01") + pd.to_timedelta(r.integers(0, 500, n), unit="D")
    stay = r.exponential(200, n)
    stop = start + pd.to_timedelta(np.round(stay), unit="D")
    stop = stop.where(r.random(n) < 0.7)
    sp = pd.DataFrame({"start": start, "stop": stop})
    m = cohort_retention(sp, "start", "stop", as_of="2026-08-01")
    ref = _brute_spells(sp, "2026-08-01")
    assert set(m.index) == set(ref)
    for c, cells in ref.items():
        for k, v in cells.items():
            assert m.loc[c, k] == pytest.approx(v, abs=1e-12)
        assert m.loc[c].drop("size").notna().sum() == len(cells)

    # the same spells counted per start and end month (as the engine returns them): same matrix
    month = lambda x: x.dt.to_period("M").dt.start_time  # noqa: E731
    agg = (pd.DataFrame({"start": month(sp["start"]), "stop": month(sp["stop"].where(sp["stop"] < "2026-08-01"))})
           .groupby(["start", "stop"], dropna=False).size().rename("n").reset_index())
    assert len(agg) < n / 2
    pd.testing.assert_frame_equal(cohort_retention(agg, "start", "stop", as_of="2026-08-01", weight="n"), m)


def test_activity_cohorts_match_a_brute_force_count():
    r = np.random.default_rng(4)
    n = 2000
    ev = pd.DataFrame({"who": r.integers(0, 300, n),
                       "ts": pd.Timestamp("2026-01-01") + pd.to_timedelta(r.integers(0, 300, n), unit="D")})
    m = cohort_matrix(ev, "who", "ts")
    per = ev.assign(p=ev["ts"].dt.to_period("M"))
    first = per.groupby("who")["p"].min()
    for c in m.index:
        members = set(first[first == c].index)
        assert m.loc[c, "size"] == len(members)
        for k in range((per["p"].max() - c).n + 1):
            active = set(per.loc[per["p"] == c + k, "who"]) & members
            assert m.loc[c, k] == pytest.approx(len(active) / len(members), abs=1e-12)

"""Erlang B, C and A against published values, exact arithmetic, the birth-death chain and a simulation.

Sources of the published figures:

* Erlang B: the 1 % grade-of-service row of the standard Erlang B table (e.g. ITU-T "Teletraffic
  Engineering Handbook", Table of Erlang's loss formula; reprinted in Cooper, *Introduction to Queueing
  Theory*, 2nd ed., appendix): 10 circuits carry 4.461 erlangs, 20 carry 12.031, 50 carry 37.901 and
  100 carry 84.06 erlangs at 1 % blocking.
* Erlang C: Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
  (callcentrehelper.com, article 121281): 100 calls in 30 minutes, AHT 180 s, 80 % in 20 s -> 10 erlangs;
  with 11 agents the probability of waiting is 0.6821; 14 agents meet 80/20; with 30 % shrinkage
  20 agents are scheduled; occupancy 71 %.
"""
import heapq
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ccnb.staffing import agents_needed, erlang_a, erlang_b, erlang_c
from ccnb.staffing.erlang import log_erlang_b_start


# --------------------------------------------------------------------------- independent computations
def exact_erlang_c(a: Fraction, n: int) -> Fraction:
    """P(wait) = (A^N/N! . N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! . N/(N-A)), in exact rational arithmetic."""
    term = Fraction(1)
    total = Fraction(0)
    for k in range(n):
        total += term
        term = term * a / (k + 1)
    top = term * Fraction(n) / (n - a)   # term is now A^N / N!
    return top / (total + top)


def poisson_erlang_c(a: float, n: int) -> float:
    """Erlang C through scipy's Poisson distribution: B = pmf(N) / cdf(N), C = N B / (N - A (1 - B))."""
    b = stats.poisson.pmf(n, a) / stats.poisson.cdf(n, a)
    return n * b / (n - a * (1 - b))


def birth_death_erlang_a(lam, mu, theta, n, kmax=4000):
    """M/M/n+M stationary distribution by the birth-death recursion; P(wait) and P(abandon) exactly."""
    logp = [0.0]
    for k in range(1, kmax):
        death = min(k, n) * mu + max(k - n, 0) * theta
        logp.append(logp[-1] + math.log(lam / death))
    lp = np.array(logp)
    p = np.exp(lp - lp.max())
    p /= p.sum()
    k = np.arange(kmax)
    p_wait = p[k >= n].sum()
    p_ab = theta * (p * np.maximum(k - n, 0)).sum() / lam   # abandonment rate / arrival rate
    return p_wait, p_ab


def simulate(calls, aht_s, patience_s, agents, interval_s=1800, answer_s=20, customers=200_000, seed=20261031):
    """FCFS M/M/N+M discrete-event simulation: each caller takes the earliest free agent if their
    (exponential) patience outlasts the wait, else abandons; abandoning callers use no agent time."""
    r = np.random.default_rng(seed)
    arrivals = np.cumsum(r.exponential(interval_s / calls, customers))
    service = r.exponential(aht_s, customers)
    patience = r.exponential(patience_s, customers)
    free = [0.0] * agents
    ab = np.zeros(customers, bool)
    wait = np.zeros(customers)
    for i in range(customers):
        w = max(0.0, free[0] - arrivals[i])
        if w > patience[i]:
            ab[i], wait[i] = True, patience[i]
            continue
        wait[i] = w
        heapq.heapreplace(free, arrivals[i] + w + service[i])
    keep = slice(customers // 10, None)  # warm-up dropped
    ab, wait = ab[keep], wait[keep]
    return {"p_abandon": ab.mean(), "service_level": np.mean(~ab & (wait <= answer_s)),
            "asa_s": wait[~ab].mean(), "p_wait": np.mean(wait > 0)}


# --------------------------------------------------------------------------- Erlang B
@pytest.mark.parametrize("n, a", [(10, 4.461), (20, 12.031), (50, 37.901), (100, 84.06)])
def test_erlang_b_matches_the_published_one_percent_table(n, a):
    assert erlang_b(n, a) == pytest.approx(0.01, abs=2e-4)
    assert math.exp(log_erlang_b_start(n, a)) == pytest.approx(float(erlang_b(n, a)), rel=1e-10)


# --------------------------------------------------------------------------- Erlang C
def test_erlang_c_worked_example_call_centre_helper():
    r = erlang_c(100, 180, 11)
    assert r["traffic"] == pytest.approx(10.0)
    assert r["p_wait"] == pytest.approx(0.6821, abs=5e-5)
    assert agents_needed(100, 180, service_level=0.8, answer_s=20) == 14
    fourteen = erlang_c(100, 180, 14)
    assert fourteen["service_level"] >= 0.8 > erlang_c(100, 180, 13)["service_level"]
    assert fourteen["occupancy"] == pytest.approx(10 / 14)
    assert math.ceil(14 / (1 - 0.30)) == 20      # the article's scheduled agents after 30 % shrinkage


def test_erlang_c_by_hand_formulas_for_the_example():
    """SL = 1 - C e^{-(N-A) T / AHT}, ASA = C AHT / (N - A) with the exact C."""
    c = float(exact_erlang_c(Fraction(10), 14))
    r = erlang_c(100, 180, 14)
    assert r["p_wait"] == pytest.approx(c, rel=1e-12)
    assert r["service_level"] == pytest.approx(1 - c * math.exp(-4 * 20 / 180), rel=1e-12)
    assert r["asa_s"] == pytest.approx(c * 180 / 4, rel=1e-12)


@pytest.mark.parametrize("a, n", [(Fraction(37, 4), 10), (Fraction(1, 3), 1), (Fraction(49, 2), 30), (Fraction(199, 10), 20)])
def test_erlang_c_equals_exact_rational_arithmetic_small_n(a, n):
    calls = float(a) * 1800 / 300.0  # AHT 300 s, half-hour intervals
    assert erlang_c(calls, 300, n)["p_wait"] == pytest.approx(float(exact_erlang_c(a, n)), rel=1e-11)


@pytest.mark.parametrize("a, n", [(Fraction(5011, 20), 270), (Fraction(4801, 10), 500)])
def test_erlang_c_exact_at_hundreds_of_erlangs(a, n):
    """Hundreds of erlangs: A^N and N! have hundreds of digits; exact rationals still give C."""
    calls = float(a) * 1800 / 200.0
    assert erlang_c(calls, 200, n)["p_wait"] == pytest.approx(float(exact_erlang_c(a, n)), rel=1e-10)


@pytest.mark.parametrize("a, n", [(300.0, 310), (750.5, 790), (2000.0, 2040), (5000.0, 5060)])
def test_erlang_c_against_scipy_poisson_at_large_loads(a, n):
    calls = a * 1800 / 240.0
    got = erlang_c(calls, 240, n)["p_wait"]
    assert got == pytest.approx(poisson_erlang_c(a, n), rel=1e-9)
    assert 0 < got < 1


def test_erlang_c_unstable_and_empty_queues():
    r = erlang_c(np.array([100.0, 0.0]), 180, np.array([10, 0]))
    assert list(r["p_wait"]) == [1.0, 0.0] and list(r["service_level"]) == [0.0, 1.0]
    assert np.isinf(r["asa_s"][0]) and r["asa_s"][1] == 0.0
    assert r["occupancy"][0] == 1.0


def test_erlang_c_broadcasts_and_keeps_a_series_index():
    calls = pd.Series([50.0, 100.0, 400.0], index=["a", "b", "c"])
    df = erlang_c(calls, 180, np.array([8, 14, 45]))
    assert list(df.index) == ["a", "b", "c"]
    for i, (c, n) in enumerate(zip(calls, [8, 14, 45])):
        assert df["p_wait"].iloc[i] == pytest.approx(erlang_c(c, 180, n)["p_wait"], rel=1e-14)


# --------------------------------------------------------------------------- staffing
def test_agents_needed_is_monotone_in_load_and_target():
    calls = np.linspace(0, 3000, 301)
    n = agents_needed(calls, 200)
    assert n[0] == 0 and np.all(np.diff(n) >= 0)
    by_target = [agents_needed(800, 200, service_level=s) for s in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)]
    assert by_target == sorted(by_target) and by_target[0] < by_target[-1]
    longer = agents_needed(800, np.array([150, 200, 250, 300]))
    assert np.all(np.diff(longer) > 0)


def test_agents_needed_is_the_smallest_n_meeting_every_target():
    rng = np.random.default_rng(3)
    calls, aht = rng.uniform(5, 2500, 200), rng.uniform(60, 600, 200)
    n = agents_needed(calls, aht, service_level=0.8, answer_s=20, max_occupancy=0.85)
    ok = lambda k: (erlang_c(calls, aht, k)["service_level"].to_numpy() >= 0.8) & (calls * aht / 1800 / k <= 0.85)  # noqa: E731
    assert ok(n).all() and not ok(n - 1).any()
    asa = agents_needed(calls, aht, service_level=None, asa_s=15)
    assert (erlang_c(calls, aht, asa)["asa_s"] <= 15).all() and not (erlang_c(calls, aht, asa - 1)["asa_s"] <= 15).any()


def test_occupancy_cap_binds_on_large_queues():
    # 2000 erlangs meet 80/20 at ~1.01 A; the 85 % cap needs A / 0.85
    a = 2000.0
    n = agents_needed(a * 1800 / 180, 180, max_occupancy=0.85)
    assert n == math.ceil(a / 0.85)


# --------------------------------------------------------------------------- Erlang A
@pytest.mark.parametrize("calls, aht, patience, n", [(100, 180, 120, 12), (100, 180, 120, 9), (60, 300, 600, 8),
                                                     (400, 240, 90, 50), (1200, 200, 150, 125)])
def test_erlang_a_equals_the_birth_death_chain(calls, aht, patience, n):
    lam, mu, theta = calls / 1800, 1 / aht, 1 / patience
    p_wait, p_ab = birth_death_erlang_a(lam, mu, theta, n)
    r = erlang_a(calls, aht, patience, n)
    assert r["p_wait"] == pytest.approx(p_wait, rel=1e-8)
    assert r["p_abandon"] == pytest.approx(p_ab, rel=1e-8)


@pytest.mark.parametrize("calls, aht, patience, n", [(100, 180, 120, 12), (100, 180, 120, 9), (60, 300, 600, 8),
                                                     (400, 240, 90, 50)])
def test_erlang_a_matches_a_discrete_event_simulation(calls, aht, patience, n):
    """Tolerance: 0.01 absolute on probabilities and service level, 5 % relative on ASA (200,000 simulated
    callers, seed fixed; the simulation's own standard errors are a few thousandths)."""
    sim = simulate(calls, aht, patience, n)
    r = erlang_a(calls, aht, patience, n)
    for k in ("p_abandon", "service_level", "p_wait"):
        assert r[k] == pytest.approx(sim[k], abs=0.01), k
    assert r["asa_s"] == pytest.approx(sim["asa_s"], rel=0.05)


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    c = erlang_c(100, 180, 14)
    a = erlang_a(100, 180, 1e8, 14)
    for k in ("p_wait", "service_level", "asa_s", "occupancy"):
        assert a[k] == pytest.approx(c[k], rel=1e-4), k
    assert erlang_a(100, 180, None, 14)["p_abandon"] == 0.0


def test_erlang_a_stays_finite_when_overloaded_and_at_large_scale():
    r = erlang_a(np.array([5000.0, 200.0]), 200, 150, np.array([560, 10]))
    assert np.isfinite(r.to_numpy()).all()
    assert 0 < r["p_abandon"][1] < 1 and r["p_abandon"][1] > 0.5     # 22 erlangs on 10 agents


def test_abandonment_lowers_the_requirement():
    calls = np.array([50.0, 300.0, 1500.0])
    c = agents_needed(calls, 200)
    a = agents_needed(calls, 200, patience_s=120)
    assert np.all(a <= c) and np.all(a > 0)
    r = erlang_a(calls, 200, 120, a)
    assert (r["service_level"] >= 0.8).all()
    assert not (erlang_a(calls, 200, 120, a - 1)["service_level"] >= 0.8).any()

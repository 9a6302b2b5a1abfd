"""Erlang C (M/M/N) and Erlang A (M/M/N+M) for call-center staffing, vectorised and stable.

Inputs are per interval: ``calls`` offered in ``interval_s`` seconds, average handle time
``aht_s`` (s), ``agents`` N, answer-time target ``answer_s`` T (s) and, for Erlang A, mean
caller patience ``patience_s`` (exponential). Every argument may be a scalar or an array
(NumPy broadcasting); scalars give a dict, arrays a DataFrame.

Erlang C (Erlang 1917; e.g. Gans, Koole & Mandelbaum 2003, "Telephone call centers: tutorial,
review, and research prospects", section 4.1). Offered load A = calls x AHT / interval (erlangs).

* Erlang B by the recursion ``B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1))`` (never forms
  A^N or N!, so loads of hundreds or thousands of erlangs are safe);
* probability of waiting ``C = N B / (N - A (1 - B))`` for N > A (1 otherwise);
* service level ``SL(T) = 1 - C exp(-(N - A) T / AHT)``; ASA ``= C AHT / (N - A)`` (s);
  occupancy ``= A / N``.

Erlang A (Palm 1943; Garnett, Mandelbaum & Reiman 2002, "Designing a call center with
impatient customers", MSOM 4(3); formulas of Mandelbaum & Zeltyn 2007, "Service engineering
in action: the Palm/Erlang-A queue, with applications to call centers", and Zeltyn's thesis
2005, eqs. 5.5-5.23). With lambda = calls / interval, mu = 1 / AHT, theta = 1 / patience,
x = N mu / theta, y = lambda / theta, rho = lambda / (N mu) and
``A(x, y) = x e^y y^-x gamma(x, y) = sum_j y^j / prod_{k<=j} (x + k)`` (gamma: lower incomplete):

* P(wait > 0) = A E / (1 + (A - 1) E), E = Erlang B(N, lambda / mu);
* P(abandon) = P(wait > 0) (1 / (rho A) + 1 - 1 / rho);
* P(offered wait V > t) = P(wait > 0) gamma(x, y e^-theta t) / gamma(x, y);
* P(served after waiting more than t) = P(V > t) / rho (1 - 1 / A(x, y e^-theta t));
* service level (answered within T, share of offered) = 1 - P(abandon) - P(served, wait > T);
* ASA (mean wait of answered calls) = E[V e^-theta V] / P(served), the expectation by
  Gauss-Laguerre quadrature of the closed-form P(V > t); occupancy = lambda (1 - P(abandon)) / (N mu).

Everything is evaluated in logarithms (A(x, y) overflows double precision when the queue is
overloaded). The required agents are found for all intervals at once: Erlang C by stepping N
upwards from the offered load, carrying Erlang B along by its recursion; Erlang A by bisection
between a count that cannot meet the target and the Erlang C count.

Why our own code: scipy has the special functions (``gammainc``, ``gammaln``) but no queueing
models; the PyPI Erlang packages (pyworkforce, erlang...) loop in Python per interval, overflow
through factorials or lack Erlang A. ``benchmarks/staffing.py`` compares with pyworkforce.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

_LAG_X, _LAG_W = np.polynomial.laguerre.laggauss(64)


def _arrays(*args):
    arrs = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
    return [np.array(a, dtype=float) for a in arrs]


def _is_scalar(*args) -> bool:
    return all(np.ndim(a) == 0 for a in args)


def _index_of(*args):
    for a in args:
        if isinstance(a, pd.Series):
            return a.index
    return None


def _out(cols: dict, scalar: bool, index=None):
    if scalar:
        return {k: float(np.asarray(v).reshape(-1)[0]) for k, v in cols.items()}
    df = pd.DataFrame({k: np.asarray(v).reshape(-1) for k, v in cols.items()})
    if index is not None and len(index) == len(df):
        df.index = index
    return df


# --------------------------------------------------------------------------- Erlang B
def log_erlang_b_start(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """log Erlang B(n, a) for arbitrary n >= 0, a >= 0: log(pmf_Poisson(n; a) / cdf_Poisson(n; a))."""
    n, a = _arrays(n, a)
    out = np.zeros_like(a)
    pos = a > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        lpmf = n * np.log(np.where(pos, a, 1.0)) - a - special.gammaln(n + 1)
        cdf = special.gammaincc(n + 1, np.where(pos, a, 0.0))
        out = np.where(pos, lpmf - np.log(cdf), np.where(n == 0, 0.0, -np.inf))
    # where the Poisson cdf underflows (n far below a), B is close to 1 - n/a
    bad = pos & ~np.isfinite(out)
    if bad.any():
        out[bad] = np.log(np.clip(1 - n[bad] / a[bad], 1e-300, 1))
    return np.minimum(out, 0.0)


def erlang_b(agents, traffic) -> np.ndarray:
    """Erlang B blocking probability for ``agents`` servers and ``traffic`` erlangs (stable recursion)."""
    n, a = _arrays(agents, traffic)
    n = np.floor(n).astype(np.int64)
    b = np.ones_like(a)
    res = np.where(n <= 0, 1.0, np.nan)
    for k in range(1, int(n.max(initial=0)) + 1):
        b = a * b / (k + a * b)
        hit = n == k
        res[hit] = b[hit]
    return res


def _c_from_b(b, n, a):
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b / (n - a * (1 - b))
    return np.where(n > a, np.clip(c, 0.0, 1.0), 1.0)


# --------------------------------------------------------------------------- Erlang C
def _erlang_c_parts(calls, aht_s, agents, interval_s, answer_s, b=None):
    a = calls * aht_s / interval_s
    n = agents
    if b is None:
        b = np.exp(log_erlang_b_start(n, a))
    c = np.where(a > 0, _c_from_b(b, n, a), 0.0)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sl = np.where(stable, 1 - c * np.exp(-(n - a) * answer_s / aht_s), 0.0)
        asa = np.where(stable, c * aht_s / (n - a), np.inf)
        occ = np.where(n > 0, np.minimum(a / np.where(n > 0, n, 1), 1.0), np.where(a > 0, 1.0, 0.0))
    sl = np.where(a > 0, sl, 1.0)
    asa = np.where(a > 0, asa, 0.0)
    return a, c, sl, asa, occ


def erlang_c(calls, aht_s, agents, interval_s=1800, answer_s=20):
    """Erlang C for ``agents`` agents: ``p_wait``, ``service_level`` (share answered within
    ``answer_s``), ``asa_s`` (s), ``occupancy``, with ``traffic`` (erlangs).

    Scalars give a dict, arrays a DataFrame (a Series argument lends its index). An
    unstable queue (agents <= traffic) has p_wait 1, service level 0, ASA infinite.
    """
    scalar = _is_scalar(calls, aht_s, agents, interval_s, answer_s)
    idx = _index_of(calls, aht_s, agents)
    c_, h, n, iv, t = _arrays(calls, aht_s, agents, interval_s, answer_s)
    n = np.floor(n)
    a, c, sl, asa, occ = _erlang_c_parts(c_, h, n, iv, t)
    return _out({"traffic": a, "p_wait": c, "service_level": sl, "asa_s": asa, "occupancy": occ}, scalar, idx)


# --------------------------------------------------------------------------- Erlang A
def _log_gamma_a(x, y):
    """log A(x, y) with A(x, y) = x e^y y^-x gamma(x, y) = 1 + sum_{j>=1} y^j / prod_{k=1..j} (x + k)."""
    x, y = _arrays(x, y)
    out = np.zeros_like(x)
    pos = y > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        p = special.gammainc(x, np.where(pos, y, 1.0))
        la = np.log(x) + y - x * np.log(np.where(pos, y, 1.0)) + special.gammaln(x) + np.log(p)
    use_series = pos & ~(p > 1e-250)
    out = np.where(pos & ~use_series, la, 0.0)
    if use_series.any():
        xs, ys = x[use_series], y[use_series]
        term = np.ones_like(xs)
        tot = np.ones_like(xs)
        for j in range(1, 100_000):
            term = term * ys / (xs + j)
            tot += term
            if np.all(term < 1e-17 * tot):
                break
        out[use_series] = np.log(tot)
    return out


def _log_lower_gamma(x, y, log_a=None):
    """log gamma(x, y) (lower incomplete, unregularised) from log A(x, y)."""
    la = _log_gamma_a(x, y) if log_a is None else log_a
    with np.errstate(divide="ignore"):
        return la - np.log(x) - y + x * np.log(y)


def _erlang_a_parts(calls, aht_s, patience_s, agents, interval_s, answer_s, log_b=None, with_asa=True):
    lam = calls / interval_s
    mu = 1.0 / aht_s
    theta = 1.0 / patience_s
    n = agents
    a = lam / mu
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        if log_b is None:
            log_b = log_erlang_b_start(n, a)
        x = np.where(n > 0, n * mu / theta, 1.0)
        y = np.maximum(lam / theta, 1e-300)
        la = _log_gamma_a(x, y)
        # P(V > 0) = A E / (1 + (A - 1) E) = 1 / (1 + (1 - E) / (A E))
        p_wait = 1.0 / (1.0 + (1.0 - np.exp(log_b)) * np.exp(-(la + log_b)))
        rho = lam / np.where(n > 0, n * mu, 1.0)
        p_ab_w = np.exp(-np.log(rho) - la) + 1.0 - 1.0 / rho
        p_ab = np.clip(p_wait * p_ab_w, 0.0, 1.0)
        # offered wait V: P(V > t) = P(V > 0) gamma(x, y e^-theta t) / gamma(x, y)
        lg0 = _log_lower_gamma(x, y, la)

        def sf(t):
            yt = y * np.exp(-theta * t)
            return p_wait * np.exp(_log_lower_gamma(x, yt) - lg0), yt

        sf_t, yT = sf(answer_s)
        served_late = sf_t / rho * (1.0 - np.exp(-_log_gamma_a(x, yT)))
        sl = np.clip(1.0 - p_ab - served_late, 0.0, 1.0)
        # E[V e^-theta V] = int_0^inf (1 - theta v) e^-theta v P(V > v) dv, by Gauss-Laguerre on v = u / k
        # with k = theta + (N mu - lambda)^+ / 2, below the integrand's decay rate
        k = theta + 0.5 * np.maximum(n * mu - lam, 0.0)
        ev = np.zeros_like(lam)
        for u, w in zip(_LAG_X, _LAG_W) if with_asa else ():
            v = u / k
            s_u, _ = sf(v)
            ev = ev + w * np.exp(u) * (1 - theta * v) * np.exp(-theta * v) * s_u
        ev = ev / k
        served = 1.0 - p_ab
        asa = np.where(served > 0, np.maximum(ev, 0.0) / np.where(served > 0, served, 1.0), np.nan)
        occ = np.where(n > 0, np.minimum(a * served / np.where(n > 0, n, 1), 1.0), np.where(a > 0, 1.0, 0.0))
    # no agents: every caller abandons; no calls: nothing waits
    none = n <= 0
    p_wait = np.where(none, 1.0, p_wait)
    p_ab = np.where(none, 1.0, p_ab)
    sl = np.where(none, 0.0, sl)
    asa = np.where(none, np.nan, asa)
    quiet = lam <= 0
    p_wait, p_ab = np.where(quiet, 0.0, p_wait), np.where(quiet, 0.0, p_ab)
    sl, asa, occ = np.where(quiet, 1.0, sl), np.where(quiet, 0.0, asa), np.where(quiet, 0.0, occ)
    return a, p_wait, p_ab, sl, asa, occ


def erlang_a(calls, aht_s, patience_s, agents, interval_s=1800, answer_s=20):
    """Erlang A (M/M/N+M) for ``agents`` agents with mean caller patience ``patience_s`` (s).

    Columns / keys: ``traffic`` (erlangs), ``p_wait`` (probability of waiting), ``p_abandon``,
    ``service_level`` (answered within ``answer_s`` / offered; callers abandoning count as
    not answered), ``asa_s`` (mean wait of answered calls, s), ``occupancy`` (served load / N).
    ``patience_s`` infinite (or None) falls back to Erlang C (``p_abandon`` 0).
    """
    scalar = _is_scalar(calls, aht_s, patience_s if patience_s is not None else 0, agents, interval_s, answer_s)
    idx = _index_of(calls, aht_s, agents, patience_s)
    pat = np.inf if patience_s is None else patience_s
    c_, h, p, n, iv, t = _arrays(calls, aht_s, pat, agents, interval_s, answer_s)
    n = np.floor(n)
    inf = ~np.isfinite(p)
    if inf.all():
        a, c, sl, asa, occ = _erlang_c_parts(c_, h, n, iv, t)
        return _out({"traffic": a, "p_wait": c, "p_abandon": np.zeros_like(a), "service_level": sl, "asa_s": asa,
                     "occupancy": occ}, scalar, idx)
    a, pw, pab, sl, asa, occ = _erlang_a_parts(c_, h, np.where(inf, 1e12, p), n, iv, t)
    if inf.any():
        _, c2, sl2, asa2, occ2 = _erlang_c_parts(c_, h, n, iv, t)
        pw, pab = np.where(inf, c2, pw), np.where(inf, 0.0, pab)
        sl, asa, occ = np.where(inf, sl2, sl), np.where(inf, asa2, asa), np.where(inf, occ2, occ)
    return _out({"traffic": a, "p_wait": pw, "p_abandon": pab, "service_level": sl, "asa_s": asa, "occupancy": occ},
                scalar, idx)


# --------------------------------------------------------------------------- staffing
def agents_needed(calls, aht_s, interval_s=1800, service_level=0.8, answer_s=20, max_occupancy=None,
                  patience_s=None, asa_s=None):
    """Smallest agent count per interval meeting the targets.

    Targets: ``service_level`` (share answered within ``answer_s`` s; None: no SL target),
    ``asa_s`` (mean wait of answered calls at most this, s; None: none), occupancy at most
    ``max_occupancy`` (None: no cap; Erlang C also needs N > offered load, Erlang A's occupancy
    is the served load over N). Erlang C, or Erlang A when ``patience_s`` (mean
    patience, s) is given. No calls need no agents. Returns an int for scalar inputs,
    else an int array (a Series when ``calls`` is one).
    """
    scalar = _is_scalar(calls, aht_s, interval_s, service_level if service_level is not None else 0, answer_s,
                        patience_s if patience_s is not None else 0)
    idx = _index_of(calls, aht_s)
    sl_t = np.nan if service_level is None else service_level
    asa_t = np.inf if asa_s is None else asa_s
    occ_t = 1.0 if max_occupancy is None else max_occupancy
    pat = np.inf if patience_s is None else patience_s
    c_, h, iv, slt, t, asat, occt, p = _arrays(calls, aht_s, interval_s, sl_t, answer_s, asa_t, occ_t, pat)
    shape = c_.shape
    c_, h, iv, slt, t, asat, occt, p = (x.reshape(-1) for x in (c_, h, iv, slt, t, asat, occt, p))
    a = c_ * h / iv
    erl_a = np.isfinite(p) & (a > 0)
    # Erlang C: step N up from max(floor(A) + 1, A / cap) for all intervals at once, carrying Erlang B
    # along by its recursion. It is also the upper bound of the Erlang A search (abandonment only helps).
    lb = np.maximum(np.floor(a) + 1, np.ceil(a / occt - 1e-9))
    lb = np.where(a > 0, np.maximum(lb, 1), 0)
    need = np.where(a > 0, -1, 0).astype(np.int64)
    todo = need < 0
    n = lb.copy()
    log_b = np.where(todo, log_erlang_b_start(n, a), 0.0)
    for _ in range(100_000):
        if not todo.any():
            break
        i = np.flatnonzero(todo)
        _, _, sl, asa, occ = _erlang_c_parts(c_[i], h[i], n[i], iv[i], t[i], b=np.exp(log_b[i]))
        ok = (np.isnan(slt[i]) | (sl >= slt[i] - 1e-12)) & (asa <= asat[i]) & (occ <= occt[i] + 1e-12)
        need[i[ok]] = n[i[ok]].astype(np.int64)
        todo[i[ok]] = False
        rest = i[~ok]  # next N: B(n+1) = A B / (n + 1 + A B)
        b = np.exp(log_b[rest])
        with np.errstate(divide="ignore"):
            log_b[rest] = np.log(a[rest] * b / (n[rest] + 1 + a[rest] * b))
        n[rest] += 1
    if erl_a.any():
        # Erlang A: the targets are monotone in N, so bisect between a count known to fail (served
        # share N / A below the SL target) and one that meets them (the Erlang C count, doubled if need be)
        j = np.flatnonzero(erl_a)
        want_asa = bool(np.isfinite(asat[j]).any())

        def ok_a(k, nn):
            _, _, _, sl, asa, occ = _erlang_a_parts(c_[k], h[k], p[k], nn.astype(float), iv[k], t[k],
                                                    with_asa=want_asa)
            return ((np.isnan(slt[k]) | (sl >= slt[k] - 1e-12)) & (np.nan_to_num(asa, nan=np.inf) <= asat[k])
                    & (occ <= occt[k] + 1e-12))

        lo = np.maximum(np.floor(np.nan_to_num(slt[j], nan=0.0) * a[j]) - 1, 0).astype(np.int64)
        hi = need[j].astype(np.int64)
        for _ in range(60):
            bad = ~ok_a(j, hi)
            if not bad.any():
                break
            lo[bad] = hi[bad]
            hi[bad] = 2 * hi[bad] + 1
        while True:
            open_ = hi - lo > 1
            if not open_.any():
                break
            k = np.flatnonzero(open_)
            mid = (lo[k] + hi[k]) // 2
            okm = ok_a(j[k], mid)
            hi[k] = np.where(okm, mid, hi[k])
            lo[k] = np.where(okm, lo[k], mid)
        need[j] = hi
    if scalar:
        return int(need.reshape(-1)[0])
    if idx is not None and len(idx) == need.size:
        return pd.Series(need.reshape(-1), index=idx, name="agents")
    return need.reshape(shape)

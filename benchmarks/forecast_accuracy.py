"""Forecast accuracy benchmark: ccnb's models and default against reference peers, one table.

    .venv/bin/python benchmarks/forecast_accuracy.py --csv /work/shared/real/bank_calls_5min_2003.csv \\
        --time-col DateTime --value-col Calls --freq 30min --country US
    .venv/bin/python benchmarks/forecast_accuracy.py --data data/sample --month 2026-10 [--queue billing]

One protocol for ccnb and every peer, in one run (``ccnb.forecast.backtest``'s):

* origins: ``--origins`` weekly instants, the last one ``--horizon`` days before the end of the
  data (the first instant after its last interval; a series ending Friday 21:00 has Friday 21:30
  origins at 30 minutes), so the last day is tested;
* test rows: every interval of every day with calls in the window (holidays and partial days
  included; WAPE is also printed per day class: normal, holiday, partial);
* metrics (``ccnb.forecast.backtest.score``): WAPE, MASE (error on the open intervals / in-sample
  weekly seasonal naive error on the open slots of the training days), bias, coverage of the
  80 % interval, at interval and daily level, and fit seconds per origin.

Models: ``ccnb:<model>`` (each candidate), ``ccnb default (auto)`` (what
``ccnb.forecast.forecast(model="auto")`` does at every origin: an inner backtest on the training
data chooses the model), ``hist_avg(N w)`` (the mean of the same weekday-slot over the last N
weeks with calls, Taylor 2008; computed here), and the peers, run in their own virtual
environment because statsforecast needs pandas < 3: ``benchmarks/.venv-peers`` (``--setup-peers``:
``python3 -m venv`` and ``pip install statsforecast "pandas<3" pyarrow``; ``--with-prophet`` adds
Prophet). What the peers are given:

* statsforecast (``SeasonalNaive`` with a weekly season, ``AutoETS`` with a daily season,
  ``MSTL`` with daily and weekly seasons and an ``AutoETS`` trend): one regular sequence of the
  open slots (the union over the week of the slots open before the first origin) of the open
  weekdays; statsforecast needs a gap-free sequence, so a **missing day** (an open weekday
  without calls) is **interpolated** with the same slots of the last earlier day of that weekday
  with calls (no zeros invented, nothing after the origin used). Seasons from the open slots:
  day = slots per open day, week = that x open weekdays.
* Prophet: only the rows of days with calls (Prophet fits irregular timestamps: missing days are
  **dropped**, not filled), daily and weekly seasonality.
* Negative forecasts and bounds of every peer are clipped at 0; closed slots are 0.

Example::

    .venv/bin/python benchmarks/forecast_accuracy.py --csv /work/shared/real/bank_calls_5min_2003.csv \
        --time-col DateTime --value-col Calls --freq 30min --country US [--setup-peers --with-prophet]
    .venv/bin/python benchmarks/forecast_accuracy.py --data data/sample --month 2026-10 [--queue billing]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ccnb.forecast import Settings, forecast  # noqa: E402
from ccnb.forecast.backtest import (  # noqa: E402
    DEFAULT_MODELS,
    as_timedelta,
    backtest,
    day_class,
    origins_for,
    score,
    summarise,
    window_of,
)
from ccnb.forecast.calendar import day_features  # noqa: E402
from ccnb.forecast.history import prepare, to_grid, truncate  # noqa: E402

PEERS_VENV = ROOT / "benchmarks" / ".venv-peers"

PEER_SCRIPT = r'''
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd
spec = json.load(open(sys.argv[1]))
y = pd.read_csv(spec["csv"])["y"].to_numpy(float)
out = []
from statsforecast import StatsForecast
from statsforecast.models import MSTL, AutoETS, SeasonalNaive
models = {
    "statsforecast:MSTL+AutoETS": lambda: MSTL(season_length=[spec["m_day"], spec["m_week"]],
                                               trend_forecaster=AutoETS(model="ZZN")),
    "statsforecast:AutoETS": lambda: AutoETS(season_length=spec["m_day"]),
    "statsforecast:SeasonalNaive": lambda: SeasonalNaive(season_length=spec["m_week"]),
}
level = int(round(100 * spec["level"]))
try:
    from prophet import Prophet
    import logging
    logging.getLogger("cmdstanpy").disabled = True
    pr = pd.read_csv(spec["prophet_csv"])
    pr["ds"] = pd.to_datetime(pr["ds"])
except ImportError:
    Prophet = None
for o in spec["origins"]:
    n, h = o["n_train"], o["h"]
    df = pd.DataFrame({"unique_id": "s", "ds": np.arange(n), "y": y[:n]})
    for name, mk in models.items():
        t0 = time.perf_counter()
        fc = StatsForecast(models=[mk()], freq=1, n_jobs=1).forecast(df=df, h=h, level=[level])
        col = [c for c in fc.columns if c not in ("unique_id", "ds") and "-lo-" not in c and "-hi-" not in c][0]
        out.append({"model": name, "origin": o["origin"], "ds": o["seq_ds"], "yhat": fc[col].tolist(),
                    "lo": fc[f"{col}-lo-{level}"].tolist(), "hi": fc[f"{col}-hi-{level}"].tolist(),
                    "fit_s": time.perf_counter() - t0})
    if Prophet is not None:
        t0 = time.perf_counter()
        m = Prophet(interval_width=spec["level"], daily_seasonality=True, weekly_seasonality=True)
        m.fit(pr[pr["ds"] < pd.Timestamp(o["origin"])])
        f = m.predict(pd.DataFrame({"ds": pd.to_datetime(o["seq_ds"])}))
        out.append({"model": "prophet", "origin": o["origin"], "ds": o["seq_ds"], "yhat": f["yhat"].tolist(),
                    "lo": f["yhat_lower"].tolist(), "hi": f["yhat_upper"].tolist(), "fit_s": time.perf_counter() - t0})
json.dump(out, open(sys.argv[2], "w"))
'''


def setup_peers(with_prophet: bool = False) -> None:
    """Create ``benchmarks/.venv-peers`` with statsforecast and pandas < 3 (and Prophet)."""
    if not (PEERS_VENV / "bin" / "python").exists():
        subprocess.run(["python3", "-m", "venv", str(PEERS_VENV)], check=True)
        (PEERS_VENV / ".gitignore").write_text("*\n")
    pkgs = ["statsforecast>=2", "pandas<3", "pyarrow"] + (["prophet"] if with_prophet else [])
    subprocess.run([str(PEERS_VENV / "bin" / "pip"), "install", "-q", *pkgs], check=True)


def load_csv(path, time_col, value_col) -> pd.Series:
    d = pd.read_csv(path)
    ts = pd.to_datetime(d[time_col].astype(str).str.rstrip("Z"))
    return pd.Series(d[value_col].to_numpy(float), index=ts).sort_index()


def load_data(folder, month, queue):
    import ccnb.data
    from ccnb.forecast.series import calendar_table, interval_series, series_of
    from ccnb.params import load_params

    p = load_params()
    tb = ccnb.data.load(folder, month=month, timezone=p.center.timezone)
    df = interval_series(tb, p)
    return series_of(df, queue), calendar_table(tb), p.center.country


def peer_input(grid: pd.Series, open_sow: np.ndarray, freq: pd.Timedelta, until: pd.Timestamp):
    """The peers' input (see the module doc).

    Returns ``seq`` (statsforecast: the open slots of every open weekday up to ``until``, a
    missing day interpolated from the last earlier same weekday with calls), ``present`` (Prophet:
    the open slots of the days with calls only), ``m_day``, ``m_week`` (season lengths from the
    open slots). ``seq`` has a bool attribute ``imputed`` (rows that are interpolated).
    """
    slots = np.flatnonzero(open_sow.any(axis=0))
    open_dows = [d for d in range(7) if open_sow[d].any()]
    days = pd.date_range(grid.index[0].normalize(), pd.Timestamp(until).normalize(), freq="D")
    days = days[days.day_of_week.isin(open_dows)]
    tot = grid.groupby(grid.index.normalize()).sum()
    has_calls = tot.reindex(days).fillna(0.0).to_numpy() > 0
    offs = pd.to_timedelta(slots * freq.value, unit="ns")
    vals, imputed, ts = [], [], []
    last_by_dow: dict[int, np.ndarray] = {}
    for d, ok in zip(days, has_calls):
        idx = d + offs
        if ok:
            v = grid.reindex(idx).fillna(0.0).to_numpy()
            last_by_dow[d.day_of_week] = v
            imputed.append(np.zeros(len(idx), bool))
        else:
            prev = last_by_dow.get(d.day_of_week)
            v = prev if prev is not None else np.full(len(idx), np.nan)
            imputed.append(np.ones(len(idx), bool))
        vals.append(v)
        ts.append(idx)
    seq = pd.Series(np.concatenate(vals), index=pd.DatetimeIndex(np.concatenate(ts)))
    imp = np.concatenate(imputed)
    # a missing day before any day of its weekday with calls: the next one with calls (start of the series only)
    seq = seq.groupby([seq.index.day_of_week, seq.index - seq.index.normalize()]).transform(lambda x: x.bfill())
    seq.attrs["imputed"] = imp
    present = seq[~imp]
    return seq, present, len(slots), len(slots) * len(open_dows)


def run_peers(seq: pd.Series, present: pd.Series, origins, hz, freq, level, m_day, m_week):
    """Run the peers on their input; forecasts on the open slots, clipped at 0: {model: {origin: (DataFrame, s)}}."""
    py = PEERS_VENV / "bin" / "python"
    if not py.exists():
        print(f"(peers skipped: {PEERS_VENV} not found; run with --setup-peers)", file=sys.stderr)
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "series.csv"
        pd.DataFrame({"ds": seq.index, "y": seq.to_numpy()}).to_csv(csv, index=False)
        pcsv = Path(tmp) / "present.csv"
        pd.DataFrame({"ds": present.index, "y": present.to_numpy()}).to_csv(pcsv, index=False)
        spec_o = []
        for o in origins:
            fut = seq.index[(seq.index >= o) & (seq.index < o + hz)]
            spec_o.append({"origin": str(o), "n_train": int((seq.index < o).sum()), "h": int(len(fut)),
                           "seq_ds": [str(x) for x in fut]})
        spec = {"csv": str(csv), "prophet_csv": str(pcsv), "origins": spec_o, "m_day": int(m_day),
                "m_week": int(m_week), "level": level}
        sp = Path(tmp) / "spec.json"
        sp.write_text(json.dumps(spec))
        script = Path(tmp) / "peers.py"
        script.write_text(PEER_SCRIPT)
        out = Path(tmp) / "out.json"
        subprocess.run([str(py), str(script), str(sp), str(out)], check=True)
        res = json.loads(out.read_text())
    fcs: dict[str, dict] = {}
    for r in res:
        o = pd.Timestamp(r["origin"])
        idx = pd.date_range(o, o + hz - freq, freq=freq)
        fc = pd.DataFrame(0.0, index=idx, columns=["yhat", "lo", "hi"])
        at = pd.DatetimeIndex(pd.to_datetime(r["ds"]))
        for c in ("yhat", "lo", "hi"):
            fc.loc[at, c] = np.maximum(np.nan_to_num(np.asarray(r[c], float)), 0.0)   # negatives clipped at 0
        fcs.setdefault(r["model"], {})[o] = (fc, r["fit_s"])
    return fcs


def hist_average(present: pd.Series, origins, hz, freq, weeks: int, level: float):
    """Taylor (2008)'s historical average: per slot, the mean of the same weekday-slot over the last ``weeks``
    days of that weekday with calls before the origin; interval mean +- z x their standard deviation."""
    from scipy import stats

    z = stats.norm.ppf(0.5 + level / 2)
    out = {}
    for o in origins:
        t0 = time.perf_counter()
        tr = present[present.index < o]
        key = [tr.index.day_of_week, tr.index - tr.index.normalize()]
        g = tr.groupby(key)
        mean = g.apply(lambda x: x.iloc[-weeks:].mean())
        sd = g.apply(lambda x: x.iloc[-weeks:].std(ddof=1) if len(x.iloc[-weeks:]) > 1 else 0.0)
        idx = pd.date_range(o, o + hz - freq, freq=freq)
        k = pd.MultiIndex.from_arrays([idx.day_of_week, idx - idx.normalize()])
        yh = mean.reindex(k).fillna(0.0).to_numpy()
        s = sd.reindex(k).fillna(0.0).to_numpy()
        fc = pd.DataFrame({"yhat": yh, "lo": np.maximum(yh - z * s, 0.0), "hi": yh + z * s}, index=idx)
        out[o] = (fc, time.perf_counter() - t0)
    return out


def by_day_class(long: pd.DataFrame) -> pd.DataFrame:
    """WAPE per model and day class (normal, holiday, partial) over the scored rows, with the days counted."""
    d = long[long["scored"]].assign(ae=lambda x: (x["y"] - x["yhat"]).abs())
    g = d.groupby(["model", "dayclass"], sort=False)
    t = (g["ae"].sum() / g["y"].sum()).unstack("dayclass")
    n = d.drop_duplicates(["model", "origin", "day"]).groupby(["model", "dayclass"], sort=False).size().unstack()
    t.columns = [f"wape_{c}" for c in t.columns]
    n.columns = [f"days_{c}" for c in n.columns]
    return t.join(n.iloc[:1].reindex(t.index).ffill().astype(int)).reset_index()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--csv")
    src.add_argument("--data", help="a ccnb data folder (the series is extracted with ccnb.forecast.interval_series)")
    ap.add_argument("--time-col", default="DateTime")
    ap.add_argument("--value-col", default="Calls")
    ap.add_argument("--month", default=None, help="with --data: the data as of this month's end")
    ap.add_argument("--queue", default=None, help="with --data: one queue (default: the whole center)")
    ap.add_argument("--freq", default="30min")
    ap.add_argument("--origins", type=int, default=4)
    ap.add_argument("--horizon", type=int, default=7, help="days")
    ap.add_argument("--country", default=None, help="public holidays (holidays package), e.g. US, CN")
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS))
    ap.add_argument("--ha-weeks", type=int, default=6, help="weeks of the historical average (Taylor 2008)")
    ap.add_argument("--no-default", action="store_true", help="skip the ccnb default (auto) row (it is the slowest)")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--setup-peers", action="store_true")
    ap.add_argument("--with-prophet", action="store_true")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    if a.setup_peers:
        setup_peers(a.with_prophet)
    calendar = None
    country = a.country
    if a.csv:
        series = load_csv(a.csv, a.time_col, a.value_col)
        name = Path(a.csv).name
    else:
        series, calendar, country = load_data(a.data, a.month, a.queue)
        country = a.country or country
        name = f"{a.data} ({a.queue or 'whole center'})"
    freq = pd.Timedelta(a.freq)
    hz = as_timedelta(a.horizon)
    st = Settings()
    models = [m for m in a.models.split(",") if m]
    grid = to_grid(series, freq)
    origins = origins_for(pd.DatetimeIndex(series.index), freq, a.origins, hz)
    print(f"series {name}: {len(grid):,} intervals of {a.freq}, {grid.index[0]:%Y-%m-%d} to {grid.index[-1]:%Y-%m-%d}; "
          f"{a.origins} origins {origins[0]:%Y-%m-%d %H:%M}..{origins[-1]:%Y-%m-%d %H:%M}, horizon {a.horizon} days; "
          f"intervals at {st.pi_level:.0%}; country {country}")
    t0 = time.perf_counter()
    table, long = backtest(series, freq, a.origins, hz, models, calendar=calendar, country=country, settings=st,
                           return_forecasts=True, origin_list=origins)
    table["model"] = "ccnb:" + table["model"]
    long["model"] = "ccnb:" + long["model"]
    rows, longs = [table], [long]
    span = pd.date_range(grid.index[0].normalize(), grid.index[-1].normalize() + hz + pd.Timedelta(days=2))
    feats = day_features(span, calendar, country, weekend=st.weekend_days)
    full = prepare(series, freq, calendar, country, None, st, feats)
    hist = {o: prepare(truncate(series, o), freq, calendar, country, None, st, feats) for o in origins}
    extra: dict[str, dict] = {}
    if not a.no_default:
        for o in origins:
            tr = truncate(series, o)
            t1 = time.perf_counter()
            fc = forecast(tr, hz, freq, calendar, "auto", country=country, settings=st)
            extra.setdefault("ccnb default (auto)", {})[o] = (fc[["yhat", "lo", "hi"]], time.perf_counter() - t1)
            print(f"  default at {o:%Y-%m-%d %H:%M}: chose {fc.attrs['model']}", file=sys.stderr)
    seq, present, m_day, m_week = peer_input(grid, hist[origins[0]].open_sow, freq, grid.index[-1] + hz)
    print(f"peers' input: {len(present):,} rows of days with calls, {int(seq.attrs['imputed'][seq.index <= grid.index[-1]].sum()):,} interpolated "
          f"for statsforecast (missing days); seasons {m_day} (day) and {m_week} (week) slots", file=sys.stderr)
    extra[f"hist_avg({a.ha_weeks} w)"] = hist_average(present, origins, hz, freq, a.ha_weeks, st.pi_level)
    if not a.no_peers:
        extra.update(run_peers(seq, present, origins, hz, freq, st.pi_level, m_day, m_week))
    srows = []
    for model, per in extra.items():
        for o, (fc, dt) in per.items():
            index, actual, vd, open_i, sc, sc_d = window_of(grid, hist[o], o, hz)
            f = fc.reindex(index).fillna(0.0)
            srows.append({"model": model, "origin": o, "fit_s": dt, **score(actual, f, sc, sc_d, open_i)})
            longs.append(f.assign(y=actual.to_numpy(), model=model, origin=o, scored=vd, open=open_i,
                                  dayclass=day_class(full, index.normalize())).rename_axis("ts").reset_index())
    if srows:
        rows.append(summarise(pd.DataFrame(srows)))
    out = pd.concat(rows, ignore_index=True)
    cols = ["model", "wape", "mase", "bias", "pi_coverage", "wape_daily", "mase_daily", "fit_s", "origins"]
    allf = pd.concat(longs, ignore_index=True)
    allf["day"] = pd.to_datetime(allf["ts"]).dt.normalize()
    cls = by_day_class(allf)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(out[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        print("\nWAPE by day class (the scored days: normal, holiday, partial):")
        print(cls.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"total {time.perf_counter() - t0:.0f} s")
    out.attrs["by_day_class"] = cls
    return out


if __name__ == "__main__":
    main()

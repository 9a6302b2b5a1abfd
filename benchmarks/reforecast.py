"""Intraday reforecast benchmark: WAPE of the rest of the day, reforecast at 10:00 and 12:00 vs the morning forecast.

    .venv/bin/python benchmarks/reforecast.py --csv /work/shared/real/bank_calls_5min_2003.csv --country US
    .venv/bin/python benchmarks/reforecast.py --data data/sample --month 2026-10

For every day with calls in the last ``--weeks`` weeks of the series: the morning forecast of the day
(``ccnb.forecast.reforecast.morning_forecast``: made at the day's first instant from the history before it)
and, at each ``--at`` time, ``ccnb.forecast.reforecast`` from the day's counts before that time. Both are
scored on the same rows, the intervals from that time to the day's end: WAPE = sum |y - yhat| / sum y
pooled over the days. Also printed: the mean update factor r and the mean shrinkage weight w.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ccnb.forecast import Settings  # noqa: E402
from ccnb.forecast.history import to_grid  # noqa: E402
from ccnb.forecast.reforecast import morning_forecast, reforecast  # noqa: E402


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
    return series_of(interval_series(tb, p), queue), calendar_table(tb), p.center.country, p


def run(series, calendar, country, settings, freq, weeks, at, model) -> pd.DataFrame:
    """One row per (day, time): ``day``, ``at``, ``y`` (rest of the day), ``abs_morning``, ``abs_reforecast``,
    ``factor``, ``weight``."""
    grid = to_grid(series, freq)
    tot = grid.groupby(grid.index.normalize()).sum()
    last = grid.index[-1].normalize()
    days = tot[(tot > 0) & (tot.index > last - pd.Timedelta(weeks=weeks))].index
    rows = []
    for d in days:
        m = morning_forecast(series, d, freq, calendar, country=country, settings=settings, model=model)
        for hhmm in at:
            now = d + pd.Timedelta(hhmm + ":00")
            r = reforecast(series, now, freq, calendar, morning=m, country=country, settings=settings)
            y = grid.reindex(r.index).fillna(0.0).to_numpy()
            rows.append({"day": d, "at": hhmm, "y": y.sum(), "abs_morning": np.abs(y - r["morning"].to_numpy()).sum(),
                         "abs_reforecast": np.abs(y - r["yhat"].to_numpy()).sum(), "factor": r.attrs["factor"],
                         "weight": r.attrs["weight"]})
    return pd.DataFrame(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--csv")
    src.add_argument("--data")
    ap.add_argument("--time-col", default="DateTime")
    ap.add_argument("--value-col", default="Calls")
    ap.add_argument("--month", default=None)
    ap.add_argument("--queue", default=None)
    ap.add_argument("--freq", default="30min")
    ap.add_argument("--country", default=None)
    ap.add_argument("--weeks", type=int, default=4, help="the last weeks of the series whose days are tested")
    ap.add_argument("--at", default="10:00,12:00")
    ap.add_argument("--model", default="daily_regression")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    calendar, country, st = None, a.country, Settings()
    if a.csv:
        series, name = load_csv(a.csv, a.time_col, a.value_col), Path(a.csv).name
    else:
        series, calendar, country, p = load_data(a.data, a.month, a.queue)
        country = a.country or country
        st = Settings.from_params(p)
        name = f"{a.data} ({a.queue or 'whole center'})"
    t0 = time.perf_counter()
    res = run(series, calendar, country, st, pd.Timedelta(a.freq), a.weeks, a.at.split(","), a.model)
    g = res.groupby("at")
    out = pd.DataFrame({"days": g.size(), "calls_rest_of_day": g["y"].sum(),
                        "wape_morning": g["abs_morning"].sum() / g["y"].sum(),
                        "wape_reforecast": g["abs_reforecast"].sum() / g["y"].sum(),
                        "mean_factor": g["factor"].mean(), "mean_weight": g["weight"].mean()}).reset_index()
    out["change"] = out["wape_reforecast"] / out["wape_morning"] - 1
    print(f"series {name}: days with calls in the last {a.weeks} weeks, model {a.model}, country {country}")
    print(out.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"total {time.perf_counter() - t0:.0f} s")
    return out


if __name__ == "__main__":
    main()

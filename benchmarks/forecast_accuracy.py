"""Forecast accuracy benchmark: ccnb's models and default against reference peers, one table.

    .venv/bin/python benchmarks/forecast_accuracy.py --csv /work/shared/real/bank_calls_5min_2003.csv \\
        --time-col DateTime --value-col Calls --freq 30min --country US
    .venv/bin/python benchmarks/forecast_accuracy.py --data data/sample --month 2026-10 [--queue billing]

The same rolling-origin backtest as ``ccnb.forecast.backtest`` (``--origins`` weekly origins,
``--horizon`` days ahead, 4 and 7 by default): every model, ccnb's or a peer's, is trained on the
series before each origin and scored by the same code (WAPE, MASE scaled by the in-sample weekly
seasonal naive, bias, coverage of its 80 % interval, daily WAPE and MASE, seconds per origin).

* ``ccnb:<model>``: each candidate; ``ccnb default (auto)``: what ``ccnb.forecast.forecast(model="auto")``
  does, i.e. an inner backtest on the training data chooses the model at every origin.
* peers (statsforecast's ``MSTL`` with an ``AutoETS`` trend, ``AutoETS``, ``SeasonalNaive``; Prophet
  when installed) run in their own virtual environment because statsforecast needs pandas < 3:
  ``benchmarks/.venv-peers`` (``--setup-peers`` creates it: ``python3 -m venv`` and
  ``pip install statsforecast "pandas<3" pyarrow``; add ``--with-prophet`` for Prophet). Data goes
  to them as CSV: the open intervals as one regular sequence (closed nights and weekends dropped,
  as the fpp3 treatment of this data does), seasons of one open day and one open week.
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
from ccnb.forecast.backtest import (DEFAULT_MODELS, as_timedelta, backtest, origins_for, score, snaive_scale,  # noqa: E402
                                    summarise)
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
for o in spec["origins"]:
    n, h = o["n_train"], o["h"]
    df = pd.DataFrame({"unique_id": "s", "ds": np.arange(n), "y": y[:n]})
    for name, mk in models.items():
        t0 = time.perf_counter()
        fc = StatsForecast(models=[mk()], freq=1, n_jobs=1).forecast(df=df, h=h, level=[level])
        col = [c for c in fc.columns if c not in ("unique_id", "ds") and "-lo-" not in c and "-hi-" not in c][0]
        out.append({"model": name, "origin": o["origin"], "yhat": fc[col].tolist(),
                    "lo": fc[f"{col}-lo-{level}"].tolist(), "hi": fc[f"{col}-hi-{level}"].tolist(),
                    "fit_s": time.perf_counter() - t0})
    try:
        from prophet import Prophet
        import logging
        logging.getLogger("cmdstanpy").disabled = True
        ts = pd.to_datetime(pd.read_csv(spec["csv"])["ds"])
        t0 = time.perf_counter()
        m = Prophet(interval_width=spec["level"], daily_seasonality=True, weekly_seasonality=True)
        m.fit(pd.DataFrame({"ds": ts[:n], "y": y[:n]}))
        f = m.predict(pd.DataFrame({"ds": pd.to_datetime(o["future_ds"])}))
        out.append({"model": "prophet", "origin": o["origin"], "yhat": f["yhat"].tolist(),
                    "lo": f["yhat_lower"].tolist(), "hi": f["yhat_upper"].tolist(), "fit_s": time.perf_counter() - t0})
    except ImportError:
        pass
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


def run_peers(grid: pd.Series, open_mask: pd.Series, origins, hz, freq, level, spd_open, week_open):
    """Peers on the open intervals as one sequence; forecasts mapped back to the grid (closed = 0)."""
    py = PEERS_VENV / "bin" / "python"
    if not py.exists():
        print(f"(peers skipped: {PEERS_VENV} not found; run with --setup-peers)", file=sys.stderr)
        return {}
    seq = grid[open_mask.reindex(grid.index).fillna(False).to_numpy(bool)]
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "series.csv"
        pd.DataFrame({"ds": seq.index, "y": seq.to_numpy()}).to_csv(csv, index=False)
        spec_o = []
        for o in origins:
            idx = pd.date_range(o, o + hz - freq, freq=freq)
            fut = idx[open_mask.reindex(idx).fillna(False).to_numpy(bool)]
            spec_o.append({"origin": str(o), "n_train": int((seq.index < o).sum()), "h": int(len(fut)),
                           "future_ds": [str(x) for x in fut]})
        spec = {"csv": str(csv), "origins": spec_o, "m_day": int(spd_open), "m_week": int(week_open), "level": level}
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
        m = open_mask.reindex(idx).fillna(False).to_numpy(bool)
        fc = pd.DataFrame(0.0, index=idx, columns=["yhat", "lo", "hi"])
        for c in ("yhat", "lo", "hi"):
            fc.loc[m, c] = np.maximum(np.asarray(r[c], float), 0.0)
        fcs.setdefault(r["model"], {})[o] = (fc, r["fit_s"])
    return fcs


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
          f"{a.origins} origins {origins[0]:%Y-%m-%d}..{origins[-1]:%Y-%m-%d}, horizon {a.horizon} days; "
          f"intervals at {st.pi_level:.0%}")
    t0 = time.perf_counter()
    table = backtest(series, freq, a.origins, hz, models, calendar=calendar, country=country, settings=st)
    table["model"] = "ccnb:" + table["model"]
    rows = [table]
    # score the default and peers with the same code as the backtest
    span = pd.date_range(grid.index[0].normalize(), grid.index[-1].normalize() + hz + pd.Timedelta(days=2))
    feats = day_features(span, calendar, country)
    full = prepare(series, freq, calendar, country, None, st, feats)
    extra: dict[str, dict] = {}
    if not a.no_default:
        for o in origins:
            tr = truncate(series, o)
            t1 = time.perf_counter()
            fc = forecast(tr, hz, freq, calendar, "auto", country=country, settings=st)
            extra.setdefault("ccnb default (auto)", {})[o] = (fc[["yhat", "lo", "hi"]], time.perf_counter() - t1)
            print(f"  default at {o:%Y-%m-%d}: chose {fc.attrs['model']}", file=sys.stderr)
    if not a.no_peers:
        spd = full.spd
        open_days = full.open_sow.any(axis=1)
        spd_open = int(np.median(full.open_sow[open_days].sum(axis=1))) if open_days.any() else spd
        week_open = int(full.open_sow.sum())
        open_mask = pd.Series(full.open_mask(pd.date_range(grid.index[0], grid.index[-1] + hz, freq=freq), feats),
                              index=pd.date_range(grid.index[0], grid.index[-1] + hz, freq=freq))
        extra.update(run_peers(grid, open_mask, origins, hz, freq, st.pi_level, spd_open, week_open))
    srows = []
    valid_all = full.days["valid"]
    for model, per in extra.items():
        for o, (fc, dt) in per.items():
            h = prepare(truncate(series, o), freq, calendar, country, None, st, feats)
            idx = fc.index
            vd = valid_all.reindex(idx.normalize()).fillna(False).to_numpy(bool)
            actual = grid.reindex(idx).fillna(0.0).where(vd, 0.0)
            dy = h.y.groupby(h.y.index.normalize()).sum()
            srows.append({"model": model, "origin": o, "fit_s": dt,
                          **score(actual, fc.mul(vd.astype(float), axis=0), snaive_scale(h.y, h.days["valid"]),
                                  snaive_scale(dy, h.days["valid"], daily=True))})
    if srows:
        rows.append(summarise(pd.DataFrame(srows)))
    out = pd.concat(rows, ignore_index=True)
    cols = ["model", "wape", "mase", "bias", "pi_coverage", "wape_daily", "mase_daily", "fit_s", "origins"]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(out[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"total {time.perf_counter() - t0:.0f} s")
    return out


if __name__ == "__main__":
    main()

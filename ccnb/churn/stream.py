"""Feature rows in batches, population sizes and the (sampled) training rows: lean at any scale.

A month of 10M contacts has ~4.3 million customers in one cutoff's feature population
(~45 columns, ~1.5 GB as pandas). Nothing here holds more than one batch of them:

* :func:`batches` streams a cutoff's feature rows from DuckDB, ``CHUNK_ROWS`` rows at a
  time (``fetch_df_chunk``). They come unsorted (sorting every feature column of millions
  of rows is what exhausts DuckDB's memory) with ``_row``, the row's 0-based position in
  ``customer_id`` order, so that :func:`ordered` puts whatever per-row results the caller
  keeps in the order of :func:`ccnb.churn.features`: results do not depend on the batch size.
* :func:`training_frame` stacks the training cutoffs' features with their label. The
  training rows are capped by ``churn.train_rows_max`` per cutoff: when the largest training
  population ``n_max`` exceeds it, every training cutoff ``c`` keeps the same share
  ``r = train_rows_max / n_max`` of its customers, ``floor(n_c train_rows_max / n_max)`` of
  them: those with the smallest ``md5("<churn.seed>:<cutoff date>:<customer_id>")``, chosen in
  DuckDB after the RFM thirds are ranked on the whole population. A seeded uniform random
  sample: every row has the same chance, so the logit's slopes stay unbiased and the churn
  rate (hence the intercept) is kept up to sampling error; reruns give the same rows and so
  the same model. When every population fits under the cap, every row is used.

While a batch iterator is open, no other query may run on ``tables.con`` (DuckDB would
close the streamed result): callers only compute in Python between batches.
"""
from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import numpy as np
import pandas as pd

from ccnb.churn.cache import cached, key
from ccnb.churn.features import check_cutoff, to_cutoff, typed
from ccnb.churn.parts import population_sql, sql_for
from ccnb.engine.connection import memory_limit_bytes, release_memory

#: Rows per batch. DuckDB hands out multiples of its vector size (2,048 rows); smaller
#: batches are cut from those.
CHUNK_ROWS = 200_000
_VECTOR = 2048
#: DuckDB memory per customer whose features one query computes (bytes): a larger population is
#: split into parts by a hash of the id (each query aggregates only its customers' contacts, so
#: DuckDB's memory follows the part, not the month). Measured on a 10M-contact month: parts of
#: 1M customers fit a 2 GB ``memory_limit``, 0.5M fit 1 GB; one query for 5.6M exhausts 2 GB.
PART_BYTES_PER_CUSTOMER = 2_000
#: A fixed number of customers per part (tests); None: ``memory_limit / PART_BYTES_PER_CUSTOMER``.
PART_ROWS: int | None = None
_names = itertools.count()


def batches(tables, cutoff, cp, kp, *, label_days: int | None = None, sample: int | None = None,
            seed: int = 0, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """The feature rows at ``cutoff`` (typed as :func:`ccnb.churn.features`, plus ``_row``), in batches.

    Two steps in DuckDB: the RFM ranks of the whole population (a narrow temporary table,
    :func:`ccnb.churn.parts.rank_sql`; ``sample``: that many seeded random customers), then
    the features of those customers, :func:`part_rows` at a time (:func:`~ccnb.churn.parts.batch_sql`;
    ``label_days`` adds ``churned``). At least one batch is yielded (empty when no customer
    qualifies), so that the columns are always known.
    """
    cutoff = to_cutoff(cutoff)
    check_cutoff(tables, cutoff)
    n = int(chunk_rows or CHUNK_ROWS)
    if n < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {n}")
    con = tables.con
    name = f"_churn_ranks_{os.getpid()}_{next(_names)}"
    con.execute(f"CREATE TEMP TABLE {name} AS {sql_for('rank', cutoff, cp, kp, sample=sample, seed=seed)}")
    try:
        total = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        parts = max(1, -(-total // part_rows(con)))
        empty = None
        for i in range(parts):
            res = con.execute(sql_for("batch", cutoff, cp, kp, ranks=name, label_days=label_days,
                                      sampled=sample is not None, part=(i, parts) if parts > 1 else None))
            while True:
                df = res.fetch_df_chunk(max(1, -(-n // _VECTOR)))
                if not len(df):
                    empty = df
                    break
                for k in range(0, len(df), n):
                    yield typed(df.iloc[k:k + n].reset_index(drop=True))
        if not total:
            yield typed(empty)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {name}")
        release_memory(con)  # DuckDB's buffers of the month's contacts: not kept beside the caller's results


def part_rows(con) -> int:
    """Customers per feature query: ``PART_ROWS`` if set, else what DuckDB's current limit holds."""
    if PART_ROWS:
        return int(PART_ROWS)
    return max(50_000, memory_limit_bytes(con) // PART_BYTES_PER_CUSTOMER)


def concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The batches as one frame; empties ``parts`` (millions of rows: the batches are not kept
    beside their concatenation)."""
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    parts.clear()
    return df


def ordered(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Batches' per-row results (each with ``_row``) as one frame in ``customer_id`` order, without ``_row``.

    :func:`concat`, then one ``take`` (``_row`` is a permutation) puts the rows in order.
    """
    df = concat(parts)
    order = np.argsort(df["_row"].to_numpy(), kind="stable")
    return df.drop(columns="_row").take(order).reset_index(drop=True)


def check_label(tables, cutoff: pd.Timestamp, days: int) -> None:
    """A ``ValueError`` when the ``days``-day label after ``cutoff`` is not fully observed in ``tables``."""
    end = getattr(tables, "end", None)
    if end is not None and cutoff + pd.Timedelta(days=int(days)) > end:
        raise ValueError(f"the {int(days)}-day label after {cutoff:%Y-%m-%d} is not fully observed as of "
                         f"{end:%Y-%m-%d}")


def population_size(tables, cutoff, params) -> int:
    """Customers :func:`ccnb.churn.features` returns at ``cutoff`` (counted in DuckDB; cached)."""
    cutoff = to_cutoff(cutoff)
    check_cutoff(tables, cutoff)
    cp = params.churn
    return cached(tables, ("population", key(cutoff, params)), lambda: int(
        tables.con.execute(population_sql(cutoff, cp.lookback_days, cp.population)).fetchone()[0]))


def remember_population(tables, cutoff, params, n: int) -> None:
    """Record a population size counted while streaming every row (saves :func:`population_size` a query)."""
    cached(tables, ("population", key(to_cutoff(cutoff), params)), lambda: int(n))


def sample_sizes(sizes: list[int], cap: int) -> list[int | None]:
    """Customers kept per cutoff: ``None`` (all) when every size is within ``cap``, else ``n_c cap // max(sizes)``."""
    top = max(sizes, default=0)
    if top <= cap:
        return [None] * len(sizes)
    return [n * int(cap) // top for n in sizes]


def labelled(tables, cutoff, params, sample: int | None = None) -> pd.DataFrame:
    """Features and ``churned`` at ``cutoff`` (``sample``: that many seeded random customers), with a
    leading ``cutoff`` column; in ``customer_id`` order. Cached when small."""
    cp = params.churn
    cutoff = to_cutoff(cutoff)
    check_cutoff(tables, cutoff)
    check_label(tables, cutoff, cp.label_days)

    def make() -> pd.DataFrame:
        f = ordered(list(batches(tables, cutoff, cp, params.kpi, label_days=cp.label_days, sample=sample,
                                 seed=cp.seed)))
        f.insert(0, "cutoff", cutoff)
        return f

    name = ("labelled", key(cutoff, params), int(cp.label_days), sample, int(cp.seed) if sample is not None else None)
    return cached(tables, name, make)


def training_frame(tables, cutoffs, params) -> pd.DataFrame:
    """Stacked training rows of ``cutoffs``: ``cutoff``, the features, ``churned`` (bool); sampled
    as the module docstring says. ``attrs``: ``population`` (rows before sampling), ``rows``
    (rows used), ``sampled`` (bool)."""
    sizes = [population_size(tables, c, params) for c in cutoffs]
    keep = sample_sizes(sizes, params.churn.train_rows_max)
    parts = [labelled(tables, c, params, m) for c, m in zip(cutoffs, keep)]
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(population=int(sum(sizes)), rows=len(out), sampled=any(m is not None for m in keep))
    return out


def compute(tables, cutoff, cp, kp) -> pd.DataFrame:
    """Features with ``cp`` = ``params.churn`` and ``kp`` = ``params.kpi`` (see :mod:`ccnb.churn.features`),
    fetched in batches (:func:`batches`) and put in ``customer_id`` order."""
    cutoff = to_cutoff(cutoff)
    return ordered(list(batches(tables, cutoff, cp, kp)))

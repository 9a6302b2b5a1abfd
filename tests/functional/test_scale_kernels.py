"""Memory at scale: a report run keeps one notebook kernel alive at a time.

papermill (nbclient) does not shut down a kernel whose manager it was given, so before
this was fixed every finished notebook's kernel (its pandas frames and DuckDB buffers)
lived until the run ended: on a 10M-contact month the overview, forecasting and KPI
kernels held 1.0-1.3 GB each while the next notebook ran (benchmarks/scale.py --pack).
"""
from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from ccnb.core import config
from ccnb.pipeline import nbrun

ROOT = Path(__file__).resolve().parents[2]


def _kernels() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)
            if "ipykernel" in " ".join(p.cmdline()) and p.status() != psutil.STATUS_ZOMBIE}


@pytest.mark.slow
def test_kernel_is_shut_down_after_each_notebook(tmp_path, fixture_notebooks, fixture_data):
    try:
        nbrun.check_kernel(config.KERNEL_NAME)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"no ccnb kernel: {e}")
    nb = fixture_notebooks / "ok" / "00_summary.ipynb"
    out = tmp_path / "out"
    for sub in ("files", "restricted", "summary"):
        (out / sub).mkdir(parents=True)
    before = _kernels()
    nbrun.execute(nb, tmp_path / "executed.ipynb",
                  {"month": "2026-10", "data_dir": str(fixture_data), "params_path": str(config.DEFAULT_PARAMS),
                   "lang": "en", "out_dir": str(out)}, cwd=nb.parent, log_path=tmp_path / "kernel.log")
    assert (tmp_path / "executed.ipynb").is_file()
    left = _kernels() - before
    assert not left, f"kernel processes still running after the notebook finished: {sorted(left)}"

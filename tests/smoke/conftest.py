"""Shared data for smoke tests: a small generated center and the full sample.

``small_sample``: four months (2026-07..2026-10) of a reduced center, generated once
per test session from a fixed seed (fast; enough for notebooks and models to run).
``full_sample``: the project's sample (data/sample, completed by the setup command).
"""
import pathlib

import pytest

from ccnb.core import config

SMALL_MONTHS = "2026-07..2026-10"
SMALL_CONTACTS = 60_000
SMALL_SEED = 7


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    old = config.CACHE_DIR
    config.CACHE_DIR = tmp_path_factory.mktemp("ccnb-cache")
    yield
    config.CACHE_DIR = old


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory) -> pathlib.Path:
    from ccnb.sample import write_sample

    out = tmp_path_factory.mktemp("small-sample")
    write_sample(out, seed=SMALL_SEED, months=SMALL_MONTHS, contacts=SMALL_CONTACTS)
    return out


@pytest.fixture(scope="session")
def full_sample() -> pathlib.Path:
    manifest = config.SAMPLE_DIR / "MANIFEST.json"
    assert manifest.exists(), "the sample is incomplete: run the setup command (make setup)"
    return config.SAMPLE_DIR

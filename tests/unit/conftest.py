import pathlib

import pytest

from ccnb.core import config


@pytest.fixture(scope="session")
def project_root() -> pathlib.Path:
    return config.PROJECT_DIR


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Validated-data caches of the unit tests go to a temporary folder."""
    old = config.CACHE_DIR
    config.CACHE_DIR = tmp_path_factory.mktemp("ccnb-cache")
    yield
    config.CACHE_DIR = old

"""Fixtures shared by every test folder (keep generic; folder-specific ones live in that folder's conftest).

* ``test_cache`` (autouse, session): validated-data caches go to a temporary folder,
  for this process **and** for the notebook kernels the pipeline starts (``CCNB_CACHE``).
* ``fixture_notebooks`` / ``fixture_data``: the small notebook sets and hand-written data
  in ``tests/fixtures/notebooks/`` (``ok/``, ``failing/``, ``data/``).
* ``artifacts_dir``: ``tests/artifacts/`` (gitignored) for screenshots and page images.
* ``pdf_text(path)``: the text of a PDF via poppler's ``pdftotext`` (skips without it).
* ``chromium``: path of Debian's headless Chromium (skips with the reason when absent).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ccnb.core import config

TESTS_DIR = Path(__file__).resolve().parent
FIXTURE_NOTEBOOKS = TESTS_DIR / "fixtures" / "notebooks"
CHROMIUM = Path(os.environ.get("CCNB_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(autouse=True, scope="session")
def test_cache(tmp_path_factory):
    """A session-wide data cache, also seen by notebook kernels (they read ``CCNB_CACHE``)."""
    old_dir, old_env = config.CACHE_DIR, os.environ.get("CCNB_CACHE")
    cache = tmp_path_factory.mktemp("ccnb-cache")
    config.CACHE_DIR = cache
    os.environ["CCNB_CACHE"] = str(cache)
    yield cache
    config.CACHE_DIR = old_dir
    if old_env is None:
        os.environ.pop("CCNB_CACHE", None)
    else:
        os.environ["CCNB_CACHE"] = old_env


@pytest.fixture(scope="session")
def fixture_notebooks() -> Path:
    return FIXTURE_NOTEBOOKS


@pytest.fixture(scope="session")
def fixture_data() -> Path:
    return FIXTURE_NOTEBOOKS / "data"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    d = TESTS_DIR / "artifacts"
    d.mkdir(exist_ok=True)
    return d


@pytest.fixture(scope="session")
def pdf_text():
    """``pdf_text(path, first=None, last=None) -> str`` using ``pdftotext -layout``."""
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; run `make setup`")

    def read(path: Path, first: int | None = None, last: int | None = None) -> str:
        cmd = [exe, "-layout", "-enc", "UTF-8"]
        if first:
            cmd += ["-f", str(first)]
        if last:
            cmd += ["-l", str(last)]
        return subprocess.run(cmd + [str(path), "-"], check=True, capture_output=True, text=True).stdout

    return read


@pytest.fixture(scope="session")
def pdf_pages():
    """``pdf_pages(path) -> int`` using ``pdfinfo``."""
    exe = shutil.which("pdfinfo")
    if exe is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed; run `make setup`")

    def pages(path: Path) -> int:
        out = subprocess.run([exe, str(path)], check=True, capture_output=True, text=True).stdout
        return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))

    return pages


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (Debian package `chromium`; run `make setup`)")
    return CHROMIUM


@pytest.fixture(scope="session")
def fixture_packs(tmp_path_factory, fixture_notebooks, fixture_data):
    """``fixture_packs(lang) -> Path``: a report pack built once per session from ``fixtures/notebooks/ok``.

    Packs go to one session ``reports`` folder (``<month>`` and ``<month>-zh`` side by side).
    """
    from ccnb.pipeline import report

    out = tmp_path_factory.mktemp("reports")
    built: dict[str, Path] = {}

    def build(lang: str = "en") -> Path:
        if lang not in built:
            built[lang] = report.run("2026-10", data=fixture_data, out=out, lang=lang,
                                     notebooks_dir=fixture_notebooks / "ok", progress=None)
        return built[lang]

    return build


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item (``item.rep_setup``, ``rep_call``): fixtures can see how a test ended."""
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep

"""Every path ccnb uses, defined once (cookiecutter-data-science style).

Paths resolve against the project root: the folder holding ``pyproject.toml``
above this package, or ``$CCNB_HOME`` when set (an installed package outside a
checkout). Cache and report locations can be moved with environment variables so
that a scheduler or a read-only checkout can run ccnb.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = Path(os.environ.get("CCNB_HOME", PACKAGE_DIR.parent)).resolve()

NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
PARAMS_DIR = PROJECT_DIR / "params"
DEFAULT_PARAMS = PARAMS_DIR / "default.yaml"
DATA_DIR = PROJECT_DIR / "data"
SAMPLE_DIR = DATA_DIR / "sample"
REPORTS_DIR = Path(os.environ.get("CCNB_REPORTS", PROJECT_DIR / "reports")).resolve()
DOCS_DIR = PROJECT_DIR / "docs"
LOCALE_DIR = PACKAGE_DIR / "i18n" / "locale"
TEMPLATES_DIR = PACKAGE_DIR / "render" / "templates"
#: Validated tables are cached here as DuckDB files keyed by an input fingerprint.
CACHE_DIR = Path(os.environ.get("CCNB_CACHE", Path.home() / ".cache" / "ccnb")).resolve()

#: Secrets kept on this machine only (the key of masked customer references), never in a pack.
SECRETS_DIR = Path(os.environ.get("CCNB_SECRETS", Path.home() / ".config" / "ccnb")).resolve()

#: Jupyter kernel the report pipeline passes to papermill (registered by setup).
KERNEL_NAME = os.environ.get("CCNB_KERNEL", "ccnb")

#: The month the README's first command reports on (the sample's last full month).
SAMPLE_MONTH = "2026-10"
#: Seed of the committed sample data.
SAMPLE_SEED = 20261031

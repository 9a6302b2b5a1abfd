"""The list of every report pack in an output folder (``reports/index.html``), in both languages."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import jinja2

from ccnb import __version__
from ccnb.core import config
from ccnb.i18n.labels import t


def archive_html(path: str | Path, rows: Sequence[Mapping]) -> Path:
    """Write the page to ``path``. ``rows``: newest first, each ``{"month": {lang: name}, "packs": {lang: href}}``."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(config.TEMPLATES_DIR)), autoescape=True,
                             keep_trailing_newline=True)
    labels = {k: {lg: t(f"report.{k}", lg) for lg in ("en", "zh")}
              for k in ("archive_title", "archive_intro", "archive_month", "archive_lang_en", "archive_lang_zh")}
    html = env.get_template("archive.html.j2").render(
        version=__version__, css=(config.TEMPLATES_DIR / "report.css").read_text(encoding="utf-8"),
        labels=labels, rows=rows)
    out = Path(path)
    out.write_text(html, encoding="utf-8")
    return out

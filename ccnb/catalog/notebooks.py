"""The notebooks of a report pack: how their file names may look (pure data).

A notebook's stem becomes a file name in the pack (``<stem>.html``, ``pdf/<stem>.pdf``) and may
come from params (``report.notebooks``), so only plain names pass: letters, digits, ``_ . - ``
and spaces, no folders, no ``..``, no leading or trailing blanks.
"""
from __future__ import annotations

import re

NB_NAME = re.compile(r"[\w][\w.\- ]*")


def plain_name(stem: str) -> bool:
    """True when ``stem`` is a plain notebook name (see the module docstring)."""
    return bool(NB_NAME.fullmatch(stem)) and ".." not in stem and stem == stem.strip()

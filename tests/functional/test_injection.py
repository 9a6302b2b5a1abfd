"""Data and arguments are text, never markup or code: script payloads through the real notebooks, in Chromium.

``payload_packs`` (conftest) runs every notebook of ``notebooks/`` on a small generated center
whose agent name, team, supervisor, queue, contact reason, complaint category, holiday name and
center name carry HTML/script payloads, from a data folder whose *name* carries quotes,
``$(touch pwned)``, a backslash and Chinese. Each payload sets ``window.__pwned`` or opens a
dialog if it ever runs.
"""
from __future__ import annotations

import html.parser
import re
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow
#: Zero-width characters tables put between the letters of names so that they do not break across lines.
ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")


class _Markup(html.parser.HTMLParser):
    """Tags and attributes of a page (what a browser would build), to find injected markup."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in ("href", "src", "srcdoc", "action", "formaction") and value:
                self.urls.append(value)


def reports(pack: Path) -> list[Path]:
    return sorted(pack.glob("*.html"))


def test_payloads_are_escaped_in_every_html_page(payload_packs, payloads):
    pack, _ = payload_packs[0]
    pages = reports(pack)
    assert len(pages) >= 2 and (pack / "index.html") in pages
    shown = set()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        m = _Markup()
        m.feed(text)
        assert not {"script", "iframe", "svg", "object", "embed", "form", "base"} & set(m.tags), page.name
        assert m.handlers == [], (page.name, m.handlers)
        assert not [u for u in m.urls if u.strip().lower().startswith(("javascript:", "http:", "https:"))], page.name
        unescaped = ZERO_WIDTH.sub("", html.unescape(re.sub(r"<[^>]+>", "", text)))
        shown |= {k for k, v in payloads.items() if v in unescaped}
    # the payloads the reports show (as text) must include the ones every center has
    assert {"agent", "queue", "center"} <= shown, shown


@pytest.mark.browser
def test_no_payload_runs_in_chromium_and_the_text_is_visible(payload_packs, payloads, chromium, browser_args,
                                                            tmp_path, artifacts_dir):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    pack, _ = payload_packs[0]
    problems: list[str] = []
    visible: set[str] = set()
    with sync_api.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=str(chromium),
                                                    args=browser_args, headless=True, offline=True,
                                                    viewport={"width": 1200, "height": 900})
        for page_path in reports(pack):
            page = ctx.new_page()
            page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            page.on("console", lambda m: m.type in ("error", "warning") and problems.append(f"console: {m.text}"))
            page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
            page.on("request", lambda r: not r.url.startswith(("file://", "data:")) and problems.append(r.url))
            page.goto(page_path.as_uri(), wait_until="load")
            page.mouse.move(300, 300)
            page.wait_for_timeout(200)
            assert page.evaluate("typeof window.__pwned") == "undefined", page_path.name
            assert page.locator("script").count() == 0
            text = ZERO_WIDTH.sub("", page.evaluate("document.body.innerText"))
            visible |= {k for k, v in payloads.items() if v in text}
            if page_path.name != "index.html" and "agent" in visible:
                page.screenshot(path=str(artifacts_dir / f"payload-{page_path.stem}.png"), full_page=True)
            page.close()
        ctx.close()
    assert problems == []
    assert {"agent", "queue", "center"} <= visible, visible


def test_payloads_print_as_text_in_the_pdfs(payload_packs, payloads, pdf_text):
    pack, _ = payload_packs[0]
    text = "\n".join(pdf_text(p) for p in sorted((pack / "pdf").glob("*.pdf")))
    flat = ZERO_WIDTH.sub("", re.sub(r"\s+", "", text))
    for key in ("agent", "queue"):
        assert re.sub(r"\s+", "", payloads[key]) in flat, key


def test_the_data_folder_name_reaches_the_notebooks_as_a_string(payload_packs, payload_data, notebooks):
    pack, _ = payload_packs[0]
    for nb in notebooks:
        executed = nbformat.read(pack / "notebooks" / nb.name, as_version=4)
        injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
        names: dict = {}
        exec(compile(injected.source, "injected", "exec"), {}, names)     # it is only assignments
        assert names["data_dir"] == str(payload_data) and names["month"] == "2026-10", nb.name
    assert not list(Path.cwd().glob("pwned")) and not list(payload_data.parent.rglob("pwned"))

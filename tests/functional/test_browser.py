"""The pack in a real browser: Debian's headless Chromium driven by Playwright, offline, over file://."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(chromium), args=ARGS,
            headless=True, viewport={"width": 1200, "height": 900}, offline=True)
        yield ctx
        ctx.close()


class Page:
    """A page plus everything that went wrong while it loaded."""

    def __init__(self, browser, url: str):
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page()
        p = self.page
        p.on("console", lambda m: m.type in ("error", "warning") and self.problems.append(f"{m.type}: {m.text}"))
        p.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        p.on("requestfailed", lambda r: self.problems.append(f"requestfailed: {r.url}"))
        p.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        p.on("request", lambda r: self.requests.append(r.url))
        p.goto(url, wait_until="load")


@pytest.mark.parametrize("lang, title", [("en", "Operations report October 2026"), ("zh", "运营分析报告 2026年10月")])
def test_index_opens_offline_without_errors(browser, fixture_packs, artifacts_dir, lang, title):
    pack = fixture_packs(lang)
    pg = Page(browser, (pack / "index.html").as_uri())
    page = pg.page
    assert page.title() == title
    assert page.get_by_role("heading", name=title, level=1).is_visible()
    assert page.locator(".ccnb-card").count() == 3            # answer rate, contacts, agents
    links = page.locator("a[href$='.pdf']")
    assert links.count() == 2
    page.screenshot(path=str(artifacts_dir / f"index-{lang}.png"), full_page=True)
    assert pg.problems == []
    assert all(u.startswith(("file://", "data:")) for u in pg.requests), pg.requests
    page.close()


def test_report_page_shows_text_not_scripts(browser, fixture_packs, artifacts_dir):
    pack = fixture_packs("en")
    pg = Page(browser, (pack / "index.html").as_uri())
    page = pg.page
    page.get_by_role("link", name="Headline figures").first.click()      # navigate like a manager
    page.wait_for_load_state("load")
    assert page.url.endswith("/00_summary.html")
    assert page.get_by_role("heading", name="Headline figures", level=1).is_visible()
    assert page.get_by_role("heading", name="Reports", level=2).is_visible()
    table = page.locator("table.ccnb-table")
    assert table.first.is_visible() and "80.0 %" in table.first.inner_text()
    assert page.get_by_text("<script>alert('x')</script>", exact=False).first.is_visible()    # shown as text
    assert page.locator("script").count() == 0
    img = page.locator("img").first
    assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    assert img.evaluate("i => i.getBoundingClientRect().width <= document.querySelector('main').clientWidth")
    page.screenshot(path=str(artifacts_dir / "report-en.png"), full_page=True)
    page.get_by_role("link", name="← All reports for October 2026").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/index.html")
    assert pg.problems == []
    assert all(u.startswith(("file://", "data:")) for u in pg.requests), pg.requests
    page.close()


def test_zh_report_page(browser, fixture_packs, artifacts_dir):
    pack = fixture_packs("zh")
    pg = Page(browser, (pack / "00_summary.html").as_uri())
    page = pg.page
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert page.get_by_role("heading", name="核心指标", level=1).is_visible()
    assert page.get_by_text("需要关注").is_visible()
    page.screenshot(path=str(artifacts_dir / "report-zh.png"), full_page=True)
    assert pg.problems == []
    page.close()

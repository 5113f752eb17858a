"""A reader in headless Chromium: home, a post, its author, related posts, navigation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.helpers import sideways_scroll

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280)


def _no_horizontal_overflow(page) -> None:
    overflow = sideways_scroll(page)
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("width", WIDTHS)
def test_reader_follows_a_post_from_home_to_related_and_back(browser, sample_url, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{sample_url}/")
    _no_horizontal_overflow(page)
    first = page.locator("article.card h2 a").first
    title = first.inner_text()
    first.click()
    assert page.locator("h1.post__title").inner_text() == title
    _no_horizontal_overflow(page)

    author_box = page.locator("aside.author-box")
    assert author_box.is_visible()
    assert "Follow " in author_box.inner_text()
    assert page.locator(".author-box__follow a").count() >= 2

    related = page.locator(".related__title")
    assert related.count() >= 1
    related_title = related.first.inner_text()
    related.first.click()
    assert page.locator("h1.post__title").inner_text() == related_title

    page.locator('nav.post-nav a[rel="prev"], nav.post-nav a[rel="next"]').first.click()
    assert page.locator("h1.post__title").inner_text() not in ("", related_title)

    category = page.locator("nav.breadcrumb li:nth-child(2) a")
    category_name = category.inner_text()
    category.click()
    assert page.locator("h1.page-title").inner_text() == category_name
    page.locator("header.site-header a.site-title").click()
    assert page.url.rstrip("/") == sample_url
    context.close()


@pytest.mark.parametrize("width", (320, *WIDTHS))
def test_pages_fit_the_screen(browser, sample_url, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    for path in ("/", "/archives/", "/tags/", "/about/", "/subscribe/", "/page/2/"):
        page.goto(sample_url + path)
        _no_horizontal_overflow(page)
        assert page.locator("nav.site-nav").is_visible()
    context.close()


def test_skip_link_is_first_and_moves_focus_to_the_content(page, sample_url):
    page.goto(f"{sample_url}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0, "visible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_pagination_walks_every_page(page, sample_url):
    page.goto(f"{sample_url}/")
    seen = []
    while True:
        seen += page.locator("article.card h2 a").all_inner_texts()
        older = page.locator('.pagination a[rel="next"]')
        if not older.count():
            break
        older.click()
    assert len(seen) == len(set(seen)) >= 12


AUDITED = {
    "home": "/",
    "article": None,
    "tag": "/tag/follow-up/",
    "archives": "/archives/",
    "404": "/no/such/page/",
}


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", AUDITED)
def test_axe_finds_no_violations(browser, sample_url, axe, name, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    if name == "article":
        page.goto(f"{sample_url}/")
        page.locator("article.card h2 a").first.click()
    else:
        response = page.goto(sample_url + AUDITED[name])
        assert response.status == (404 if name == "404" else 200)
        assert page.locator("link[rel=stylesheet]").count() == 1
        assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()

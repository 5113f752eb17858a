"""The archive, an issue page and an email in headless Chromium, on a phone and a desktop."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from plugins.newsletter import Reader, load_rendered
from tests.helpers import serve_directory, sideways_scroll

pytestmark = pytest.mark.e2e

WIDTHS = (375, 600)
# Elements whose right edge is past the viewport (hidden ones, like the preheader, aside).
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > innerWidth + 0.5)
  .map(e => e.tagName + '.' + e.className)"""


@pytest.fixture(scope="module")
def site_url(newsletter_site):
    with serve_directory(newsletter_site.output) as url:
        yield url


def _fits(page) -> None:
    sideways = sideways_scroll(page)
    assert sideways <= 0, f"{page.url} scrolls sideways by {sideways}px"
    assert page.evaluate(OVERFLOWING) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_archive_and_issue_pages_fit_the_screen(browser, site_url, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{site_url}/newsletter/")
    _fits(page)
    page.locator(".issue-list__title a").last.click()
    assert page.locator("h1").inner_text() == "Tips & tricks for “warm” follow-up"
    _fits(page)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_in_the_archive_and_an_issue(browser, site_url, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    for path in ("/newsletter/", "/newsletter/1/", "/newsletter/drafts/3/"):
        page.goto(site_url + path)
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_email_fits_a_phone_and_a_desktop_and_follows_dark_mode(
    browser, newsletter_site, width
):
    _, html = load_rendered(1, newsletter_site.rendered).personalise(Reader("a@example.org", "Ada"))
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
        page = context.new_page()
        page.set_content(html)
        _fits(page)
        card = page.locator("td.card")
        assert card.bounding_box()["width"] <= min(width, 600)
        assert page.locator("h1.subject").inner_text() == "Tips & tricks for “warm” follow-up"
        assert not page.locator(".preheader").is_visible()
        backgrounds[scheme] = card.evaluate("e => getComputedStyle(e).backgroundColor")
        context.close()
    assert backgrounds == {"light": "rgb(253, 251, 247)", "dark": "rgb(37, 33, 29)"}

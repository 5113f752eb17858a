"""A build with good and bad issues: what is reported, what is published, what is rendered."""

from __future__ import annotations

import feedparser
from bs4 import BeautifulSoup

from .conftest import SITEURL

PROBLEMS = {
    "4.md": "post 'nope' does not exist",
    "5.md": "post 'draft-post' is a draft",
    "6.md": "post 'future-post' is dated in the future (2099-01-01 09:00)",
    "7.md": "Subject is missing",
    "8.md": "Subject contains a line break or control character",
    "9.md": "Preheader contains an encoded word (=?...?=)",
    "10.md": "issue number 10 is used by",
    "010.md": "issue number 10 is used by",
    "11.md": "the image {static}/images/card.svg in the intro has no alt text",
    "12.md": "the intro is still the placeholder",
    "notes.md": "the file name must be the issue number",
    "13.md": "the email is 1",
}


def _soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_each_bad_issue_is_an_error_naming_its_file_and_the_build_exits_1(newsletter_site):
    assert newsletter_site.returncode == 1
    errors = [line for line in newsletter_site.stdout.splitlines() if "error: newsletter:" in line]
    for name, problem in PROBLEMS.items():
        assert any(f"content/newsletter/{name}: {problem}" in line for line in errors), name
    assert len(errors) == len(PROBLEMS)
    assert f"{len(PROBLEMS)} error(s)" in newsletter_site.stdout


def test_good_issues_still_get_pages_and_emails_and_bad_ones_get_nothing(newsletter_site):
    output, rendered = newsletter_site.output, newsletter_site.rendered
    assert (output / "newsletter/1/index.html").is_file()
    assert (output / "newsletter/2/index.html").is_file()
    assert sorted(p.name for p in rendered.iterdir()) == ["1", "2", "3", "43"], "42 was stale"
    for number in ("4", "5", "6", "7", "8", "9", "10", "11", "12"):
        assert not (output / "newsletter" / number).exists()
        assert not (output / "newsletter/drafts" / number).exists()
    assert (output / "newsletter/drafts/13/index.html").is_file(), "too big for email, not web"
    assert "KB, over the 100 KB Gmail shows unclipped" in newsletter_site.stdout


def test_archive_lists_ready_issues_newest_first_and_not_drafts(newsletter_site):
    archive = _soup(newsletter_site.output / "newsletter/index.html")
    titles = [a.get_text() for a in archive.select(".issue-list__title a")]
    assert titles == ["The second letter", "Tips & tricks for “warm” follow-up"]
    assert "Next month" not in archive.get_text()
    assert archive.select_one('link[rel=alternate][href$="feeds/newsletter.atom.xml"]')


def test_issue_page_has_intro_posts_in_order_and_links_to_the_other_issue(newsletter_site):
    page = _soup(newsletter_site.output / "newsletter/1/index.html")
    assert page.h1.get_text() == "Tips & tricks for “warm” follow-up"
    assert page.select_one("link[rel=canonical]")["href"] == f"{SITEURL}/newsletter/1/"
    assert [a.get_text() for a in page.select(".card__title a")] == ["Post B & friends", "Post A"]
    third = page.find("a", string="the third post")
    assert third["href"] == "../../2026/02/post-c/", "{filename} resolves, relative like pages"
    assert page.select_one('nav.post-nav a[rel="next"]').get_text().endswith("The second letter")
    assert not page.select('meta[name="robots"]')
    letters = _soup(newsletter_site.output / "letters/index.html")
    assert letters.find("a", string="the first letter")["href"] == "../newsletter/1/"


def test_draft_issue_is_previewed_unlisted_with_noindex(newsletter_site):
    draft = _soup(newsletter_site.output / "newsletter/drafts/3/index.html")
    assert draft.select_one('meta[name="robots"]')["content"] == "noindex"
    assert "Draft." in draft.select_one(".issue-draft").get_text()
    assert not (newsletter_site.output / "newsletter/3").exists()
    sitemap = (newsletter_site.output / "sitemap.xml").read_text()
    assert "drafts/3" not in sitemap


def test_issues_feed_carries_ready_issues_with_absolute_links(newsletter_site):
    for name in ("newsletter.atom.xml", "newsletter.rss.xml"):
        feed = feedparser.parse((newsletter_site.output / "feeds" / name).read_bytes())
        assert feed.bozo == 0, feed.get("bozo_exception")
        assert [e.title for e in feed.entries] == [
            "The second letter",
            "Tips & tricks for “warm” follow-up",
        ]
        assert feed.entries[1].link == f"{SITEURL}/newsletter/1/"
    atom = feedparser.parse((newsletter_site.output / "feeds/newsletter.atom.xml").read_bytes())
    content = BeautifulSoup(atom.entries[1].content[0].value, "html.parser")
    links = [a["href"] for a in content.find_all("a")]
    assert f"{SITEURL}/2026/02/post-c/" in links
    assert f"{SITEURL}/2026/01/post-b/" in links
    assert all(link.startswith(SITEURL) for link in links), links
    subscribe = _soup(newsletter_site.output / "subscribe/index.html")
    assert subscribe.find("h3", string="Newsletter"), "listed on the Subscribe page"


def test_rendered_email_files_hold_placeholders_not_personal_data(newsletter_site):
    folder = newsletter_site.rendered / "1"
    html = (folder / "email.html").read_text()
    assert "{{nurture:first_name}}" in html and "{{nurture:unsubscribe_url}}" in html
    assert "{{nurture:first_name}}" in (folder / "email.txt").read_text()
    assert not list(newsletter_site.output.rglob("email.*")), "emails stay out of output/"

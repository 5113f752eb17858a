"""The sample blog as a reader sees it: every page type, built from content/."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from tests.helpers import ROOT
from tests.site.conftest import soup

SETTINGS = read_settings(str(ROOT / "pelicanconf.py"))


def _published_posts() -> list[dict]:
    reader = MarkdownReader(SETTINGS)
    posts = []
    for path in sorted((ROOT / "content" / "posts").glob("*.md")):
        _, meta = reader.read(str(path))
        if meta.get("status") != "draft":
            posts.append(meta)
    return sorted(posts, key=lambda meta: meta["date"], reverse=True)


POSTS = _published_posts()


def _article_path(site: Path, meta: dict) -> Path:
    return site / meta["date"].strftime("%Y/%m") / meta["slug"] / "index.html"


def test_sample_content_is_big_enough_for_a_real_blog():
    years = {meta["date"].year for meta in POSTS}
    assert len(POSTS) >= 12
    assert max(years) - min(years) >= 2
    assert len({meta["category"].name for meta in POSTS}) >= 3
    assert len({author.name for meta in POSTS for author in [meta["author"]]}) == 2


def test_home_lists_newest_posts_with_date_author_summary_and_continue_link(sample_site):
    home = soup(sample_site / "index.html")
    cards = home.select("article.card")
    assert len(cards) == SETTINGS["DEFAULT_PAGINATION"]
    newest = POSTS[0]
    first = cards[0]
    assert first.select_one("h2 a").get_text(strip=True) == newest["title"]
    assert first.select_one("time")["datetime"].startswith(newest["date"].strftime("%Y-%m-%d"))
    assert newest["author"].name in first.select_one(".card__byline").get_text()
    assert first.select_one(".card__summary").get_text(strip=True)
    assert "Continue reading" in first.select_one("a.more").get_text()


def test_home_paginates_every_post_once(sample_site):
    per_page = SETTINGS["DEFAULT_PAGINATION"]
    pages = -(-len(POSTS) // per_page)
    titles = []
    for number in range(1, pages + 1):
        path = sample_site / ("index.html" if number == 1 else f"page/{number}/index.html")
        html = soup(path)
        titles += [a.get_text(strip=True) for a in html.select("article.card h2 a")]
        assert f"Page {number} of {pages}" in html.select_one(".pagination").get_text()
        assert bool(html.select_one('a[rel="next"]')) == (number < pages)
        assert bool(html.select_one('a[rel="prev"]')) == (number > 1)
    assert titles == [meta["title"] for meta in POSTS]
    assert not (sample_site / f"page/{pages + 1}").exists()


@pytest.mark.parametrize("meta", POSTS[:3] + POSTS[-2:], ids=lambda meta: meta["slug"])
def test_article_anatomy(sample_site, meta):
    html = soup(_article_path(sample_site, meta))
    crumbs = [li.get_text(strip=True) for li in html.select("nav.breadcrumb li")]
    assert crumbs == ["Home", meta["category"].name, meta["title"]]
    header = html.select_one(".post__header")
    assert header.select_one("time")["datetime"].startswith(meta["date"].strftime("%Y-%m-%d"))
    assert header.select_one("h1").get_text(strip=True) == meta["title"]
    assert meta["author"].name in header.select_one(".byline").get_text()
    assert re.fullmatch(r"\d+ min read", header.select_one(".reading-time").get_text(strip=True))
    assert len(html.select_one(".post__body").get_text().split()) > 300
    tags = [a.get_text(strip=True) for a in html.select(".tag-list a")]
    assert tags == [f"#{tag.name}" for tag in meta["tags"]]
    box = html.select_one("aside.author-box")
    profile = SETTINGS["AUTHOR_PROFILES"][meta["author"].name]
    assert profile["bio"] in box.get_text(" ", strip=True)
    follow = box.select_one(".author-box__follow")
    assert f"Follow {profile['short_name']}" in follow.get_text()
    assert [a["href"] for a in follow.select("a")] == [url for _, url in profile["links"]]
    assert html.select_one("section.cta h2").get_text(strip=True)
    shares = {a.contents[0].strip(): a["href"] for a in html.select("nav.share a")}
    assert set(shares) == {"Email", "LinkedIn", "Facebook", "X"}
    assert all(meta["slug"] in href for href in shares.values())
    assert html.select_one("section.related li")


def test_article_previous_and_next_follow_the_timeline(sample_site):
    chronological = list(reversed(POSTS))
    middle = chronological[len(chronological) // 2]
    nav = soup(_article_path(sample_site, middle)).select_one("nav.post-nav")
    index = chronological.index(middle)
    assert chronological[index - 1]["title"] in nav.select_one('a[rel="prev"]').get_text()
    assert chronological[index + 1]["title"] in nav.select_one('a[rel="next"]').get_text()
    oldest = soup(_article_path(sample_site, chronological[0])).select_one("nav.post-nav")
    assert not oldest.select_one('a[rel="prev"]')


def test_head_has_title_description_canonical_and_social_cards(sample_site):
    meta = POSTS[0]
    head = soup(_article_path(sample_site, meta)).head
    canonical = f"{SETTINGS['SITEURL']}/{meta['date']:%Y/%m}/{meta['slug']}/"
    assert head.title.get_text().startswith(meta["title"])
    assert head.select_one('link[rel="canonical"]')["href"] == canonical
    assert head.select_one('meta[property="og:url"]')["content"] == canonical
    assert head.select_one('meta[property="og:type"]')["content"] == "article"
    assert head.select_one('meta[property="og:title"]')["content"].startswith(meta["title"])
    assert head.select_one('meta[name="description"]')["content"]
    assert head.select_one('meta[name="twitter:card"]')["content"] == "summary"


def test_no_page_loads_anything_from_another_host(sample_site):
    for path in sample_site.rglob("*.html"):
        html = soup(path)
        for element in html.select("script[src], link[rel=stylesheet], img[src], iframe"):
            address = element.get("src") or element.get("href") or ""
            assert not re.match(r"(https?:)?//", address), f"{path}: {element}"
        assert not html.select("script"), f"{path} has a script"


def test_pages_taxonomies_and_404_exist(sample_site):
    for slug in ("about", "contact", "subscribe", "privacy"):
        assert soup(sample_site / slug / "index.html").select_one("h1.post__title")
    categories = soup(sample_site / "categories/index.html").select(".term-list a")
    assert {a.get_text() for a in categories} == {meta["category"].name for meta in POSTS}
    tags = soup(sample_site / "tags/index.html").select(".term-list a")
    assert len(tags) == len({tag.name for meta in POSTS for tag in meta["tags"]})
    category = POSTS[0]["category"]
    listing = soup(sample_site / "category" / category.slug / "index.html")
    expected = [m["title"] for m in POSTS if m["category"] == category]
    assert [a.get_text(strip=True) for a in listing.select("article.card h2 a")] == expected
    author = POSTS[0]["author"]
    author_page = soup(sample_site / "author" / author.slug / "index.html")
    assert SETTINGS["AUTHOR_PROFILES"][author.name]["bio"] in author_page.get_text(" ")
    not_found = soup(sample_site / "404.html")
    assert "lost touch" in not_found.h1.get_text()
    assert not_found.select_one('a[href="/"]'), "404 links must work from any address"


def test_archives_group_posts_by_year_and_month(sample_site):
    archive = soup(sample_site / "archives/index.html")
    years = [h2.get_text(strip=True) for h2 in archive.select("section.archive-year h2")]
    assert years == sorted({str(meta["date"].year) for meta in POSTS}, reverse=True)
    listed = [a.get_text(strip=True) for a in archive.select(".archive-list a")]
    assert listed == [meta["title"] for meta in POSTS]
    newest = POSTS[0]["date"]
    month = soup(sample_site / f"archives/{newest:%Y/%m}/index.html")
    in_month = [m["title"] for m in POSTS if f"{m['date']:%Y%m}" == f"{newest:%Y%m}"]
    assert [a.get_text(strip=True) for a in month.select(".archive-list a")] == in_month
    assert (sample_site / f"archives/{newest:%Y}/index.html").exists()


def test_sitemap_lists_every_published_post_with_absolute_urls(sample_site):
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    tree = ElementTree.parse(sample_site / "sitemap.xml")
    locations = [loc.text for loc in tree.findall("s:url/s:loc", namespace)]
    siteurl = SETTINGS["SITEURL"]
    assert all(loc.startswith(f"{siteurl}/") for loc in locations)
    for meta in POSTS:
        assert f"{siteurl}/{meta['date']:%Y/%m}/{meta['slug']}/" in locations
    assert f"{siteurl}/about/" in locations
    issues = sorted((ROOT / "content/newsletter").glob("*.md"))
    assert f"{siteurl}/newsletter/" in locations
    assert all(f"{siteurl}/newsletter/{issue.stem}/" in locations for issue in issues)
    assert not any("drafts" in loc for loc in locations)
    for lastmod in tree.findall("s:url/s:lastmod", namespace):
        assert datetime.fromisoformat(lastmod.text).tzinfo is not None
    robots = (sample_site / "robots.txt").read_text()
    assert f"Sitemap: {siteurl}/sitemap.xml" in robots


def test_drafts_are_previewed_but_never_listed(sample_site):
    drafts = [p for p in (ROOT / "content/posts").glob("*.md") if "Status: draft" in p.read_text()]
    assert drafts, "the sample content keeps one draft to prove this"
    listed = " ".join(p.read_text() for p in sample_site.glob("**/index.html"))
    draft_title = drafts[0].read_text().splitlines()[0].removeprefix("Title: ")
    assert draft_title not in listed
    draft_page = next((sample_site / "drafts").glob("*.html"))
    assert soup(draft_page).select_one('meta[name="robots"][content="noindex"]')


def test_nothing_private_reaches_the_output(sample_site):
    """Contacts' and commenters' addresses, the database and the queue stay in data/."""
    with (ROOT / "plugins/contacts/sample/contacts.csv").open(encoding="utf-8") as sample:
        private = {row["Email"].lower() for row in csv.DictReader(sample)}
    for comment in (ROOT / "content/comments").rglob("*.md"):
        for line in comment.read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("email:"):
                private.add(line.split(":", 1)[1].strip().lower())
    # The owner's own addresses (author links, contact and sender) are public by choice.
    private -= set(re.findall(r"[\w.+-]+@[\w.-]+", (ROOT / "pelicanconf.py").read_text()))
    assert len(private) > 40
    published = [path for path in sample_site.rglob("*") if path.is_file()]
    for path in published:
        text = path.read_bytes().decode("utf-8", errors="replace").lower()
        leaked = sorted(address for address in private if address in text)
        assert not leaked, f"{path.relative_to(sample_site)} shows {leaked}"
    assert not [p for p in published if p.suffix in (".sqlite3", ".db", ".eml", ".mbox")]

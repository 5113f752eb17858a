"""The fixture site built with the pelican CLI: threads, bad files, statuses, feeds, privacy."""

from __future__ import annotations

import re

import feedparser
import pytest
from lxml import etree

from tests.comments.conftest import BAD_FILES, EMAILS, THREAD_ORDER, Site
from tests.comments.payloads import BODIES
from tests.comments.test_render import assert_inert

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def built(comments_site: tuple[Site, str]) -> Site:
    return comments_site[0]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_is_named_with_its_reason_and_skipped(comments_site, name: str) -> None:
    site, log = comments_site
    line = next((line for line in log.splitlines() if f"thread-post/{name}:" in line), "")
    assert BAD_FILES[name][1] in line and "WARNING" in line, log
    assert "ERROR" not in log
    assert site.page("2025/01/thread-post").find(id=f"comment-{name[:-3]}") is None


def test_other_problems_are_warnings_too(comments_site) -> None:
    _, log = comments_site
    assert re.search(r"WARNING +comments: content/comments/no-such-post: no post or page", log)
    assert re.search(r"WARNING +comments: content/posts/odd-status.md: Comments: 'maybe'", log)


def test_the_thread_reads_in_order_with_replies_nested(built: Site) -> None:
    page = built.page("2025/01/thread-post")
    section = page.find("section", class_="comments")
    assert section["aria-labelledby"] == "comments-title"
    assert section.h2.get_text() == "5 replies on “A Post With a Thread”"
    assert [li["id"] for li in section.select("li.comment")] == [
        f"comment-{c}" for c in THREAD_ORDER
    ]
    depth = {li["id"]: len(li.find_parents("li")) for li in section.select("li.comment")}
    assert depth == {"comment-a": 0, "comment-b": 1, "comment-c": 2, "comment-e": 1, "comment-d": 0}
    marked = [li["id"] for li in section.select("li.comment--by-author")]
    assert marked == ["comment-b"]
    assert section.select_one("#comment-b .comment__badge").get_text() == "Post author"
    ann = section.select_one("#comment-a .comment__author a")
    assert (ann["href"], ann["rel"]) == ("https://ann.example", ["nofollow", "ugc", "noopener"])
    assert section.select_one("#comment-d .comment__author a") is None
    permalink = section.select_one("#comment-a .comment__permalink")
    assert permalink["href"] == "#comment-a"
    assert permalink.time["datetime"] == "2025-02-01T10:00:00+00:00"
    assert_inert(str(section.select_one("#comment-a .comment__body").decode_contents()))


def test_the_reply_form_opens_the_mail_client(built: Site) -> None:
    form = built.page("2025/01/thread-post").find("form", class_="comment-form")
    assert form["action"].startswith("mailto:comments@warmleads.example?subject=Comment%20on%20")
    assert (form["method"], form["enctype"]) == ("post", "text/plain")
    names = [field["name"] for field in form.select("input, select, textarea")]
    assert names == ["post", "author", "url", "replyto", "body"]
    options = [option["value"] for option in form.select("select option")]
    assert options == ["", *THREAD_ORDER]
    for field in form.select("input:not([type=hidden]), select, textarea"):
        assert form.find("label", attrs={"for": field["id"]}), field
    reply = built.page("2025/01/thread-post").select_one("#comment-c .comment__reply")
    assert "body=post%3Dthread-post%0D%0Areplyto%3Dc%0D%0A" in reply["href"]


def test_statuses_quiet_closed_hidden_and_pages(built: Site) -> None:
    quiet = built.page("2025/01/quiet-post").find("section", class_="comments")
    assert quiet.h2.get_text() == "No comments yet" and quiet.form is not None
    assert quiet.find(class_="comments__feed") is None
    closed = built.page("2025/01/closed-post").find("section", class_="comments")
    assert closed.h2.get_text() == "1 reply on “A Closed Post”"
    assert closed.form is None and closed.find(class_="comment__reply") is None
    assert closed.find(class_="comments__closed").get_text() == "Comments are closed."
    assert built.page("2025/01/hidden-post").find("section", class_="comments") is None
    guestbook = built.page("guestbook").find("section", class_="comments")
    assert guestbook.h2.get_text() == "1 reply on “Guestbook”"
    assert built.page("2025/01/payload-post").find("section", class_="comments") is not None


def test_comment_feeds_are_valid_and_linked(built: Site) -> None:
    everything = feedparser.parse((built.output / "feeds/comments.atom.xml").read_bytes())
    assert everything.bozo == 0
    titles = {entry.title for entry in everything.entries}
    assert "Ann Archer on “A Post With a Thread”" in titles
    assert not any("Hidden Hal" in title for title in titles)
    assert feedparser.parse((built.output / "feeds/comments.rss.xml").read_bytes()).bozo == 0
    post = feedparser.parse((built.output / "feeds/comments/thread-post.atom.xml").read_bytes())
    assert post.bozo == 0 and len(post.entries) == 5
    assert {e.link.rpartition("#")[2] for e in post.entries} == {
        f"comment-{c}" for c in THREAD_ORDER
    }
    assert not (built.output / "feeds/comments/hidden-post.atom.xml").exists()
    assert not (built.output / "feeds/comments/quiet-post.atom.xml").exists()
    link = built.page("2025/01/thread-post").select_one(".comments__feed a")
    assert link.get_text() == "Post Comments (Atom)"
    assert link["href"].endswith("/feeds/comments/thread-post.atom.xml")


def test_comment_feeds_skip_posts_dated_in_the_future(built: Site) -> None:
    assert built.page("2099/01/future-post").select_one("#comment-1") is not None
    assert not (built.output / "feeds/comments/future-post.atom.xml").exists()
    for path in ("feeds/comments.atom.xml", "feeds/comments.rss.xml"):
        assert "Not Yet" not in (built.output / path).read_text(encoding="utf-8"), path


def test_feed_links_in_the_head_escape_the_post_title(built: Site) -> None:
    links = built.page("2025/01/quote-post").select("head link[rel=alternate]")
    titles = {link["href"].rpartition("/")[2]: link["title"] for link in links}
    assert titles["quote-post.atom.xml"] == 'Comments on “Say "Yes" & Mean It” — Warm Leads (Atom)'
    assert all(set(link.attrs) == {"rel", "type", "title", "href"} for link in links)


def test_articles_and_pages_announce_their_comment_feeds(built: Site) -> None:
    for url, slug in (("2025/01/thread-post", "thread-post"), ("guestbook", "guestbook")):
        hrefs = [link["href"] for link in built.page(url).select("head link[rel=alternate]")]
        assert hrefs[3:] == [
            f"http://127.0.0.1:8000/feeds/comments/{slug}.{kind}.xml" for kind in ("atom", "rss")
        ]


def test_no_commenter_email_is_published(built: Site) -> None:
    for path in built.output.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt"):
            text = path.read_text(encoding="utf-8")
            for address in EMAILS:
                assert address not in text, path


def test_hostile_comments_render_inert(built: Site) -> None:
    page = built.page("2025/01/payload-post")
    assert (
        page.find_all(["script", "iframe", "object", "embed", "svg", "math", "style", "img"]) == []
    )
    for element in page.find_all(True):
        assert not [name for name in element.attrs if name.lower().startswith("on")], element
        for name in ("href", "src", "action", "formaction"):
            assert (
                not element.get(name, "")
                .strip()
                .lower()
                .startswith(("javascript:", "data:", "vbscript:"))
            ), element
    bodies = page.select(".comment__body")
    assert len(bodies) == len(BODIES)
    for body in bodies:
        assert_inert(body.decode_contents())
    assert page.find(string=re.compile(r"<script>window\.__pwned")) is not None  # shown as text


@pytest.mark.parametrize(
    "path",
    ["feeds/comments/payload-post.atom.xml", "feeds/comments.atom.xml", "feeds/comments.rss.xml"],
)
def test_hostile_comments_in_feeds_are_inert(built: Site, path: str) -> None:
    assert feedparser.parse((built.output / path).read_bytes()).bozo == 0
    # The HTML as a feed reader receives it: feedparser sanitises what it returns, so
    # read the documents' own content elements.
    root = etree.fromstring((built.output / path).read_bytes())
    contents = [
        *root.findall(f"{ATOM}entry/{ATOM}content"),
        *root.findall("channel/item/description"),  # RSS: the comment is the description
    ]
    assert len(contents) >= len(BODIES)  # the corpus, and on the all-comments feeds the rest
    for content in contents:
        assert_inert(content.text)

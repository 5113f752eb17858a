"""The API other plugins publish feeds with, used the way the comments plugin uses it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from plugins.feeds import (
    FeedAuthor,
    FeedItem,
    FeedsNotLoaded,
    FeedSpec,
    publish_feed,
    registry,
    settings,
    tag_id,
    writer,
)
from plugins.feeds.entries import absolutize

SITE = "https://a.example"
WHEN = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)


@pytest.fixture
def feeds():
    """A build's registry, as plugins.feeds starts one at `initialized`."""
    config = {"SITEURL": SITE, "SITENAME": "Test Site", "AUTHOR": "Ann Owner"}
    return registry.start(settings.check({**config, "FEEDS": {"max_items": 3}}))


def _comment(number: int, **fields) -> FeedItem:
    return FeedItem(
        **{
            "id": tag_id(WHEN, f"a-post/comment/{number}"),
            "title": f"Reader {number} on “A post”",
            "url": f"2026/03/a-post/#comment-{number}",
            "content_html": f'<p>Comment {number}, see <a href="../other/">this</a>.</p>',
            "published": WHEN + timedelta(hours=number),
            "authors": (FeedAuthor(f"Reader {number}", "https://reader.example/"),),
            **fields,
        }
    )


def test_a_published_feed_is_written_in_every_format_it_names(feeds, tmp_path, monkeypatch):
    spec = FeedSpec(
        key="comments",
        title="Test Site — comments",
        name="Every comment",
        page="comments/",
        atom_path="feeds/comments.atom.xml",
        rss_path="feeds/comments.rss.xml",
        json_path="feeds/comments.json",
        group="Comments",
    )
    publish_feed(spec, (_comment(n) for n in range(1, 6)))
    report = feeds.write(tmp_path)
    assert sorted(p.name for p in report.written) == [
        "comments.atom.xml",
        "comments.json",
        "comments.rss.xml",
    ]

    atom = feedparser.parse((tmp_path / "feeds/comments.atom.xml").read_bytes())
    assert atom.bozo == 0
    assert atom.feed.title == "Test Site — comments"
    assert atom.feed.link == f"{SITE}/comments/"
    # The newest max_items entries, newest first; relative links made absolute.
    assert [e.title for e in atom.entries] == [f"Reader {n} on “A post”" for n in (5, 4, 3)]
    newest = atom.entries[0]
    assert newest.id == "tag:test-site,2026-03-04:a-post/comment/5"
    assert newest.link == f"{SITE}/2026/03/a-post/#comment-5"
    assert f'href="{SITE}/2026/03/other/"' in newest.content[0].value
    assert atom.feed.updated == (WHEN + timedelta(hours=5)).isoformat()

    rss = feedparser.parse((tmp_path / "feeds/comments.rss.xml").read_bytes())
    assert rss.bozo == 0
    assert [e.id for e in rss.entries] == [e.id for e in atom.entries]
    document = json.loads((tmp_path / "feeds/comments.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in document["items"]] == [e.id for e in atom.entries]

    assert [(link.format, link.url) for link in feeds.links("comments")] == [
        ("Atom", f"{SITE}/feeds/comments.atom.xml"),
        ("RSS", f"{SITE}/feeds/comments.rss.xml"),
        ("JSON Feed", f"{SITE}/feeds/comments.json"),
    ]
    [(group, [(name, links)])] = feeds.groups()
    assert (group, name, len(links)) == ("Comments", "Every comment", 3)

    # The next build publishes the same feed: its files are left as they are, and this
    # process (livereload) does not even render it again...
    next_build = registry.start(feeds.settings)
    publish_feed(spec, (_comment(n) for n in range(1, 6)))
    monkeypatch.setattr(writer, "render", _not_again)
    again = next_build.write(tmp_path)
    assert (again.written, len(again.unchanged)) == ([], 3)

    # ...unless one of its files was changed since: then it is written as it should be.
    monkeypatch.undo()
    json_feed = tmp_path / "feeds/comments.json"
    json_feed.write_text("{}", encoding="utf-8")
    third_build = registry.start(feeds.settings)
    publish_feed(spec, (_comment(n) for n in range(1, 6)))
    assert third_build.write(tmp_path).written == [json_feed]
    assert json.loads(json_feed.read_text(encoding="utf-8"))["items"]


def _not_again(feed: object) -> dict[str, bytes]:
    raise AssertionError("an unchanged feed was rendered again")


def test_an_empty_feed_needs_an_updated_date(feeds, tmp_path, caplog):
    waiting = FeedSpec(key="comments/a", title="A", atom_path="a.atom.xml", updated=WHEN)
    publish_feed(waiting, [])
    publish_feed(FeedSpec(key="comments/b", title="B", atom_path="b.atom.xml"), [])
    with caplog.at_level(logging.INFO):
        report = feeds.write(tmp_path)
    assert [p.name for p in report.written] == ["a.atom.xml"]
    parsed = feedparser.parse((tmp_path / "a.atom.xml").read_bytes())
    assert (parsed.bozo, parsed.entries, parsed.feed.updated) == (0, [], WHEN.isoformat())
    assert "feeds: skipped 'comments/b': it has no items and no updated date" in caplog.text


def test_a_taken_key_or_path_is_an_error_and_the_first_feed_wins(feeds, tmp_path, caplog):
    publish_feed(FeedSpec(key="x", title="First", atom_path="x.xml", updated=WHEN), [])
    publish_feed(FeedSpec(key="x", title="Second", atom_path="y.xml", updated=WHEN), [])
    publish_feed(FeedSpec(key="z", title="Third", rss_path="x.xml", updated=WHEN), [])
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        "feeds: feed 'x' was published twice; keeping the first",
        "feeds: x.xml is already the path of feed 'x'; skipping feed 'z' (give it another path)",
    ]
    feeds.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xml"]
    assert feedparser.parse((tmp_path / "x.xml").read_bytes()).feed.title == "First"


def test_control_characters_in_an_item_are_stripped_with_a_warning(feeds, tmp_path, caplog):
    spec = FeedSpec(key="c", title="Bell\x07 rings", rss_path="c.xml")
    noisy = _comment(1, content_html="<p>Hi\x00 there\x1b</p>", source="comments/a/1.md")
    publish_feed(spec, [noisy])
    feeds.write(tmp_path)
    parsed = feedparser.parse((tmp_path / "c.xml").read_bytes())
    assert parsed.bozo == 0
    assert parsed.feed.title == "Bell rings"
    assert parsed.entries[0].description == "<p>Hi there</p>"
    assert "feeds: comments/a/1.md: removed 2 control or XML-illegal character(s)" in caplog.text
    assert "feeds: feed 'c': removed 1 control or XML-illegal character(s)" in caplog.text


def test_tag_ids_encode_what_a_tag_uri_cannot_hold(feeds):
    assert tag_id(WHEN, "café/comment 1") == "tag:test-site,2026-03-04:caf%C3%A9/comment%201"
    assert tag_id(WHEN.date(), "a-post") == "tag:test-site,2026-03-04:a-post"


def test_naive_dates_and_pathless_feeds_are_refused():
    with pytest.raises(ValueError, match="published must be timezone-aware"):
        _comment(1, published=datetime(2026, 3, 4, 12, 30))
    with pytest.raises(ValueError, match="has no atom_path, rss_path or json_path"):
        FeedSpec(key="k", title="T")
    with pytest.raises(ValueError, match="must be relative to the output directory"):
        FeedSpec(key="k", title="T", atom_path="../k.xml")


def test_publishing_without_the_plugin_says_how_to_load_it(monkeypatch):
    monkeypatch.setattr(registry, "_current", None)
    with pytest.raises(FeedsNotLoaded, match=r'add "plugins\.feeds" to PLUGINS'):
        publish_feed(FeedSpec(key="k", title="T", atom_path="k.xml"), [])


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<a href='x/'>", "<a href='https://a.example/p/x/'>"),
        ('<a title="a > b" href="/y">', '<a title="a > b" href="https://a.example/y">'),
        (
            '<img srcset="s.png 1x,l.png 2x">',
            '<img srcset="https://a.example/p/s.png 1x, https://a.example/p/l.png 2x">',
        ),
        ('<a href="">', '<a href="">'),
        ('<a href="//cdn.example/z">', '<a href="https://cdn.example/z">'),
        ('<p>href="/not" &lt;a href="/no"&gt;</p>', '<p>href="/not" &lt;a href="/no"&gt;</p>'),
    ],
)
def test_absolutize_rewrites_urls_in_tags_only(html, expected):
    assert absolutize(html, "https://a.example/p/") == expected

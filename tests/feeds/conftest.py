"""The feeds fixture site, its builds, and readers for the feeds they produce.

The fixture site has what breaks feeds: relative links and images, srcset, unicode,
`&nbsp;`, control characters, a Modified date, a FeedId, two authors, a draft, a hidden
post and a future-dated post. It is built twice, at two different SITEURLs.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.helpers import build_site

SITE_A = "https://a.example"
SITE_B = "https://b.example/blog"

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8"/></svg>'

RICH_BODY = """\
Read the [other post](../../04/other-post/), the [about page](/about/) and [the top](#top).
A static image ![Pic]({static}/images/pic.svg) and one beside the post ![Local](local.png).
Write to [us](mailto:hello@example.com) or visit [Example](https://example.org/page).

Spaces:&nbsp;kept, café, 東京, “quotes” & entities &copy; 2025.

<p><img src="pic.png" srcset="pic.png 1x, /images/pic@2x.png 2x" alt="Raw"></p>

    <a href="/not-a-link/">code stays code</a>
"""

# (file name, metadata header, body)
POSTS = {
    "rich.md": (
        "Title: Café “Rendez-vous” — naïve ✓ notes\nDate: 2025-05-01 10:00\n"
        "Modified: 2025-06-02 09:15\nAuthors: Olivia Hart, Marcus Bell\nCategory: Craft\n"
        "Tags: ünïcode, links\nSlug: rich-post\nSummary: Every kind of link, in one post.",
        RICH_BODY,
    ),
    "other.md": (
        "Title: The Other Post\nDate: 2025-04-01 09:00\nAuthor: Marcus Bell\nCategory: Craft\n"
        "Tags: links\nSlug: other-post",
        "Just [a link back](../../05/rich-post/).",
    ),
    "control.md": (
        "Title: Bell\x07 rings\nDate: 2025-03-01 09:00\nAuthor: Olivia Hart\nCategory: Noise\n"
        "Tags: links\nSlug: control-post",
        "Ding\x01 dong\x0b and\x7f done.",
    ),
    "kept.md": (
        "Title: Moved From Another Blog\nDate: 2024-01-02 09:00\nAuthor: Olivia Hart\n"
        "Category: Craft\nSlug: kept-id\nFeedId: urn:uuid:6f1c2a8e-4b7d-4c1e-9a55-2f0c7d1e8b42",
        "This post keeps the id it had on the old blog.",
    ),
    "badid.md": (
        "Title: A Malformed FeedId\nDate: 2024-02-03 09:00\nAuthor: Olivia Hart\n"
        "Category: Craft\nSlug: bad-id\nFeedId: old post 42",
        "FeedId is not a URI, so the post gets the usual tag: id.",
    ),
    "draft.md": (
        "Title: Draft\nDate: 2025-05-02 09:00\nAuthor: Olivia Hart\nCategory: Craft\n"
        "Tags: links\nSlug: draft-post\nStatus: draft",
        "Not yet.",
    ),
    "hidden.md": (
        "Title: Hidden\nDate: 2025-05-03 09:00\nAuthor: Olivia Hart\nCategory: Craft\n"
        "Tags: links\nSlug: hidden-post\nStatus: hidden",
        "Only by its address.",
    ),
    "future.md": (
        "Title: From the Future\nDate: 2099-01-01 09:00\nAuthor: Marcus Bell\nCategory: Craft\n"
        "Tags: links, someday\nSlug: future-post",
        "Not yet either.",
    ),
}
PUBLISHED = {"rich-post", "other-post", "control-post", "kept-id", "bad-id"}
UNPUBLISHED = {"draft-post", "hidden-post", "future-post"}

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class Built:
    """One build of a site: its output directory and everything Pelican logged."""

    output: Path
    log: str

    def feed(self, path: str) -> feedparser.FeedParserDict:
        parsed = feedparser.parse((self.output / path).read_bytes())
        assert parsed.bozo == 0, f"{path}: {parsed.get('bozo_exception')}"
        return parsed

    def xml(self, path: str) -> etree._Element:
        return etree.fromstring((self.output / path).read_bytes())

    def json(self, path: str) -> dict:
        return json.loads((self.output / path).read_text(encoding="utf-8"))

    def feed_files(self) -> list[Path]:
        return sorted(p for p in (self.output / "feeds").rglob("*") if p.is_file())


def write_fixture_site(content: Path) -> Path:
    (content / "posts").mkdir(parents=True)
    (content / "images").mkdir()
    (content / "images" / "pic.svg").write_text(SVG, encoding="utf-8")
    for name, (header, body) in POSTS.items():
        (content / "posts" / name).write_text(f"{header}\n\n{body}\n", encoding="utf-8")
    return content


def checked(result: subprocess.CompletedProcess, output: Path) -> Built:
    assert result.returncode == 0, result.stdout + result.stderr
    return Built(output, result.stdout + result.stderr)


@pytest.fixture(scope="session")
def fixture_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fixture_site(tmp_path_factory.mktemp("feeds-fixture") / "content")


def _build(content: Path, output: Path, siteurl: str) -> Built:
    result = build_site(content, output, overrides={"SITEURL": json.dumps(siteurl)})
    return checked(result, output)


@pytest.fixture(scope="session")
def site_a(fixture_content: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(fixture_content, tmp_path_factory.mktemp("feeds-a") / "output", SITE_A)


@pytest.fixture(scope="session")
def site_b(fixture_content: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(fixture_content, tmp_path_factory.mktemp("feeds-b") / "output", SITE_B)

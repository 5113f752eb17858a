"""Bodies, names and URLs: what the sanitiser lets through, payload by payload."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from plugins.comments.clean import clean_body, clean_email, clean_line, clean_url
from plugins.comments.render import TAGS, render_body
from tests.comments.payloads import BODIES, NAMES, URLS

SAFE_SCHEMES = ("http://", "https://", "mailto:")


def assert_inert(html: str) -> None:
    """Only allowed tags; only href on links, with a safe scheme and the right rel."""
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        assert element.name in TAGS, html
        allowed = {"href", "rel"} if element.name == "a" else set()
        assert set(element.attrs) <= allowed, html
        if element.name == "a":
            assert element["rel"] == ["nofollow", "ugc", "noopener"]
            assert element.get("href", "https://").startswith(SAFE_SCHEMES), html


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_hostile_bodies_render_inert(body: str) -> None:
    html = render_body(clean_body(body))
    assert_inert(html)
    assert "<script" not in html.lower()
    assert (
        "javascript:"
        not in "".join(
            a.get("href", "") for a in BeautifulSoup(html, "html.parser").find_all("a")
        ).lower()
    )


def test_markdown_features_survive() -> None:
    html = render_body(
        "*em* **strong** `code` [site](https://ok.example/a?b=1&c=2) [mail](mailto:a@b.example)"
        "\n\n    code block\n\n> quoted\n\n- one\n- two\n\n1. first"
    )
    assert_inert(html)
    soup = BeautifulSoup(html, "html.parser")
    assert [a["href"] for a in soup.find_all("a")] == [
        "https://ok.example/a?b=1&c=2",
        "mailto:a@b.example",
    ]
    for tag in ("em", "strong", "code", "blockquote", "ul", "ol", "pre"):
        assert soup.find(tag) is not None, tag


def test_raw_html_and_images_are_text() -> None:
    soup = BeautifulSoup(
        render_body("<b>bold?</b> ![pic](https://img.example/a.png)"), "html.parser"
    )
    assert soup.find("b") is None and soup.find("img") is None
    assert soup.get_text() == "<b>bold?</b> ![pic](https://img.example/a.png)"


def test_relative_and_unsafe_links_lose_their_href() -> None:
    soup = BeautifulSoup(
        render_body("[a](/local) [b](data:text/html,x) [c](ftp://x.example)"), "html.parser"
    )
    assert [a.get("href") for a in soup.find_all("a")] == [None, None, None]


@pytest.mark.parametrize("name", NAMES, ids=range(len(NAMES)))
def test_names_are_one_clean_line(name: str) -> None:
    cleaned = clean_line(name + "\r\nBcc: x@y.example\x00")
    assert "\n" not in cleaned and "\r" not in cleaned and "\x00" not in cleaned
    assert not any(0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in cleaned)
    assert len(cleaned) <= 100


@pytest.mark.parametrize("url", URLS, ids=range(len(URLS)))
def test_only_absolute_http_urls_are_kept(url: str) -> None:
    cleaned = clean_url(url)
    assert cleaned == "" or cleaned.startswith(("http://ok.example/", "https://ok.example/"))
    assert not set(cleaned) & set("\"'<> \r\n") - {"'"}


def test_good_urls_and_emails() -> None:
    assert clean_url("https://jane.example/about?x=1#top") == "https://jane.example/about?x=1#top"
    assert clean_email("Jane@Example.COM") == "Jane@example.com"
    assert clean_email("not an address") == ""
    assert clean_body("a\r\nb\rc\x07\n\n\n") == "a\nb\nc"
    assert clean_body("xml\ufffe\uffff ok") == "xml ok"

"""Share links: plain addresses with the title and URL encoded as urlencode encodes them."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from plugins.blog.share import share_links

SERVICES = ["email", "linkedin", "facebook", "x"]


@pytest.mark.parametrize(
    ("title", "url"),
    [
        (
            "Thank-you notes & “warm” intros: 5 ways?",
            "https://warm.example/2026/05/notes/?a=1&b=2#c",
        ),
        ("Café + ünïcode/slash", "http://127.0.0.1:8000/2026/11/café/"),
        ("", ""),
    ],
)
def test_each_link_carries_the_title_and_url(title: str, url: str) -> None:
    expected = [
        (
            "Email",
            "mailto:?"
            + urlencode({"subject": title, "body": f"{title}\n\n{url}"}, quote_via=quote),
        ),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ("X", "https://x.com/intent/post?" + urlencode({"url": url, "text": title})),
    ]
    links = share_links(title, url, SERVICES)
    assert links == expected
    query = parse_qs(urlsplit(links[3][1]).query, keep_blank_values=True)
    assert query == {"url": [url], "text": [title]}


def test_only_the_configured_services_in_their_order() -> None:
    assert [label for label, _ in share_links("T", "https://x.example/", ["x", "email"])] == [
        "X",
        "Email",
    ]

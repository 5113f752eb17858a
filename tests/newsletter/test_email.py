"""The email of an issue as a reader's mail program sees it, parsed by two MIME parsers."""

from __future__ import annotations

import dataclasses
import email
import re
from email import policy

import mailparser
import pytest
from bs4 import BeautifulSoup

from plugins.newsletter import Address, HeaderError, Reader, load_rendered
from plugins.newsletter.message import compose

from .conftest import SITEURL

HOSTILE = '<script>alert(1)</script> & "Bob"\r\nBcc: victim@example.com'


@pytest.fixture(scope="module")
def issue(newsletter_site):
    return load_rendered(1, newsletter_site.rendered)


@pytest.fixture(scope="module")
def raw(issue) -> bytes:
    return issue.message(Reader("ada@example.org", "Ada"))


def test_message_is_multipart_alternative_text_then_html(issue, raw):
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert message["Subject"] == "Tips & tricks for “warm” follow-up"
    assert message["From"] == "Olivia Hart <olivia@warmleads.example>"
    assert message["Reply-To"] == "Olivia Hart <olivia@warmleads.example>"
    assert message["To"] == "Ada <ada@example.org>"
    assert message["Message-ID"].endswith("@warmleads.example>")
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")

    parsed = mailparser.parse_from_bytes(raw)
    assert parsed.subject == "Tips & tricks for “warm” follow-up"
    assert parsed.to == [("Ada", "ada@example.org")]
    assert "Hi Ada," in parsed.text_plain[0]
    assert "Hi Ada," in parsed.text_html[0]
    assert parsed.defects == []


@pytest.mark.parametrize("name", ["Ada", "Zoë = “Z” & <b>", ""])
def test_message_bodies_decode_to_exactly_what_personalise_gives(issue, name):
    reader = Reader("z@example.org", name)
    raw = issue.message(reader)
    message = email.message_from_bytes(raw, policy=policy.default)
    text, html = issue.personalise(reader)
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
    assert message.get_body(("html",)).get_content().replace("\r\n", "\n") == html
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert body.isascii() and max(len(line) for line in body.split(b"\r\n")) <= 76


def test_html_links_are_absolute_and_styles_inlined_and_it_is_small(issue, raw):
    _, html = issue.personalise(Reader("ada@example.org", "Ada"))
    page = BeautifulSoup(html, "html.parser")
    links = [a["href"] for a in page.find_all("a")]
    assert f"{SITEURL}/newsletter/1/" in links, "view in the browser"
    assert f"{SITEURL}/2026/02/post-c/" in links, "{filename} in the intro"
    assert f"{SITEURL}/about/" in links, "a site-relative link in the intro"
    assert links.count(f"{SITEURL}/2026/01/post-b/") == 2, "title and Read more"
    assert "mailto:olivia@warmleads.example?subject=Unsubscribe" in links
    assert all(link.startswith((f"{SITEURL}/", "mailto:")) for link in links), links
    image = page.find("img")
    assert image["src"] == f"{SITEURL}/images/card.svg"
    assert image["alt"] == "A hand-written card on a desk"
    assert page.select("table[role=presentation]"), "a table layout"
    assert not page.select("link[rel=stylesheet]")
    for selector in ("td.card", "h1.subject", ".post-title a", ".post-more a", "td.footer"):
        assert page.select_one(selector).get("style"), f"{selector} has inline styles"
    assert "color: #9c3f17" in page.select_one(".post-more a")["style"]
    kept = "".join(style.get_text() for style in page.find_all("style"))
    assert "prefers-color-scheme: dark" in kept and "max-width: 620px" in kept
    assert page.select_one("meta[name=color-scheme]")["content"] == "light dark"
    assert page.select_one(".preheader").get_text().startswith("Two posts, one question")
    assert len(raw) < 100_000 and len(html.encode()) < 100_000


def test_text_part_is_written_for_reading(issue):
    text, _ = issue.personalise(Reader("ada@example.org", "Ada"))
    assert "<" not in text.replace("<script", "")
    assert "Hi Ada," in text
    assert f"the third post ({SITEURL}/2026/02/post-c/)" in text
    assert "- one small idea\n- another small idea" in text
    assert "1. Post B & friends" in text and "2. Post A" in text
    assert f"Read more: {SITEURL}/2026/01/post-b/" in text
    assert "Unsubscribe: mailto:olivia@warmleads.example?subject=Unsubscribe" in text
    assert "Just hit reply." in text
    assert "Warm Leads, 12 Orchard Row, Bath BA1 1AA, United Kingdom" in text
    assert "It was sent to ada@example.org." in text
    long_lines = [line for line in text.splitlines() if len(line) > 72 and " " in line.strip()]
    assert not [line for line in long_lines if "http" not in line], long_lines


def test_a_hostile_first_name_is_escaped_in_html_and_cannot_add_a_header(issue):
    reader = Reader("bob@example.org", HOSTILE)
    text, html = issue.personalise(reader)
    assert "<script>" not in html
    assert "Hi &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&quot; Bcc: victim@" in html
    assert 'Hi <script>alert(1)</script> & "Bob" Bcc: victim@example.com,' in text
    with pytest.raises(HeaderError, match="line break"):
        issue.message(reader)
    raw = issue.message(dataclasses.replace(reader, first_name=HOSTILE.replace("\r\n", " ")))
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Bcc"] is None
    assert message["To"].addresses[0].addr_spec == "bob@example.org"


def test_no_first_name_greets_the_fallback_and_unsubscribe_links_are_per_reader(issue):
    text, html = issue.personalise(Reader("x@example.org", "  "))
    assert "Hi friend," in text and "Hi friend," in html
    leave = dataclasses.replace(issue, unsubscribe_template="https://news.example/leave?e={email}")
    text, html = leave.personalise(Reader("a+b@example.org", "A"))
    assert "Unsubscribe: https://news.example/leave?e=a%2Bb@example.org" in text
    assert 'href="https://news.example/leave?e=a%2Bb@example.org"' in html
    text, html = issue.personalise(Reader("a@example.org"), "https://s.example/u?t=1&s=2")
    assert 'href="https://s.example/u?t=1&amp;s=2"' in html
    assert "Unsubscribe: https://s.example/u?t=1&s=2" in text


@pytest.mark.parametrize(
    "subject",
    [
        "Hello\r\nBcc: victim@example.com",
        "Hello\n",
        "=?utf-8?q?Hi=0ABcc:_x@example.com?=",
        "a\u2028b",
    ],
)
def test_compose_refuses_subjects_that_could_become_headers(subject):
    with pytest.raises(HeaderError):
        compose(
            sender=Address("a@example.org"),
            to=Address("b@example.org"),
            subject=subject,
            text="t",
            html="<p>h</p>",
        )


@pytest.mark.parametrize(
    ("address", "name"),
    [("b@example.org\r\nBcc: c@example.org", ""), ("b@example.org", "B\nBcc: c@x"), ("b c@x", "")],
)
def test_addresses_with_line_breaks_or_spaces_are_refused(address, name):
    with pytest.raises(HeaderError):
        Address(address, name)


def test_non_ascii_subject_and_name_are_encoded(issue):
    raw = compose(
        sender=Address("o@example.org", "Zoë Ångström"),
        to=Address("r@bücher.example", "Renée"),
        subject="Café — naïve ideas",
        text="Grüße\n",
        html="<p>Grüße</p>",
        headers=[("List-Id", "Warm Leads <letter.warmleads.example>")],
    )
    assert raw.isascii()
    assert re.search(rb"^Subject: =\?utf-8\?", raw, re.M)
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "Café — naïve ideas"
    assert message["From"].addresses[0].display_name == "Zoë Ångström"
    assert message["To"].addresses[0].addr_spec == "r@xn--bcher-kva.example"
    assert message["List-Id"] == "Warm Leads <letter.warmleads.example>"
    assert message.get_body(("plain",)).get_content() == "Grüße\r\n"

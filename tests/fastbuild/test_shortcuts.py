"""fastbuild's shortcuts give Pelican's own answers: dates formatted, and a post's HTML
and summary asked for from pages at every depth."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pelican import utils as pelican_utils
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import SafeDatetime

from plugins.fastbuild.contents import settle
from plugins.fastbuild.dates import strftime

FORMATS = [
    "%d %B %Y",
    "%-d %B %Y",
    "%a, %-d %b %Y %-H:%M",
    "%H:%M",
    "%Y-%m-%d %%d %q %-q %e %Ez",
    "week %-V of %G, day %-j",
    "%",
    "no directives",
    "%-m/%-d/%y %I%p %z %Z",
]
DATES = [
    SafeDatetime(2026, 1, 2, 3, 4, 5),
    date(2026, 7, 4),
    SafeDatetime(2026, 11, 20, 0, 0, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5), "EST")),
]


# Pelican's own, also once fastbuild (loaded in this process by another test) swapped it.
pelican_strftime = getattr(pelican_utils.strftime, "__wrapped__", pelican_utils.strftime)


@pytest.mark.parametrize("date_format", FORMATS)
def test_strftime_writes_what_pelican_writes(date_format: str) -> None:
    for when in DATES:
        try:
            expected = pelican_strftime(when, date_format)
        except ValueError as error:  # "%" alone: Pelican cannot either
            with pytest.raises(ValueError, match=str(error)):
                strftime(when, date_format)
            continue
        assert strftime(when, date_format) == expected


SITEURLS = [".", "../..", "../../../..", "https://example.org/blog"]


def _article(html: str, **metadata: object) -> Article:
    settings = {**DEFAULT_CONFIG, "SUMMARY_MAX_LENGTH": 4, "RELATIVE_URLS": True}
    context = {
        "localsiteurl": "",
        "generated_content": {},
        "static_content": {},
        "static_links": set(),
    }
    return Article(
        html,
        metadata={"title": "Say thank you", "date": SafeDatetime(2026, 3, 4), **metadata},
        settings=settings,
        context=context,
        source_path="/site/content/posts/thanks.md",
    )


@pytest.mark.parametrize(
    ("html", "metadata"),
    [
        ("<p>A card, a call, a coffee: one <a href='https://x.example/'>touch</a> a week.</p>", {}),
        ('<p>Back to <a href="{index}">the start</a> of every good follow-up.</p>', {}),
        ("<p>Send the note today.</p>", {"summary": '<p>See <a href="{index}">home</a></p>'}),
    ],
    ids=["no-intrasite-links", "intrasite-link", "summary-metadata"],
)
def test_a_settled_post_answers_as_pelican_does_from_every_depth(html, metadata) -> None:
    settled, plain = _article(html, **metadata), _article(html, **metadata)
    settle(settled)
    assert settled.url == plain.url
    for siteurl in SITEURLS:
        assert settled.get_content(siteurl) == plain.get_content(siteurl)
        assert settled.get_summary(siteurl) == plain.get_summary(siteurl)


def test_only_html_without_intrasite_links_is_made_once() -> None:
    linked = _article('<p>Back to <a href="{index}">the start</a>.</p>')
    settle(linked)
    assert linked.get_content(".") != linked.get_content("../..")

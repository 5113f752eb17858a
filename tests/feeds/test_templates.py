"""The theme's feed partials, rendered the way Pelican renders them (no autoescape)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from jinja2 import Environment, FileSystemLoader

from plugins.feeds import FeedSpec, registry, settings
from tests.helpers import ROOT

SITE = "https://a.example"
# A category name, a tag or a post title may hold any of these: they are plain text.
HOSTILE = 'Q&A "live" <b>bold</b>'


@pytest.fixture
def env() -> Environment:
    feeds = registry.start(settings.check({"SITEURL": SITE, "SITENAME": "Site"}))
    feeds.publish(
        FeedSpec(
            key="posts",
            title=HOSTILE,
            name=HOSTILE,
            group=HOSTILE,
            atom_path="feeds/all.atom.xml",
            updated=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        [],
    )
    environment = Environment(  # Pelican's defaults: trim_blocks, lstrip_blocks, no autoescape
        loader=FileSystemLoader(ROOT / "theme" / "templates"), trim_blocks=True, lstrip_blocks=True
    )
    environment.globals.update(feeds=feeds, SITEURL=SITE)
    return environment


def test_autodiscovery_titles_are_escaped(env: Environment) -> None:
    html = env.get_template("partials/feeds_head.html").render()
    [link] = BeautifulSoup(html, "html.parser").find_all("link")
    assert link.attrs == {
        "rel": ["alternate"],
        "type": "application/atom+xml",
        "title": f"{HOSTILE} (Atom)",
        "href": f"{SITE}/feeds/all.atom.xml",
    }


def test_the_subscribe_block_shows_names_as_text(env: Environment) -> None:
    html = env.get_template("partials/feeds_subscribe.html").render()
    section = BeautifulSoup(html, "html.parser").find("section")
    assert section.find("b") is None
    assert section.h3.get_text() == HOSTILE
    assert section.li.get_text(" ", strip=True) == f"{HOSTILE}: Atom"

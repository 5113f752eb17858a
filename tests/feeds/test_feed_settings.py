"""Bad feed settings stop the build with one line; Pelican's own feeds stay off."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from pelican.settings import DEFAULT_CONFIG

from plugins.feeds import plugin, settings
from plugins.feeds.settings import FeedsSettingsError
from tests.feeds.conftest import SITE_A
from tests.helpers import BIN, build_site, run

BASE = {"SITEURL": SITE_A, "SITENAME": "Warm Leads", "AUTHOR": "Olivia Hart"}


def test_invoke_build_stops_with_one_error_line_and_writes_nothing(tmp_path):
    output = tmp_path / "output"
    feeds = '{"max_items": 0}'
    result = run([str(BIN / "invoke"), "build", "--", "-o", str(output), "-e", f"FEEDS={feeds}"])
    assert result.returncode == 1
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines == [
        'error: FEEDS["max_items"] = 0 must be a whole number of posts such as 20, '
        "or None for every post"
    ]
    assert not output.exists()


def _error(feeds: Any, **config: Any) -> str:
    with pytest.raises(FeedsSettingsError) as raised:
        settings.check({**BASE, **config, "FEEDS": feeds})
    return str(raised.value)


@pytest.mark.parametrize(
    ("feeds", "message"),
    [
        (
            "yes",
            'FEEDS must be a dict of feed settings, e.g. FEEDS = {"max_items": 20}; '
            "see docs/feeds.md",
        ),
        (
            {"tag_atoms": "feeds/t/{slug}.xml"},
            "FEEDS has an unknown setting 'tag_atoms'; did you mean \"tag_atom\"? the settings "
            "are all_atom, all_rss, all_json, category_atom, category_rss, tag_atom, tag_rss, "
            "author_atom, author_rss, max_items, id_authority, icon, logo",
        ),
        (
            {"category_atom": "feeds/category.atom.xml"},
            "FEEDS[\"category_atom\"] = 'feeds/category.atom.xml' must contain {slug}, "
            'e.g. "feeds/category/{slug}.atom.xml"',
        ),
        (
            {"all_json": "feeds/{slug}.json"},
            "FEEDS[\"all_json\"] = 'feeds/{slug}.json' takes no {placeholders}, "
            'e.g. "feeds/all.json"',
        ),
        (
            {"tag_rss": "/srv/www/{slug}.xml"},
            "FEEDS[\"tag_rss\"] = '/srv/www/{slug}.xml' must be relative to the output "
            'directory without "..", e.g. "feeds/tag/{slug}.rss.xml"',
        ),
        (
            {"all_rss": "feeds/all.atom.xml"},
            'FEEDS["all_rss"] and FEEDS["all_atom"] are both \'feeds/all.atom.xml\'; '
            "give each feed its own path",
        ),
        (
            {"id_authority": "Warm Leads"},
            "FEEDS[\"id_authority\"] = 'Warm Leads' must be a domain or email you own, in lower "
            'case, e.g. "warmleads.example" or "olivia@warmleads.example"',
        ),
        (
            {"max_items": True},
            'FEEDS["max_items"] = True must be a whole number of posts such as 20, '
            "or None for every post",
        ),
        (
            {"icon": "../favicon.svg"},
            'FEEDS["icon"] must be the site-relative path of an image in the built site, '
            'e.g. "favicon.svg", or None',
        ),
    ],
)
def test_each_bad_setting_is_named_with_its_fix(feeds, message):
    assert _error(feeds) == message


def test_production_refuses_a_siteurl_feeds_cannot_use():
    assert _error({}, SITEURL="/blog", NURTURE_PRODUCTION=True) == (
        "SITEURL must be the site's absolute address in production because feeds need "
        "absolute links: set NURTURE_SITEURL=https://... or SITEURL in publishconf.py"
    )


def test_defaults_and_the_id_authority_that_ignores_siteurl():
    checked = settings.check({**BASE, "SITENAME": "Café Olé Notes"})
    assert checked.paths == {key: settings.DEFAULTS[key] for key in settings.PATH_KEYS}
    assert checked.max_items == 20
    assert checked.id_authority == "cafe-ole-notes"
    moved = settings.check({**BASE, "SITENAME": "Café Olé Notes", "SITEURL": "http://x.example"})
    assert moved.id_authority == checked.id_authority
    assert settings.check({**BASE, "FEEDS": {"tag_rss": None}}).paths["tag_rss"] is None


def test_pelicans_own_feeds_are_switched_off(caplog):
    config = {**DEFAULT_CONFIG, **BASE, "FEED_ALL_RSS": "feeds/everything.xml"}
    with caplog.at_level(logging.WARNING):
        plugin.initialized(SimpleNamespace(settings=config))
    assert all(config[name] is None for name in settings.PELICAN_FEED_SETTINGS)
    # Pelican's defaults go quietly; a path the user chose is worth a word.
    assert [r.getMessage() for r in caplog.records] == [
        "feeds: FEED_ALL_RSS is ignored: plugins.feeds writes every feed; set its path in "
        "FEEDS instead (see docs/feeds.md)"
    ]


def test_without_an_absolute_siteurl_a_development_build_writes_no_feeds(fixture_content, tmp_path):
    output = tmp_path / "output"
    result = build_site(fixture_content, output, overrides={"SITEURL": json.dumps("")})
    assert result.returncode == 0, result.stderr
    assert "feeds: SITEURL is not an absolute address, so no feeds are written" in result.stdout
    assert not (output / "feeds").exists()
    assert 'rel="alternate"' not in (output / "index.html").read_text(encoding="utf-8")

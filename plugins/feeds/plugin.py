"""Signal handlers of the feeds plugin (module level: Pelican keeps weak references).

`initialized` checks the settings and every run starts a fresh registry;
`article_generator_finalized` publishes the post feeds (all posts, each category, tag and
author); `finalized` writes every published feed, the other plugins' included.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.settings import DEFAULT_CONFIG

from . import entries, registry, settings
from .model import FeedAuthor, FeedItem, FeedSpec
from .settings import LOG_PREFIX

log = logging.getLogger(__name__)


def _switch_off_pelican_feeds(config: dict[str, Any]) -> None:
    for name in settings.PELICAN_FEED_SETTINGS:
        value = config.get(name)
        if value and value != DEFAULT_CONFIG.get(name):
            log.warning(
                "%s %s is ignored: plugins.feeds writes every feed; set its path in FEEDS "
                "instead (see docs/feeds.md)",
                LOG_PREFIX,
                name,
            )
        config[name] = None


def initialized(pelican: Any) -> None:
    config = pelican.settings
    feed_settings = settings.check(config)
    _switch_off_pelican_feeds(config)
    if not feed_settings.enabled:
        log.warning(
            "%s SITEURL is not an absolute address, so no feeds are written: set SITEURL = "
            '"http://127.0.0.1:8000" in pelicanconf.py (RELATIVE_URLS = True keeps pages relative)',
            LOG_PREFIX,
        )
    config.setdefault("JINJA_GLOBALS", {})["feeds"] = registry.start(feed_settings)


def run_started(pelican: Any) -> None:
    """Every run of Pelican publishes its feeds anew, also one that reuses the instance
    (Pelican's autoreload): a fresh registry (`get_generators` is sent once per run)."""
    feeds = registry.start(registry.current().settings)
    pelican.settings["JINJA_GLOBALS"]["feeds"] = feeds


def _carried(articles: Iterable[Any], now: datetime, limit: int | None) -> list[Any]:
    """The newest posts a feed carries. Pelican already left out drafts and hidden posts;
    future-dated ones wait for their date. Only these become feed items."""
    published = [article for article in articles if article.date <= now]
    return sorted(published, key=lambda article: article.date, reverse=True)[:limit]


def articles_finalized(generator: Any) -> None:
    feeds = registry.current()
    config = feeds.settings
    if not config.enabled:
        return
    now = datetime.now(UTC)

    @functools.cache
    def item(article: Any) -> FeedItem:
        return entries.from_article(article, config.siteurl, config.id_authority)

    def publish(key: str, kind: str, slug: str, articles: Iterable[Any], **spec: Any) -> None:
        posts = _carried(articles, now, config.max_items)
        paths = {
            f"{fmt}_path": path.format(slug=slug)
            for fmt in ("atom", "rss", "json")
            if (path := config.paths.get(f"{kind}_{fmt}"))
        }
        if posts and paths:
            feeds.publish(FeedSpec(key=key, **paths, **spec), map(item, posts))

    site = config.sitename
    publish(
        "posts",
        "all",
        "",
        generator.articles,
        title=site,
        name="Every post",
        subtitle=config.subtitle,
        group="All posts",
    )
    for category, articles in generator.categories:
        publish(
            f"category/{category.slug}",
            "category",
            category.slug,
            articles,
            title=f"{site} — {category.name}",
            name=category.name,
            subtitle=f"Posts about {category.name} on {site}",
            page=category.url,
            group="Topics",
        )
    for author, articles in generator.authors:
        publish(
            f"author/{author.slug}",
            "author",
            author.slug,
            articles,
            title=f"{site} — posts by {author.name}",
            name=author.name,
            subtitle=f"Posts by {author.name} on {site}",
            page=author.url,
            authors=(FeedAuthor(author.name, author.url),),
            group="Authors",
        )
    for tag, articles in sorted(generator.tags.items(), key=lambda pair: pair[0].name):
        publish(
            f"tag/{tag.slug}",
            "tag",
            tag.slug,
            articles,
            title=f"{site} — posts tagged {tag.name}",
            name=tag.name,
            subtitle=f"Posts tagged {tag.name} on {site}",
            page=tag.url,
            group="Tags",
        )


def finalized(pelican: Any) -> None:
    output = Path(pelican.output_path)
    report = registry.current().write(output)
    _remove_feeds_no_longer_published(pelican.settings, output, report)
    if report.written or report.unchanged:
        log.info(
            "%s wrote %d feed file(s), left %d unchanged",
            LOG_PREFIX,
            len(report.written),
            len(report.unchanged),
        )


def _remove_feeds_no_longer_published(settings: Any, output: Path, report: Any) -> None:
    """Delete the feeds this plugin wrote last time and not this time (a post or tag is
    gone), so a build that keeps output/ (livereload) ends like a clean one."""
    manifest = Path(settings["CACHE_PATH"]) / "feeds-written.json"
    start = len(str(output)) + 1  # every path is output / its relative name
    current = sorted(str(path)[start:] for path in report.written + report.unchanged)
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = []
    for name in set(previous) - set(current):
        (output / name).unlink(missing_ok=True)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps(current), encoding="utf-8")


def register() -> None:
    signals.initialized.connect(initialized)
    signals.get_generators.connect(run_started)
    signals.article_generator_finalized.connect(articles_finalized)
    signals.finalized.connect(finalized)

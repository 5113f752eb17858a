"""Signal handlers of the blog plugin (kept at module level: Pelican holds weak refs)."""

from __future__ import annotations

import functools
import itertools
import logging
from pathlib import Path
from typing import Any

from pelican import signals

from . import authors, reading, related, settings, share, sitemap

log = logging.getLogger(__name__)
PREFIX = "blog:"


class _State:
    """What one build collected; reset at every `initialized` so livereload starts fresh."""

    def __init__(self) -> None:
        self.articles: list[Any] = []
        self.pages: list[Any] = []
        self.taxonomies: list[tuple[Any, Any]] = []
        self.generators: list[Any] = []


_state = _State()


def initialized(pelican: Any) -> None:
    global _state
    _state = _State()
    config = pelican.settings
    settings.check(config)
    config["ABSOLUTE_SITEURL"] = (config.get("SITEURL") or "").rstrip("/")
    profiles = authors.profiles(config)
    services = list(config.get("SHARE_LINKS", []))
    config.setdefault("JINJA_GLOBALS", {}).update(
        author_profile=profiles.get,
        # Settings are pickled with Pelican's content cache: no lambdas in here.
        share_links=functools.partial(share.share_links, services=services),
    )


def _source(content: Any) -> str:
    return getattr(content, "relative_source_path", None) or content.source_path


def articles_finalized(generator: Any) -> None:
    config = generator.settings
    known = set(config.get("AUTHOR_PROFILES", {}))
    articles = sorted(generator.articles, key=lambda a: a.date)
    for article in articles + generator.drafts:
        for author in getattr(article, "authors", []):
            if author.name not in known:
                log.error(
                    "%s %s: unknown author %r; add them to AUTHOR_PROFILES in "
                    "pelicanconf.py or fix the Author line",
                    PREFIX,
                    _source(article),
                    author.name,
                )
        # _content is the converted HTML before link replacement: reading `content` this
        # early would resolve {static} links before the static files are known.
        article.reading_minutes = reading.reading_minutes(article._content)
    for previous, current in itertools.pairwise(articles):
        current.previous_post, previous.next_post = previous, current
    related_map = related.related_posts(articles, config.get("RELATED_POSTS_MAX", 3))
    for article in articles:
        article.related_posts = related_map[article]
    _state.articles = articles
    _state.taxonomies = [
        *((cat, arts) for cat, arts in generator.categories),
        *((tag, arts) for tag, arts in generator.tags.items()),
        *((author, arts) for author, arts in generator.authors),
    ]


def pages_finalized(generator: Any) -> None:
    _state.pages = list(generator.pages)


def generators_finalized(generators: list[Any]) -> None:
    _state.generators = generators


def finalized(pelican: Any) -> None:
    config = pelican.settings
    siteurl = config["ABSOLUTE_SITEURL"]
    output = Path(pelican.output_path)
    entries: list[tuple[str, Any]] = [("", _state.articles[-1].date if _state.articles else None)]
    entries += [(a.url, getattr(a, "modified", None) or a.date) for a in reversed(_state.articles)]
    entries += [(p.url, None) for p in _state.pages]
    entries += [(t.url, max(a.date for a in arts)) for t, arts in _state.taxonomies if arts]
    entries.append((config.get("ARCHIVES_URL", "archives.html"), None))
    # Other generators (the newsletter's) list their pages through `sitemap_entries()`.
    for generator in _state.generators:
        entries += getattr(generator, "sitemap_entries", list)()
    sitemap.write_if_changed(output / "sitemap.xml", sitemap.sitemap_xml(siteurl, entries))
    sitemap.write_if_changed(output / "robots.txt", sitemap.robots_txt(siteurl))


def register() -> None:
    signals.initialized.connect(initialized)
    signals.article_generator_finalized.connect(articles_finalized)
    signals.page_generator_finalized.connect(pages_finalized)
    signals.all_generators_finalized.connect(generators_finalized)
    signals.finalized.connect(finalized)

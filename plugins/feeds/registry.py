"""The feeds of one build: what was published, the links templates show, and writing.

plugin.py starts a Registry at every `initialized` signal (so livereload starts fresh)
and writes it at `finalized`; the public API (api.py) and the theme's `feeds` global
reach the current one through `current()`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from plugins.errors import NurtureError
from plugins.fastbuild.parallel import fork_map

from . import entries, writer
from .model import FeedAuthor, FeedItem, FeedSpec
from .settings import LOG_PREFIX, FeedSettings

log = logging.getLogger(__name__)

FORMATS = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}


# What this process rendered in its last build, for the next one (livereload).
_rendered: dict[tuple[Any, ...], dict[str, bytes]] = {}
_cleaned: dict[tuple[FeedItem, str], tuple[FeedItem, int]] = {}


def astuple_shallow(feed: writer.Feed) -> tuple[Any, ...]:
    """A feed's fields as a hashable key (its dict of URLs as sorted pairs)."""
    return tuple(
        tuple(sorted(value.items())) if isinstance(value, dict) else value
        for value in (getattr(feed, field.name) for field in fields(feed))
    )


class FeedsNotLoaded(NurtureError):
    """A plugin published a feed but plugins.feeds is not loaded."""


@dataclass(frozen=True)
class FeedLink:
    """One published document of a feed, as templates link it."""

    title: str
    format: str
    media_type: str
    path: str
    url: str


@dataclass(frozen=True)
class WriteReport:
    """The feed files one build wrote, and those it left as they were."""

    written: list[Path]
    unchanged: list[Path]


class Registry:
    """The feeds published during one build, written once when it finishes."""

    def __init__(self, settings: FeedSettings) -> None:
        self.settings = settings
        self.feeds: dict[str, tuple[FeedSpec, Iterable[FeedItem]]] = {}
        self._owners: dict[str, str] = {}
        self._links: dict[str, list[FeedLink]] = {}  # every page asks for some

    def tag_id(self, when: date, specific: str) -> str:
        return entries.tag_uri(self.settings.id_authority, when, specific)

    def url(self, path: str) -> str:
        return f"{self.settings.siteurl}/{path}"

    def publish(self, spec: FeedSpec, items: Iterable[FeedItem]) -> None:
        if not self.settings.enabled:
            return
        if spec.key in self.feeds:
            log.error("%s feed %r was published twice; keeping the first", LOG_PREFIX, spec.key)
            return
        for path in _paths(spec).values():
            if path in self._owners:
                log.error(
                    "%s %s is already the path of feed %r; skipping feed %r (give it another path)",
                    LOG_PREFIX,
                    path,
                    self._owners[path],
                    spec.key,
                )
                return
        spec, removed = entries.prepare_spec(spec, self.settings.siteurl)
        if removed:
            log.warning(
                "%s feed %r: removed %d control or XML-illegal character(s) from its names",
                LOG_PREFIX,
                spec.key,
                removed,
            )
        self._owners.update(dict.fromkeys(_paths(spec).values(), spec.key))
        self.feeds[spec.key] = (spec, items)

    def links(self, what: Any = "posts") -> list[FeedLink]:
        """The documents of a feed, by key or by a Category, Tag or Author of Pelican's."""
        if not what:
            return []
        key = what if isinstance(what, str) else f"{type(what).__name__.lower()}/{what.slug}"
        if key not in self.feeds:
            return []
        if key not in self._links:
            self._links[key] = self._links_of(self.feeds[key][0])
        return self._links[key]

    def _links_of(self, spec: FeedSpec) -> list[FeedLink]:
        return [
            FeedLink(
                title=f"{spec.title} ({FORMATS[fmt]})",
                format=FORMATS[fmt],
                media_type=writer.MEDIA_TYPES[fmt],
                path=path,
                url=self.url(path),
            )
            for fmt, path in _paths(spec).items()
        ]

    def groups(self) -> list[tuple[str, list[tuple[str, list[FeedLink]]]]]:
        """The listed feeds as (group, [(name, links)]), in the order they were published."""
        grouped: dict[str, list[tuple[str, list[FeedLink]]]] = {}
        for key, (spec, _) in self.feeds.items():
            if spec.group:
                entry = (spec.name or spec.title, self.links(key))
                grouped.setdefault(spec.group, []).append(entry)
        return list(grouped.items())

    def write(self, output: Path) -> WriteReport:
        """Write every published feed under `output`, skipping files already up to date.

        A feed identical to one rendered earlier in this process (the rebuilds of
        `invoke livereload`) is not rendered again; the others are rendered on every core.
        """
        global _rendered, _cleaned
        prepared: dict[FeedItem, FeedItem] = {}
        cleaned: dict[tuple[FeedItem, str], tuple[FeedItem, int]] = {}
        report = WriteReport([], [])
        resolved: list[tuple[FeedSpec, tuple[Any, ...], writer.Feed]] = []
        for spec, items in self.feeds.values():
            carried = sorted(items, key=lambda item: item.published, reverse=True)
            carried = carried[: self.settings.max_items]
            clean = [self._prepared(item, prepared, cleaned) for item in carried]
            feed = self._resolve(spec, clean, output)
            if feed is None:
                log.info("%s skipped %r: it has no items and no updated date", LOG_PREFIX, spec.key)
                continue
            resolved.append((spec, (*astuple_shallow(feed), spec), feed))
        rendered = {key: _rendered[key] for _, key, _ in resolved if key in _rendered}
        missing = [(key, feed) for _, key, feed in resolved if key not in rendered]
        documents = fork_map(writer.render, [feed for _, feed in missing])
        rendered.update(zip((key for key, _ in missing), documents, strict=True))
        for spec, key, _ in resolved:
            documents = rendered[key]
            for fmt, path in _paths(spec).items():
                target = output / path
                changed = writer.write_if_changed(target, documents[fmt])
                (report.written if changed else report.unchanged).append(target)
        _rendered, _cleaned = rendered, cleaned
        return report

    def _prepared(
        self,
        item: FeedItem,
        cache: dict[FeedItem, FeedItem],
        cleaned: dict[tuple[FeedItem, str], tuple[FeedItem, int]],
    ) -> FeedItem:
        if item not in cache:
            key = (item, self.settings.siteurl)
            clean, removed = _cleaned.get(key) or entries.prepare(item, self.settings.siteurl)
            cleaned[key] = clean, removed
            if removed:
                log.warning(
                    "%s %s: removed %d control or XML-illegal character(s) from %r",
                    LOG_PREFIX,
                    item.source or item.id,
                    removed,
                    clean.title,
                )
            cache[item] = clean
        return cache[item]

    def _resolve(self, spec: FeedSpec, items: list[FeedItem], output: Path) -> writer.Feed | None:
        updated = max((item.last_updated for item in items), default=spec.updated)
        if updated is None:
            return None
        settings = self.settings
        return writer.Feed(
            title=spec.title,
            subtitle=spec.subtitle,
            page_url=urljoin(f"{settings.siteurl}/", spec.page),
            urls={fmt: self.url(path) for fmt, path in _paths(spec).items()},
            items=tuple(items),
            updated=updated,
            authors=spec.authors or ((FeedAuthor(settings.author),) if settings.author else ()),
            language=settings.language,
            icon_url=self._image_url(output, settings.icon),
            logo_url=self._image_url(output, settings.logo),
        )

    def _image_url(self, output: Path, path: str | None) -> str:
        return self.url(path) if path and (output / path).is_file() else ""


def _paths(spec: FeedSpec) -> dict[str, str]:
    candidates = {"atom": spec.atom_path, "rss": spec.rss_path, "json": spec.json_path}
    return {fmt: path for fmt, path in candidates.items() if path is not None}


_current: Registry | None = None


def start(settings: FeedSettings) -> Registry:
    """Begin a build's registry (called at every `initialized`)."""
    global _current
    _current = Registry(settings)
    return _current


def current() -> Registry:
    """The registry of the build in progress."""
    if _current is None:
        raise FeedsNotLoaded(
            'a plugin published a feed, but plugins.feeds is not loaded: add "plugins.feeds" '
            "to PLUGINS in pelicanconf.py"
        )
    return _current

"""The feeds of one build: what was published, the links templates show, and writing.

plugin.py starts a Registry at every `initialized` signal (so livereload starts fresh)
and writes it at `finalized`; the public API (api.py) and the theme's `feeds` global
reach the current one through `current()`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
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


@dataclass(frozen=True)
class _Job:
    """One feed to write: its spec, the items it carries, and the rest its files depend
    on (SITEURL, author, language, and the URLs of the site's icon and logo)."""

    spec: FeedSpec
    items: tuple[FeedItem, ...]
    site: tuple[str, str, str, str, str]


@dataclass(frozen=True)
class _Outcome:
    """What writing one feed did: warnings, and for each file whether it was written and
    its (size, modification time) after; no stamps for a feed with nothing to write."""

    warnings: list[str]
    changed: dict[str, bool]
    stamps: dict[str, tuple[int, int]] | None


# The feeds this process wrote in its last build and their files' stamps (livereload).
_written: dict[_Job, dict[str, tuple[int, int]]] = {}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


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

        Each feed's items are made ready, rendered and written on every core. A feed
        this process wrote before from the same spec and items (the rebuilds of
        `invoke livereload`), whose files are untouched since, is not rendered again.
        """
        global _written
        settings = self.settings
        site = (settings.siteurl, settings.author, settings.language)
        site += (self._image_url(output, settings.icon), self._image_url(output, settings.logo))
        report = WriteReport([], [])
        written: dict[_Job, dict[str, tuple[int, int]]] = {}
        pending: list[_Job] = []
        for spec, items in self.feeds.values():
            carried = sorted(items, key=lambda item: item.published, reverse=True)
            job = _Job(spec, tuple(carried[: settings.max_items]), site)
            stamps = _written.get(job)
            if stamps is not None and all(_stamp(output / p) == s for p, s in stamps.items()):
                report.unchanged.extend(output / path for path in stamps)
                written[job] = stamps
            else:
                pending.append(job)
        warned: set[str] = set()
        # An item carried by several feeds (a post in its category's, its tags', its
        # author's) is made ready once in each process.
        prepared: dict[FeedItem, tuple[FeedItem, int]] = {}
        outcomes = fork_map(partial(self._write, output, prepared), pending)
        for job, outcome in zip(pending, outcomes, strict=True):
            for warning in outcome.warnings:
                if warning not in warned:  # an item carried by several feeds: once
                    warned.add(warning)
                    log.warning("%s %s", LOG_PREFIX, warning)
            if outcome.stamps is None:
                key = job.spec.key
                log.info("%s skipped %r: it has no items and no updated date", LOG_PREFIX, key)
                continue
            for path, changed in outcome.changed.items():
                (report.written if changed else report.unchanged).append(output / path)
            written[job] = outcome.stamps
        _written = written
        return report

    def _write(
        self, output: Path, prepared: dict[FeedItem, tuple[FeedItem, int]], job: _Job
    ) -> _Outcome:
        """Make `job`'s items ready, render its feed and write the files that changed."""
        clean, warnings = [], []
        for item in job.items:
            entry = prepared.get(item)
            if entry is None:
                entry = prepared[item] = entries.prepare(item, self.settings.siteurl)
            ready, removed = entry
            if removed:
                warnings.append(
                    f"{item.source or item.id}: removed {removed} control or XML-illegal "
                    f"character(s) from {ready.title!r}"
                )
            clean.append(ready)
        feed = self._resolve(job.spec, clean, *job.site[3:])
        if feed is None:
            return _Outcome(warnings, {}, None)
        documents = writer.render(feed)
        changed, stamps = {}, {}
        for fmt, path in _paths(job.spec).items():
            changed[path], stamps[path] = writer.write_if_changed(output / path, documents[fmt])
        return _Outcome(warnings, changed, stamps)

    def _resolve(
        self, spec: FeedSpec, items: list[FeedItem], icon_url: str, logo_url: str
    ) -> writer.Feed | None:
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
            icon_url=icon_url,
            logo_url=logo_url,
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

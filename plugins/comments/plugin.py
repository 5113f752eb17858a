"""Signal handlers of the comments plugin (module level: Pelican holds weak references).

As soon as the generators exist the comment files start loading (read, parsed, rendered
and dated, on every core: see loading.py). After every generator has read its content
and before anything is written, they are threaded and attached to their article or page as
`comment_thread` (the theme's partials/comments.html shows them), and the comment feeds
are published through plugins.feeds. A bad comment file is logged as a warning naming
the file and the reason, and skipped: the build goes on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from pelican import signals

from . import feeds, loading, mail, render
from .model import Thread, build_tree, same_person
from .posts import by_slug, comment_status, generated, plain_title
from .settings import LOG_PREFIX, comments_root, merged

log = logging.getLogger(__name__)


class _State:
    building = False  # between `initialized` and the threads being attached
    loading: Callable[[], loading.Loaded] | None = None


_state = _State()


def initialized(pelican: Any) -> None:
    pelican.settings["COMMENTS"] = merged(pelican.settings)
    # The Markdown converter, made before the build's workers are forked, is theirs too.
    render.markdown_to_html("")


def run_started(pelican: Any) -> None:
    """At the start of every run of Pelican (`get_generators` is sent once per run),
    also one that reuses the instance (Pelican's autoreload)."""
    _state.building, _state.loading = True, None


def start_loading(generator: Any) -> None:
    """At the first generator of a build: begin loading the comments."""
    if not _state.building or _state.loading is not None:
        return
    _state.loading = _start(generator.settings)


def _start(settings: dict[str, Any]) -> Callable[[], loading.Loaded]:
    config = settings["COMMENTS"]
    return loading.start(
        comments_root(settings, config),
        timezone=ZoneInfo(settings.get("TIMEZONE") or "UTC").key,
        max_length=config["max_length"],
        date_format=settings["DEFAULT_DATE_FORMAT"],
    )


def _shown(path: Path, settings: dict[str, Any]) -> str:
    return os.path.relpath(path, Path(settings["PATH"]).parent)


def attach_threads(generators: list[Any]) -> None:
    contents = generated(generators)
    if not contents:
        return
    settings = generators[0].settings
    config = settings["COMMENTS"]
    root = comments_root(settings, config)
    collect = _state.loading or _start(settings)
    _state.building, _state.loading = False, None
    found, problems = collect()
    for problem in problems:
        log.warning(
            "%s %s: %s; skipped", LOG_PREFIX, _shown(problem.path, settings), problem.reason
        )
    targets = by_slug(contents)
    for slug in sorted(set(found) - set(targets)):
        log.warning(
            "%s %s: no post or page has the slug %r; rename the folder to the post's slug; "
            "its comments were skipped",
            LOG_PREFIX,
            _shown(root / slug, settings),
            slug,
        )
    threads: list[tuple[Any, Thread]] = []
    for content in contents:
        status, reason = comment_status(content, config)
        if reason:
            log.warning(
                "%s %s: %s", LOG_PREFIX, _shown(Path(content.source_path), settings), reason
            )
        own = found.get(content.slug, []) if targets[content.slug] is content else []
        roots, left_out = build_tree(own)
        for comment, why in left_out:
            log.warning("%s %s: %s; skipped", LOG_PREFIX, _shown(comment.source, settings), why)
        title = plain_title(content)
        thread = Thread(content.slug, status, roots, mailto=mail.mailto(config["email"], title))
        authors = [author.name for author in getattr(content, "authors", [])]
        for comment in thread.walk():
            comment.html = Markup(comment.html)  # noqa: S704 (sanitised by nh3)
            comment.by_post_author = any(same_person(comment.author, name) for name in authors)
            comment.reply_url = mail.reply_mailto(config["email"], title, content.slug, comment.id)
        content.comment_thread = thread
        threads.append((content, thread))
    feeds.publish(threads, settings)


def register() -> None:
    signals.initialized.connect(initialized)
    signals.get_generators.connect(run_started)
    signals.generator_init.connect(start_loading)
    signals.all_generators_finalized.connect(attach_threads)

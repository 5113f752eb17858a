"""Convert Markdown posts in worker processes ahead of Pelican's sequential reading.

Pelican reads files one at a time: `Readers.read_file` calls the reader for each file as
the generator reaches it. As soon as the generator exists, `Prefetcher.submit` hands every
file that will need converting to a pool of forked workers; `ParallelMarkdownReader.read` then
takes each result as Pelican asks for it. Metadata is still processed here, in the build
process, exactly as Pelican's MarkdownReader does it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

from markdown import Markdown
from markdown.extensions.meta import MetaPreprocessor
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from . import parallel
from .dates import usual_date
from .inline import speed_up

MARKDOWN_SUFFIXES = tuple(f".{suffix}" for suffix in MarkdownReader.file_extensions)
# Python-Markdown registers its metadata preprocessor at this priority.
META_PRIORITY = 27

_worker_markdown: Markdown | None = None


def _convert_with(markdown: Markdown, path: str) -> tuple[str, dict[str, list[str]]]:
    """The HTML and raw metadata of one Markdown file."""
    markdown.reset()
    with pelican_open(path) as text:
        html = markdown.convert(text)
    return html, dict(getattr(markdown, "Meta", {}))


def reset() -> None:
    """At the start of a build: the converter is made anew, for this build's settings."""
    global _worker_markdown
    _worker_markdown = None


def _convert(path: str, markdown_settings: dict[str, Any]) -> tuple[str, dict[str, list[str]]]:
    """`_convert_with` the build's one Markdown instance (made before the workers are
    forked, `Prefetcher.submit`, or here on the first call)."""
    global _worker_markdown
    if _worker_markdown is None:
        _worker_markdown = speed_up(Markdown(**markdown_settings))
    return _convert_with(_worker_markdown, path)


# Files per task: a task's round trip to a worker costs about as much as converting a
# short post; the build process still gets the first posts at once.
BATCH = 8
_Result = tuple[bool, Any]  # (True, (html, metadata)) or (False, the exception raised)


def _convert_batch(paths: list[str], markdown_settings: dict[str, Any]) -> list[_Result]:
    """In a worker: each file's conversion, or what it raised (for that file alone)."""
    results: list[_Result] = []
    for path in paths:
        try:
            results.append((True, _convert(path, markdown_settings)))
        except Exception as error:  # raised again for this file alone, in the reader
            results.append((False, error))
    return results


class Prefetcher:
    """Markdown files being converted by the build's workers, by path."""

    def __init__(self) -> None:
        self._pending: dict[str, tuple[Future, int]] = {}

    def submit(self, paths: Iterable[str], markdown_settings: dict[str, Any]) -> None:
        global _worker_markdown
        if not parallel.started():
            # Made here, before the workers are forked, it is theirs from the start (with
            # its extensions imported and its expressions compiled), not made in each.
            _worker_markdown = speed_up(Markdown(**markdown_settings))
        pool = parallel.pool()
        todo = [path for path in paths if path not in self._pending]
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            future = pool.submit(_convert_batch, batch, markdown_settings)
            for index, path in enumerate(batch):
                self._pending[path] = (future, index)

    def take(self, path: str) -> tuple[str, dict[str, list[str]]] | None:
        """The HTML and raw metadata of `path` (raising what converting it raised), or
        None when it was not handed out."""
        pending = self._pending.pop(path, None)
        if pending is None:
            return None
        future, index = pending
        converted, result = future.result()[index]
        if not converted:
            raise result
        return result

    def close(self) -> None:
        """Drop the conversions nobody took (files Pelican did not read after all)."""
        for future, _ in self._pending.values():
            future.cancel()
        self._pending.clear()


prefetcher: Prefetcher | None = None


def markdown_files(generator: Any, paths_setting: str, excludes_setting: str) -> list[str]:
    """Absolute paths of the Markdown files `generator` will read that its cache lacks."""
    settings = generator.settings
    found = generator.get_files(settings[paths_setting], exclude=settings[excludes_setting])
    # The same absolute path Readers.read_file hands to the reader, in the order Pelican
    # will read them: its own, a set's (the same set again in this process).
    paths = [
        os.path.abspath(os.path.join(generator.path, name))  # noqa: PTH100, PTH118
        for name in found
        if name.endswith(MARKDOWN_SUFFIXES)
    ]
    cache = generator.readers
    if not cache._cache:  # a cold build: nothing to look up (each look-up stats the file)
        return paths
    return [path for path in paths if cache.get_cached_data(path, None) is None]


class ParallelMarkdownReader(MarkdownReader):
    """Pelican's MarkdownReader, taking conversions done ahead by the workers, and
    converting faster (`inline.speed_up`) what it converts itself."""

    _metadata_markdown: Markdown | None = None

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        taken = prefetcher.take(source_path) if prefetcher else None
        if taken is None:  # not prefetched: converted here, with the build's one instance
            taken = _convert(source_path, self.settings["MARKDOWN"])
        html, meta = taken
        self._source_path = source_path
        self._md = self._markdown_for_metadata()
        return html, (self._parse_metadata(meta) if meta else {})

    def process_metadata(self, name: str, value: Any) -> Any:
        """Pelican's, reading dates in the usual form without dateutil (same result)."""
        if name in ("date", "modified") and isinstance(value, str):
            date = usual_date(value.replace("_", " ") if name == "date" else value)
            if date is not None:
                return date
        return super().process_metadata(name, value)

    def _markdown_for_metadata(self) -> Markdown:
        """One Markdown instance for formatted metadata (Summary), reused across files."""
        if self._metadata_markdown is None:
            self._metadata_markdown = speed_up(Markdown(**self.settings["MARKDOWN"]))
        markdown = self._metadata_markdown
        # MarkdownReader._parse_metadata deregisters "meta" each time it runs.
        if "meta" not in markdown.preprocessors:
            markdown.preprocessors.register(MetaPreprocessor(markdown), "meta", META_PRIORITY)
        return markdown

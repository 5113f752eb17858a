"""Convert Markdown posts in worker processes ahead of Pelican's sequential reading.

Pelican reads files one at a time: `Readers.read_file` calls the reader for each file as
the generator reaches it. Before the first file is read, `prefetch` hands every file that
will need converting to a pool of forked workers; `ParallelMarkdownReader.read` then
takes each result as Pelican asks for it. Metadata is still processed here, in the build
process, exactly as Pelican's MarkdownReader does it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from markdown import Markdown
from markdown.extensions.meta import MetaPreprocessor
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

MARKDOWN_SUFFIXES = tuple(f".{suffix}" for suffix in MarkdownReader.file_extensions)
# Python-Markdown registers its metadata preprocessor at this priority.
META_PRIORITY = 27

_worker_markdown: Markdown | None = None


def _convert(path: str, markdown_settings: dict[str, Any]) -> tuple[str, dict[str, list[str]]]:
    """In a worker: the HTML and raw metadata of one Markdown file."""
    global _worker_markdown
    if _worker_markdown is None:
        _worker_markdown = Markdown(**markdown_settings)
    markdown = _worker_markdown
    markdown.reset()
    with pelican_open(path) as text:
        html = markdown.convert(text)
    return html, dict(getattr(markdown, "Meta", {}))


class Prefetcher:
    """A pool of workers converting Markdown files, and their pending results by path."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[str, Future] = {}

    def submit(self, paths: Iterable[str], markdown_settings: dict[str, Any]) -> None:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork")
            )
        for path in paths:
            if path not in self._pending:
                self._pending[path] = self._pool.submit(_convert, path, markdown_settings)

    def take(self, path: str) -> Future | None:
        return self._pending.pop(path, None)

    def close(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


prefetcher: Prefetcher | None = None


def markdown_files(generator: Any, paths_setting: str, excludes_setting: str) -> list[str]:
    """Absolute paths of the Markdown files `generator` will read that its cache lacks."""
    settings = generator.settings
    found = generator.get_files(settings[paths_setting], exclude=settings[excludes_setting])
    # The same absolute path Readers.read_file hands to the reader.
    paths = [
        os.path.abspath(os.path.join(generator.path, name))  # noqa: PTH100, PTH118
        for name in sorted(found)
        if name.endswith(MARKDOWN_SUFFIXES)
    ]
    cache = generator.readers
    return [path for path in paths if cache.get_cached_data(path, None) is None]


class ParallelMarkdownReader(MarkdownReader):
    """Pelican's MarkdownReader, taking conversions done ahead by the workers."""

    _metadata_markdown: Markdown | None = None

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        future = prefetcher.take(source_path) if prefetcher else None
        if future is None:
            return super().read(source_path)
        html, meta = future.result()
        self._source_path = source_path
        self._md = self._markdown_for_metadata()
        return html, (self._parse_metadata(meta) if meta else {})

    def _markdown_for_metadata(self) -> Markdown:
        """One Markdown instance for formatted metadata (Summary), reused across files."""
        if self._metadata_markdown is None:
            self._metadata_markdown = Markdown(**self.settings["MARKDOWN"])
        markdown = self._metadata_markdown
        # MarkdownReader._parse_metadata deregisters "meta" each time it runs.
        if "meta" not in markdown.preprocessors:
            markdown.preprocessors.register(MetaPreprocessor(markdown), "meta", META_PRIORITY)
        return markdown

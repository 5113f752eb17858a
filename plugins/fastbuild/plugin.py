"""Signal handlers of fastbuild (module level: Pelican keeps weak references)."""

from __future__ import annotations

import gc
import logging
import pickle
from pathlib import Path
from typing import Any

from jinja2 import FileSystemBytecodeCache
from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.readers import MarkdownReader

from . import dates, fingerprint, parallel, reading, writing
from .contents import settle
from .settings import Options, options

log = logging.getLogger(__name__)


class _State:
    def __init__(self, options: Options | None = None) -> None:
        self.options = options
        # Incremental builds (content cache on): where the page digests are kept, and the
        # digests of the last build.
        self.digests_file: Path | None = None
        self.previous: dict[str, str] = {}


_state = _State()


def initialized(pelican: Any) -> None:
    """Once per Pelican instance: check FASTBUILD and set up the template cache."""
    global _state
    settings = pelican.settings
    _state = _State(options(settings))
    # After every other plugin's `finalized` handler (those connected when they loaded).
    signals.finalized.connect(build_done)
    # Compiled templates survive between builds (keyed by the template's source). Every
    # build makes new environments, so a template changed since the last build is read
    # anew; within a build, Jinja need not check each template's file at every include.
    jinja_cache = Path(settings["CACHE_PATH"]) / "jinja"
    jinja_cache.mkdir(parents=True, exist_ok=True)
    settings["JINJA_ENVIRONMENT"] = {
        **settings.get("JINJA_ENVIRONMENT", {}),
        "bytecode_cache": FileSystemBytecodeCache(str(jinja_cache)),
        "auto_reload": False,
    }


def run_started(pelican: Any) -> None:
    """At the start of every run of Pelican, also one that reuses the instance (Pelican's
    own autoreload, `invoke regenerate`): a fresh build state. Pelican sends
    `get_generators` once per run, before the generators are made; this adds none."""
    global _state
    # A build makes few reference cycles and holds nearly everything it makes until the
    # end; the garbage collector's passes over that growing heap cost more than they free.
    if gc.get_freeze_count():  # the last build's objects, frozen by `build_done`
        gc.unfreeze()
        gc.collect()
    gc.disable()
    settings = pelican.settings
    _state = _State(_state.options)
    writing.reset()
    if settings.get("LOAD_CONTENT_CACHE") and settings.get("CACHE_CONTENT"):
        _state.digests_file = Path(settings["CACHE_PATH"]) / "fastbuild-pages.pickle"
    if reading.prefetcher is not None:
        reading.prefetcher.close()
    reading.reset()
    workers = _state.options.workers
    parallel.close()
    parallel.workers, parallel.min_batch = workers, _state.options.min_batch
    reading.prefetcher = reading.Prefetcher() if workers > 1 else None


def readers_init(readers: Any) -> None:
    """Convert Markdown ahead of time, unless someone installed their own reader."""
    for suffix, reader_class in readers.reader_classes.items():
        if reader_class is MarkdownReader:
            readers.reader_classes[suffix] = reading.ParallelMarkdownReader


def _prefetch(generator: Any, paths_setting: str, excludes_setting: str) -> None:
    if reading.prefetcher is None:
        return
    files = reading.markdown_files(generator, paths_setting, excludes_setting)
    if len(files) >= _state.options.min_batch:
        reading.prefetcher.submit(files, generator.settings["MARKDOWN"])


def generator_started(generator: Any) -> None:
    """Hand the posts and pages to the workers as soon as their generators exist, so
    they are converted first (the comments plugin queues its work behind them)."""
    if isinstance(generator, ArticlesGenerator):
        _prefetch(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")
    elif isinstance(generator, PagesGenerator):
        _prefetch(generator, "PAGE_PATHS", "PAGE_EXCLUDES")


def generators_finalized(generators: list[Any]) -> None:
    if reading.prefetcher is not None:
        reading.prefetcher.close()
    if _state.digests_file is not None:
        settings = generators[0].settings
        site = fingerprint.site_digest(settings, generators)
        _state.previous = _load_digests(_state.digests_file, settings["OUTPUT_PATH"])
        writing.reset(fingerprint.Digester(site), _state.previous)
    shared = [g for g in generators if isinstance(g, ArticlesGenerator | PagesGenerator)]
    contents = [
        content
        for generator in shared
        for name in ("articles", "translations", "hidden_articles", "hidden_translations",
                     "drafts", "drafts_translations", "pages", "hidden_pages", "draft_pages",
                     "draft_translations")
        for content in getattr(generator, name, [])
    ]  # fmt: skip
    for content in contents:
        settle(content)
    workers = _state.options.workers
    if workers < 2 or len(contents) < _state.options.min_batch:
        return
    # {attach} links move static files while a page renders: do those here, before the
    # pages are shared out, so the static files' new places are known to this process.
    for content in contents:
        if "attach}" in content._content:
            content.get_content(content.get_siteurl())
    writing.share_pages(shared, workers, contents)


def get_writer(pelican: Any) -> type:
    parallel.close()  # before the pages are written by forked copies of the build
    return writing.ParallelWriter


def finalized(pelican: Any) -> None:
    parallel.close()
    writing.join_children()
    if _state.digests_file is None:
        return
    output = str(Path(pelican.output_path).resolve())
    current = writing.page_digests()
    # A page written last time and not this time belongs to a post that is gone.
    for name in _state.previous.keys() - current.keys():
        (Path(output) / name).unlink(missing_ok=True)
    _state.digests_file.write_bytes(pickle.dumps({"output": output, "pages": current}))


def build_done(pelican: Any) -> None:
    """Switch the collector back on without a pass over everything the build made: those
    objects are frozen (the process is about to exit, or, under livereload, run_pelican
    unfreezes them and they are collected after the browser has reloaded)."""
    gc.freeze()
    gc.enable()


def _load_digests(path: Path, output: str) -> dict[str, str]:
    """The page digests of the last incremental build into `output` (none for another)."""
    try:
        saved = pickle.loads(path.read_bytes())  # noqa: S301 (our own cache file)
    except (OSError, pickle.UnpicklingError, EOFError):
        return {}
    if not isinstance(saved, dict) or saved.get("output") != str(Path(output).resolve()):
        return {}
    return saved["pages"]


def register() -> None:
    dates.use_in_pelican()
    signals.initialized.connect(initialized)
    signals.get_generators.connect(run_started)
    signals.readers_init.connect(readers_init)
    signals.generator_init.connect(generator_started)
    signals.all_generators_finalized.connect(generators_finalized)
    signals.get_writer.connect(get_writer)
    signals.finalized.connect(finalized)

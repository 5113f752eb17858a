"""Write the site's pages from several forked processes, and only the pages that changed.

Every process runs the same page-writing code of the articles and pages generators, in
the same order, with the same state, so the n-th page is the same page everywhere;
process k renders and writes the pages n with n % workers == k and skips the rendering
of the others. Nothing is handed between processes but the children's log records,
which the build process logs as its own, so warnings are printed and counted once.

A page is written only when its bytes differ from the file already there, so an
incremental build (livereload) leaves unchanged files, and their times, alone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from pelican.writers import FileOverwriteFailedError, Writer

from .fingerprint import Digester

log = logging.getLogger(__name__)


class ChangedOnlyFile:
    """A text file opened for writing that is rewritten only if its content changed."""

    def __init__(self, path: str, encoding: str) -> None:
        self.path = Path(path)
        self.encoding = encoding
        self._parts: list[str] = []

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def __enter__(self) -> ChangedOnlyFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None:
            return
        data = "".join(self._parts).encode(self.encoding)
        with contextlib.suppress(OSError):
            if self.path.stat().st_size == len(data) and self.path.read_bytes() == data:
                return
        self.path.write_bytes(data)


class _PageTemplate:
    """A template that renders only the pages this process owns and that changed."""

    def __init__(
        self, template: Any, writer: ParallelWriter, context: dict[str, Any], given: set[str]
    ) -> None:
        self._template = template
        self._writer = writer
        self._context = context
        self._given = given

    def render(self, localcontext: dict[str, Any]) -> str:
        writer = self._writer
        if writer.sharding and not writer.claim():
            return ""
        if _state.digester is not None:
            name = localcontext["output_file"]
            base = self._context
            values = sorted(
                (key, value)
                for key, value in localcontext.items()
                if key in self._given or key not in base or base[key] is not value
            )
            paginated = {key for key, _ in values if f"{key}_page" in localcontext}
            digest = _state.digester.page(name, values, paginated)
            _state.digests[name] = digest
            unchanged = _state.previous_digests.get(name) == digest
            if unchanged and (Path(writer.output_path) / name).exists():
                writer.skip()
                return ""
        return self._template.render(localcontext)


class ParallelWriter(Writer):
    """Pelican's Writer, sharing pages among processes and skipping unchanged files."""

    def __init__(self, output_path: str, settings: dict[str, Any] | None = None) -> None:
        super().__init__(output_path, settings=settings)
        self.worker = 0
        self.workers = 1
        self.sharding = False
        self._page = -1
        self._owned = True
        _state.writer = self

    def write_file(self, name: Any, template: Any, context: Any, *args: Any, **kwargs: Any):
        if self.sharding or _state.digester is not None:
            template = _PageTemplate(template, self, context, set(kwargs))
        return super().write_file(name, template, context, *args, **kwargs)

    def claim(self) -> bool:
        """Take the next page in turn; True when this process renders and writes it."""
        self._page += 1
        self._owned = self._page % self.workers == self.worker
        return self._owned

    def skip(self) -> None:
        """Do not write the page being written (another process's, or unchanged)."""
        self._owned = False

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        """Pelican's overwrite rules, then the file (or nothing, for another's page)."""
        owned, self._owned = self._owned, True
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time (was previously overwritten)'
                )
            log.info('Skipping "%s", not overwriting', filename)
            owned = False
        elif filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already written to it '
                "previously (set `override=True` if intended)"
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        if not owned:
            return Path(os.devnull).open("w", encoding=encoding)
        return ChangedOnlyFile(filename, encoding)


class _PipeHandler(logging.Handler):
    """In a child: send each log record's level, logger and message to the parent."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__(level=logging.DEBUG)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        pickle.dump(("log", record.levelno, record.name, record.getMessage()), self.stream)


class _State:
    def __init__(self) -> None:
        self.writer: ParallelWriter | None = None
        self.children: list[tuple[int, Any]] = []
        self.forked = False
        # Incremental builds only: page digests of this build and of the previous one.
        self.digester: Digester | None = None
        self.digests: dict[str, str] = {}
        self.previous_digests: dict[str, str] = {}


_state = _State()


def reset(digester: Digester | None = None, previous: dict[str, str] | None = None) -> None:
    """Start a build; with a digester, pages whose digest is unchanged are not rendered."""
    global _state
    _state = _State()
    _state.digester = digester
    _state.previous_digests = previous or {}


def page_digests() -> dict[str, str]:
    """The digest of every page this build wrote or kept, by output name."""
    return dict(_state.digests)


def _run_child(worker: int, workers: int, outputs: list[Callable[[Any], None]], pipe: Any) -> None:
    """In a forked child: write this worker's share of the pages, then exit."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(_PipeHandler(pipe))
    inherited = set(_state.digests)
    status = 0
    try:
        writer = _state.writer
        writer.worker, writer.workers, writer.sharding = worker, workers, True
        for generate_output in outputs:
            generate_output(writer)
        mine = [(name, d) for name, d in _state.digests.items() if name not in inherited]
        for name, digest in mine:
            pickle.dump(("digest", name, digest), pipe)
    except BaseException as error:  # anything: report it, never return into Pelican
        log.error("fastbuild: a page-writing worker failed: %s: %s", type(error).__name__, error)
        status = 1
    finally:
        pipe.flush()
        os._exit(status)


def share_pages(generators: list[Any], workers: int) -> None:
    """Make `generators` write their pages from `workers` processes.

    Wraps each one's generate_output: the first call forks the children, which run the
    outputs of all of them (in Pelican's order) for their share and exit; the build
    process then writes its own share and goes on with the rest of the build.
    """
    originals = [generator.generate_output for generator in generators]

    def sharded(original: Callable[[Any], None]) -> Callable[[Any], None]:
        def generate_output(writer: Any) -> None:
            if not _state.forked:
                _state.forked = True
                writer.workers, writer.worker = workers, 0
                for worker in range(1, workers):
                    read_end, write_end = os.pipe()
                    sys.stdout.flush()
                    sys.stderr.flush()
                    pid = os.fork()
                    if pid == 0:
                        os.close(read_end)
                        _run_child(worker, workers, originals, os.fdopen(write_end, "wb"))
                    os.close(write_end)
                    _state.children.append((pid, os.fdopen(read_end, "rb")))
            writer.sharding = True
            try:
                original(writer)
            finally:
                writer.sharding = False

        return generate_output

    for generator, original in zip(generators, originals, strict=True):
        generator.generate_output = sharded(original)


def join_children() -> None:
    """Wait for the children; log their records here, so they count and print once."""
    for pid, pipe in _state.children:
        with pipe:
            while True:
                try:
                    kind, *fields = pickle.load(pipe)  # noqa: S301 (our own child)
                except EOFError:
                    break
                if kind == "log":
                    level, name, message = fields
                    logging.getLogger(name).log(level, "%s", message)
                else:
                    name, digest = fields
                    _state.digests[name] = digest
        _, status = os.waitpid(pid, 0)
        if status != 0:
            log.error("fastbuild: a page-writing worker exited with status %s", status)
    _state.children.clear()

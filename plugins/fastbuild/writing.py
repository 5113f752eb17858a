"""Write the site's pages from several forked processes, and only the pages that changed.

Every process runs the same page-writing code of the articles and pages generators, in
the same order, with the same state, so the n-th page is the same page everywhere;
process k renders and writes the pages n with n % workers == k and skips the rendering
of the others. Nothing is handed back but what the children logged while rendering their
pages (everything else they log, the build process logs too) and their page digests; the
build process logs those records as its own, so warnings are printed and counted once.
The build process waits for the children before the next generator runs, also when it
fails, so no child outlives the page writing.

A page is written only when its bytes differ from the file already there, and then
through a temporary file renamed over it, so an incremental build (livereload) leaves
unchanged files, and their times, alone, and an interrupted build leaves no half page.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pelican.writers import FileOverwriteFailedError, Writer

from plugins.errors import NurtureError

from .fingerprint import Digester

# Logged under the name of Pelican's writer, as Pelican logs them.
pelican_log = logging.getLogger("pelican.writers")


class PageWritingError(NurtureError):
    """A forked page-writing process failed, so the site is incomplete."""


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
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            partial.write_bytes(data)
            partial.replace(self.path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise


class _Nowhere:
    """Where a page this process does not write goes (no file is opened)."""

    def write(self, text: str) -> int:
        return len(text)

    def __enter__(self) -> _Nowhere:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


_NOWHERE = _Nowhere()


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
        writer.rendering = True
        try:
            return self._template.render(localcontext)
        finally:
            writer.rendering = False


class ParallelWriter(Writer):
    """Pelican's Writer, sharing pages among processes and skipping unchanged files."""

    def __init__(self, output_path: str, settings: dict[str, Any] | None = None) -> None:
        super().__init__(output_path, settings=settings)
        self.worker = 0
        self.workers = 1
        self.sharding = False
        self.rendering = False  # rendering a page of this process's share
        self._page = -1
        self._owned = True
        _state.writer = self

    def write_file(self, name: Any, template: Any, context: Any, *args: Any, **kwargs: Any):
        if self.sharding or _state.digester is not None:
            template = _PageTemplate(template, self, context, set(kwargs))
        return super().write_file(name, template, context, *args, **kwargs)

    def write_feed(self, *args: Any, **kwargs: Any) -> Any:
        """Pelican's own feeds (when switched on) are written by the build process alone."""
        if self.worker != 0:
            return None
        return super().write_feed(*args, **kwargs)

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
            pelican_log.info('Skipping "%s", not overwriting', filename)
            owned = False
        elif filename in self._written_files:
            if not override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" as Pelican has already written to it '
                    "previously (set `override=True` if intended)"
                )
            pelican_log.info('Overwriting "%s"', filename)
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        if not owned:
            return _NOWHERE
        return ChangedOnlyFile(filename, encoding)


class _ChildHandler(logging.Handler):
    """In a child: keep what is logged while rendering its own pages, for the parent.

    Everything else a child logs ("Writing ...", overwrite notices) the build process
    logs itself, running the same code. Pelican's grouping of repeated warnings
    (`limit_msg`) travels with each record.
    """

    def __init__(self, writer: ParallelWriter) -> None:
        super().__init__(level=logging.DEBUG)
        self.writer = writer
        self.records: list[tuple[Any, ...]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if self.writer.rendering:
            extra = {k: v for k, v in vars(record).items() if k in ("limit_msg", "limit_args")}
            self.records.append(("log", record.levelno, record.name, record.getMessage(), extra))


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
    with contextlib.suppress(PageWritingError):
        join_children()  # none, unless the last build died between generators
    _state = _State()
    _state.digester = digester
    _state.previous_digests = previous or {}


def page_digests() -> dict[str, str]:
    """The digest of every page this build wrote or kept, by output name."""
    return dict(_state.digests)


def _run_child(worker: int, workers: int, outputs: list[Callable[[Any], None]], pipe: Any) -> None:
    """In a forked child: write this worker's share of the pages, send what the parent
    needs to know, and exit."""
    writer = _state.writer
    writer.worker, writer.workers, writer.sharding = worker, workers, True
    handler = _ChildHandler(writer)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    inherited = set(_state.digests)
    status = 0
    try:
        for generate_output in outputs:
            generate_output(writer)
    except BaseException as error:  # anything: report it, never return into Pelican
        handler.records.append(("failed", f"{type(error).__name__}: {error}"))
        status = 1
    try:
        for record in handler.records:
            pickle.dump(record, pipe)
        for name, digest in _state.digests.items():
            if name not in inherited:
                pickle.dump(("digest", name, digest), pipe)
        pipe.flush()
    finally:
        os._exit(status)


def share_pages(generators: list[Any], workers: int, contents: list[Any]) -> None:
    """Make `generators` write their pages from `workers` processes.

    Wraps each one's generate_output: the first call forks the children, which run the
    outputs of all of them (in Pelican's order) for their share and exit; the build
    process writes its own share, and after the last of them (or when one raises) waits
    for the children, so the pages are all written before the build goes on. In an
    incremental build, `contents` (every post and page) are described for the page
    digests first, once for all the processes.
    """
    originals = [generator.generate_output for generator in generators]

    def sharded(original: Callable[[Any], None], last: bool) -> Callable[[Any], None]:
        def generate_output(writer: Any) -> None:
            if not _state.forked:
                _state.forked = True
                if _state.digester is not None:
                    _state.digester.describe_posts(contents)
                _fork_children(writer, workers, originals)
            writer.sharding = True
            try:
                original(writer)
            except BaseException:
                with contextlib.suppress(PageWritingError):
                    join_children()
                raise
            finally:
                writer.sharding = False
            if last:
                join_children()

        return generate_output

    for index, (generator, original) in enumerate(zip(generators, originals, strict=True)):
        generator.generate_output = sharded(original, last=index == len(generators) - 1)


def _fork_children(writer: ParallelWriter, workers: int, outputs: list[Callable]) -> None:
    writer.workers, writer.worker = workers, 0
    for worker in range(1, workers):
        read_end, write_end = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            for _, other in _state.children:  # the pipes of the children forked before
                other.close()
            _run_child(worker, workers, outputs, os.fdopen(write_end, "wb"))
        os.close(write_end)
        _state.children.append((pid, os.fdopen(read_end, "rb")))


def join_children() -> None:
    """Wait for the children, then log their records here, so they count and print once;
    raise PageWritingError if one failed, as the build would have without them.

    Every child is reaped before anything is logged: with `--fatal`, logging raises.
    """
    children, _state.children = _state.children, []
    records: list[tuple[Any, ...]] = []
    for pid, pipe in children:
        sent = []
        with pipe:
            while True:
                try:
                    sent.append(pickle.load(pipe))  # noqa: S301 (our own child)
                except (EOFError, pickle.UnpicklingError):  # the end, or a child cut short
                    break
        _, status = os.waitpid(pid, 0)
        if status != 0 and not any(kind == "failed" for kind, *_ in sent):
            sent.append(("failed", f"exit status {os.waitstatus_to_exitcode(status)}"))
        records += sent
    failures = []
    for kind, *fields in records:
        if kind == "digest":
            name, digest = fields
            _state.digests[name] = digest
        elif kind == "failed":
            failures.append(fields[0])
    for kind, *fields in records:
        if kind == "log":
            level, name, message, extra = fields
            logging.getLogger(name).log(level, "%s", message, extra=extra)
    if failures:
        raise PageWritingError(f"fastbuild: a page-writing process failed: {failures[0]}")

"""A build's comments, ready for the pages: read, parsed, rendered and dated, on every
core when that is quicker.

The first build in a process hands each post's comment folder to the build's workers
(plugins.fastbuild.parallel) as soon as the generators exist, so the comments are made
ready while the posts are converted; the plugin collects them once every post is read.
The build process remembers each one by its file (path, modification time, size) and the
settings it was made with, so later builds in the same process (the rebuilds of
`invoke livereload`) read again only the files that changed, here, which is quicker
than handing the work out.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from plugins.fastbuild import parallel
from plugins.fastbuild.dates import strftime

from . import store
from .model import Comment
from .render import render_body
from .store import CommentFileError, Problem

Loaded = tuple[dict[str, list[Comment]], list[Problem]]
_Folder = tuple[str, list[Path], str, int, str]
_Key = tuple[str, int, int, str, str, int, str]
_Result = tuple[list[tuple[_Key, Comment]], list[Problem]]

# Comments made ready by this process (or its workers), by file and settings.
_ready: dict[_Key, Comment] = {}
_READY_LIMIT = 65536


def _load_folder(folder: _Folder) -> _Result:
    """One post's comments, ready for the pages, each with the key it is remembered by,
    and the files that were skipped."""
    post, files, timezone, max_length, date_format = folder
    loaded: list[tuple[_Key, Comment]] = []
    problems: list[Problem] = []
    for path in files:
        try:
            status = path.stat()
            key = (
                str(path),
                status.st_mtime_ns,
                status.st_size,
                post,
                timezone,
                max_length,
                date_format,
            )
            ready = _ready.get(key)
            if ready is None:
                ready = store.read_comment(
                    path, post=post, timezone=timezone, max_length=max_length, size=key[2]
                )
                ready.html = render_body(ready.body)
                ready.date = ready.date.astimezone(ZoneInfo(timezone))
                ready.shown_date = _shown(ready.date, date_format)
        except (CommentFileError, OSError) as error:
            problems.append(Problem(path, str(error)))
            continue
        loaded.append((key, ready))
    return loaded, problems


def _shown(date: datetime, date_format: str) -> str:
    """A comment's date as pages show it: "20 November 2026 at 09:30"."""
    return f"{strftime(date, date_format)} at {datetime.strftime(date, '%H:%M')}"


def start(root: Path, *, timezone: str, max_length: int, date_format: str) -> Callable[[], Loaded]:
    """Begin loading the comments under `root`; call the result for them (by post slug)
    and the files that were skipped (in file order)."""
    folders, misplaced = store.comment_folders(root)
    work = [(post, files, timezone, max_length, date_format) for post, files in folders]
    if _ready:  # a rebuild: nearly everything is remembered
        results = [_load_folder(folder) for folder in work]
        collect: Callable[[], list[_Result]] = lambda: results  # noqa: E731
    else:
        collect = parallel.start(_load_folder, work)

    def loaded() -> Loaded:
        found: dict[str, list[Comment]] = {}
        problems = list(misplaced)
        for (post, *_), (ready, skipped) in zip(work, collect(), strict=True):
            if len(_ready) + len(ready) > _READY_LIMIT:
                _ready.clear()
            _ready.update(ready)
            if ready:  # copies: the plugin links them into threads
                found[post] = [copy.copy(comment) for _, comment in ready]
            problems += skipped
        return found, sorted(problems, key=lambda problem: problem.path)

    return loaded

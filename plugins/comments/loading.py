"""A build's comments: read, parsed and rendered, on every core when that is quicker.

The first build in a process hands each post's comment folder to the build's workers
(plugins.fastbuild.parallel) as soon as the generators exist, so the comments are read
and rendered while the posts are converted; the plugin collects them once every post is
read, and remembers what the workers read and rendered. Later builds in the same process
(the rebuilds of `invoke livereload`) find nearly everything remembered and load here,
which is quicker than handing the work out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pelican.utils import strftime

from plugins.fastbuild import parallel

from . import render, store
from .model import Comment
from .store import Problem

Loaded = tuple[dict[str, list[Comment]], list[Problem]]
_Folder = tuple[str, list[Path], str, int, str]
_Result = tuple[list[Comment], list[Problem], list[Any], dict[str, str]]


def _load_folder(folder: _Folder) -> _Result:
    """One post's comments, each with its rendered body in `html` and its date in the
    site's time zone (and `shown_date`), and what was read and rendered anew (for the
    build process to remember)."""
    post, files, timezone, max_length, date_format = folder
    mark = store.read_count()
    comments, problems = store.read_folder(post, files, timezone=timezone, max_length=max_length)
    rendered = {}
    zone = ZoneInfo(timezone)
    for comment in comments:
        comment.html = render.render_cached(comment.body)
        rendered[comment.body] = comment.html
        comment.date = comment.date.astimezone(zone)
        day, time = strftime(comment.date, date_format), strftime(comment.date, "%H:%M")
        comment.shown_date = f"{day} at {time}"
    return comments, problems, store.read_since(mark), rendered


def start(root: Path, *, timezone: str, max_length: int, date_format: str) -> Callable[[], Loaded]:
    """Begin loading the comments under `root`; call the result for them (by post slug)
    and the files that were skipped (in file order)."""
    folders, misplaced = store.comment_folders(root)
    work = [(post, files, timezone, max_length, date_format) for post, files in folders]
    if render.remembers_any():
        results = [_load_folder(folder) for folder in work]
        collect: Callable[[], list[_Result]] = lambda: results  # noqa: E731
    else:
        collect = parallel.start(_load_folder, work)

    def loaded() -> Loaded:
        found: dict[str, list[Comment]] = {}
        problems = list(misplaced)
        for (post, *_), (comments, skipped, read, rendered) in zip(work, collect(), strict=True):
            store.remember_read(read)
            render.remember(rendered)
            if comments:
                found[post] = comments
            problems += skipped
        return found, sorted(problems, key=lambda problem: problem.path)

    return loaded

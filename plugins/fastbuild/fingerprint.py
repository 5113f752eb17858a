"""What a page depends on, as one digest, so an unchanged page need not be rendered.

Used only by incremental builds (livereload, `LOAD_CONTENT_CACHE`): a page is skipped
when its file is still there and the digest of everything it is built from is the one
recorded when it was last written. The digest covers

- the site: settings, theme and template overrides, plugins, the list of posts and
  pages and of categories, tags and authors (`site_digest`);
- the page: every value the writer passed for it (its article, the articles of a list
  page, its paginator...). A post counts by its own fields (title, content, dates,
  summary...) and by the source of every post it shows (related posts, previous/next);
  dataclasses (a comment thread) by their fields.

It errs on the side of rendering: anything it cannot describe changes the digest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

from pelican.contents import Content
from pelican.paginator import Page as PaginatorPage
from pelican.paginator import Paginator
from pelican.urlwrappers import URLWrapper

from .parallel import fork_map

SCALARS = (str, int, float, bool, date, type(None), tzinfo)


def file_stamp(path: str | os.PathLike[str]) -> str:
    try:
        status = Path(path).stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{status.st_mtime_ns}:{status.st_size}"


def tree_stamps(roots: Iterable[Path], suffixes: tuple[str, ...] = ()) -> list[str]:
    stamps = []
    for root in roots:
        if root.is_file():
            stamps.append(file_stamp(root))
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and (not suffixes or path.suffix in suffixes):
                stamps.append(file_stamp(path))
    return stamps


class Digester:
    """Digests of pages; each post and each list is described once per build."""

    def __init__(self, site: str) -> None:
        self.site = site
        self._memo: dict[tuple[str, int], str] = {}
        self._keep: list[Any] = []  # keeps memoised objects alive, so ids stay unique
        self._stamps: dict[str, str] = {}  # source files, stamped once per build

    def page(self, name: str, values: Iterable[tuple[str, Any]], paginated: set[str]) -> str:
        """The digest of page `name` built from `values`.

        Whole-site lists on a page that shows only part of them count only by which posts
        they hold and in what order: the whole list of a paginated page (`articles`,
        `dates`; the page shows `articles_page`, which counts in full), and
        `all_articles`, which Pelican hands to every period archive. The previous and next
        pages of a list count by their number: a page only links to them.
        """
        digest = hashlib.blake2b(digest_size=16)
        digest.update(self.site.encode())
        digest.update(name.encode())
        for key, value in values:
            digest.update(key.encode())
            if key in paginated or key == "all_articles":
                digest.update(self._order(value).encode())
            elif key.endswith(("_previous_page", "_next_page")) and value is not None:
                digest.update(f"Page:{value.number}".encode())  # only linked to
            else:
                digest.update(self._describe(value, depth=2).encode())
        return digest.hexdigest()

    def describe_posts(self, posts: list[Content]) -> None:
        """Describe `posts` now, on every core, for the pages to come (each page-writing
        process would otherwise describe nearly every post itself)."""
        described = fork_map(self._post, posts)
        for post, description in zip(posts, described, strict=True):
            self._memo["post", id(post)] = description
            self._keep.append(post)

    def _remember(self, kind: str, value: Any, describe: Any) -> str:
        known = self._memo.get((kind, id(value)))
        if known is None:
            known = self._memo[kind, id(value)] = describe()
            self._keep.append(value)
        return known

    def _order(self, value: Any) -> str:
        if not isinstance(value, list | tuple):
            return self._describe(value, depth=1)
        paths = (getattr(item, "source_path", repr(item)) for item in value)
        return self._remember("order", value, lambda: _hash(",".join(paths)))

    def _describe(self, value: Any, depth: int) -> str:
        if isinstance(value, SCALARS):
            return repr(value)
        if isinstance(value, Content):
            return self._remember("post", value, lambda: self._post(value))
        if isinstance(value, URLWrapper):
            return f"{type(value).__name__}:{value.name}"
        if isinstance(value, Paginator):
            return f"Paginator:{value.num_pages}:{value.count}"
        if isinstance(value, PaginatorPage):
            return f"Page:{value.number}:{self._describe(value.object_list, depth)}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return repr(value)
        if isinstance(value, list | tuple):
            return self._remember(
                "list", value, lambda: _hash(",".join(self._describe(v, depth) for v in value))
            )
        if depth > 0 and hasattr(value, "__dict__") and not isinstance(value, type):
            fields = sorted(
                (k, v) for k, v in vars(value).items() if k != "settings" and not callable(v)
            )
            inner = ",".join(f"{k}={self._describe(v, depth - 1)}" for k, v in fields)
            return f"{type(value).__name__}({inner})"
        if isinstance(value, dict):
            return f"dict:{len(value)}"  # the context and settings: covered by the site digest
        return f"{type(value).__name__}:{id(value)}"  # unknown: never equal across builds

    def _post(self, content: Content) -> str:
        """A post by its own fields, and the posts it shows by their source files."""
        fields = []
        for key, value in sorted(vars(content).items()):
            if key in ("settings", "_context", "metadata") or callable(value):
                continue
            if isinstance(value, Content):
                fields.append(f"{key}=>{self._source(value)}")
            elif isinstance(value, list | tuple) and value and isinstance(value[0], Content):
                fields.append(f"{key}=>[{','.join(self._source(v) for v in value)}]")
            else:
                fields.append(f"{key}={self._describe(value, depth=1)}")
        return _hash(f"{content.source_path}{{{';'.join(fields)}}}")

    def _source(self, content: Any) -> str:
        """A post by its source file: it changes when the file does."""
        path = getattr(content, "source_path", None)
        if not path:
            return repr(content)
        if path not in self._stamps:
            self._stamps[path] = file_stamp(path)
        return self._stamps[path]


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _plain(value: Any) -> bool:
    if isinstance(value, SCALARS):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def site_digest(settings: dict[str, Any], generators: Iterable[Any]) -> str:
    """What every page may show: settings, theme, plugins, the lists of the whole site."""
    # FASTBUILD only changes how the site is built, never what it is.
    plain = sorted((k, v) for k, v in settings.items() if _plain(v) and k != "FASTBUILD")
    parts = [repr(plain)]
    overrides = settings.get("THEME_TEMPLATES_OVERRIDES") or []
    parts += tree_stamps([Path(settings["THEME"]), *map(Path, overrides)])
    parts += tree_stamps([Path(__file__).resolve().parents[1]], (".py",))
    for generator in generators:
        for name in ("articles", "hidden_articles", "drafts", "translations"):
            parts += [content.source_path for content in getattr(generator, name, [])]
        for name in ("pages", "hidden_pages", "draft_pages"):
            parts += [file_stamp(content.source_path) for content in getattr(generator, name, [])]
        for name in ("categories", "authors"):
            parts += [f"{name}:{wrapper.name}" for wrapper, _ in getattr(generator, name, [])]
        parts += [f"tag:{tag.name}" for tag in getattr(generator, "tags", {})]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()

"""The posts and pages comments belong to, as Pelican sees them.

During a build the plugin hands over Pelican's own content objects; the commands
(ingest, import, export) read the same content with Pelican's generators, so slugs,
URLs and drafts are exactly what the build will produce.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from pelican.contents import Page
from pelican.generators import ArticlesGenerator, PagesGenerator

from .model import STATUSES, Post

_TAG = re.compile(r"<[^>]*>")


def comment_status(content: Any, comments: dict[str, Any]) -> tuple[str, str]:
    """The post's `Comments:` status and, when its value is not valid, the reason."""
    default = comments["page_default" if isinstance(content, Page) else "article_default"]
    value = str(content.metadata.get("comments", default)).strip().lower()
    if value in STATUSES:
        return value, ""
    return default, f"Comments: {value!r} must be one of {', '.join(STATUSES)}; using {default}"


def to_post(content: Any, comments: dict[str, Any]) -> Post:
    return Post(
        slug=content.slug,
        title=plain_title(content),
        url=content.url,
        date=getattr(content, "date", None) if not isinstance(content, Page) else None,
        authors=tuple(author.name for author in getattr(content, "authors", [])),
        kind="page" if isinstance(content, Page) else "post",
        status=comment_status(content, comments)[0],
    )


def plain_title(content: Any) -> str:
    """The title without markup or entities (Pelican renders titles with Markdown)."""
    return " ".join(unescape(_TAG.sub("", content.title)).split())


def site_contents(settings: dict[str, Any]) -> list[Any]:
    """Articles (published, hidden, drafts) then pages, read with Pelican's generators."""
    context = {
        **settings,
        "generated_content": {},
        "static_links": set(),
        "static_content": {},
        "localsiteurl": settings["SITEURL"],
    }
    common = {
        "context": context,
        "settings": settings,
        "path": settings["PATH"],
        "theme": settings["THEME"],
        "output_path": settings["OUTPUT_PATH"],
    }
    articles = ArticlesGenerator(**common)
    articles.generate_context()
    pages = PagesGenerator(**common)
    pages.generate_context()
    return generated([articles, pages])


def generated(generators: list[Any]) -> list[Any]:
    """Every article (published, hidden, draft), then every page, that the generators read."""
    articles = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
    pages = next((g for g in generators if isinstance(g, PagesGenerator)), None)
    contents: list[Any] = []
    if articles:
        contents += [*articles.articles, *articles.hidden_articles, *articles.drafts]
    if pages:
        contents += [*pages.pages, *pages.hidden_pages, *pages.draft_pages]
    return contents


def by_slug(contents: list[Any]) -> dict[str, Any]:
    """Content by slug; the first one wins when an article and a page share a slug."""
    found: dict[str, Any] = {}
    for content in contents:
        found.setdefault(content.slug, content)
    return found


def load_posts(settings: dict[str, Any], comments: dict[str, Any]) -> dict[str, Post]:
    return {
        slug: to_post(content, comments)
        for slug, content in by_slug(site_contents(settings)).items()
    }

"""Fixture sites written into tmp_path, post by post."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

WORDS = (
    "A short note after a first meeting keeps the conversation warm and shows you "
    "listened. Mention one thing they said, offer one useful link, and ask nothing back. "
)


def write_post(
    content: Path,
    slug: str,
    *,
    title: str | None = None,
    date: str = "2025-01-01 09:00",
    category: str = "Follow-Up",
    tags: str = "",
    author: str = "Olivia Hart",
    body: str = WORDS * 20,
    extra: str = "",
) -> Path:
    """Write one Markdown post with a Pelican metadata header; return its path."""
    posts = content / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    header = [f"Title: {title or slug.replace('-', ' ').title()}"] if title != "" else []
    header += [f"Date: {date}", f"Category: {category}", f"Author: {author}", f"Slug: {slug}"]
    if tags:
        header.append(f"Tags: {tags}")
    if extra:
        header.append(extra)
    path = posts / f"{slug}.md"
    path.write_text("\n".join(header) + "\n\n" + body + "\n", encoding="utf-8")
    return path


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")

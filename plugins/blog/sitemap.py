"""sitemap.xml and robots.txt for search engines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape


def sitemap_xml(siteurl: str, entries: Iterable[tuple[str, datetime | None]]) -> str:
    """A sitemap (sitemaps.org 0.9) of absolute URLs with their last modification."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, lastmod in entries:
        lines.append(f"  <url><loc>{escape(f'{siteurl}/{url}')}</loc>")
        if lastmod is not None:
            lines.append(f"    <lastmod>{lastmod.isoformat(timespec='seconds')}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(siteurl: str) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {siteurl}/sitemap.xml\n"


def write_if_changed(path: Path, text: str) -> None:
    """Write text, leaving the file untouched when it already says the same."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")

"""Comment bodies: Markdown to HTML, then sanitised with nh3 under a narrow allow-list.

Raw HTML in a comment is not passed through: Markdown's HTML handling is switched off,
so `<b>` shows as the text "<b>"; image syntax stays plain text. Whatever Markdown produces is then
cleaned by nh3: only the tags below survive, links keep only http, https and mailto
addresses and get rel="nofollow ugc noopener".
"""

from __future__ import annotations

import markdown
import nh3
from markdown.extensions import Extension

from plugins.fastbuild.inline import speed_up

TAGS = {"p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li"}
ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "*": set()}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style"},
    attributes=ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)


class _NoRawHtml(Extension):
    """Treat raw HTML and image syntax as text."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        for name in ("image_link", "image_reference", "short_image_ref"):
            md.inlinePatterns.deregister(name)


_converter: markdown.Markdown | None = None


def markdown_to_html(text: str) -> str:
    """Markdown as the commenter wrote it, to HTML that still needs sanitising."""
    global _converter
    if _converter is None:  # one converter, reset per comment: building one is costly
        _converter = speed_up(
            markdown.Markdown(
                extensions=[_NoRawHtml(), "sane_lists", "smarty"], output_format="html"
            )
        )
    return _converter.reset().convert(text)


def sanitize(html: str) -> str:
    return _CLEANER.clean(html)


def render_body(text: str) -> str:
    """The safe HTML of a comment body (already cleaned by `clean.clean_body`)."""
    return sanitize(markdown_to_html(text)).strip()

"""Feed entries: Pelican articles as FeedItems, and every item made ready for a feed.

`from_article` turns a post into a FeedItem; `prepare` makes any item (a post's, a
comment's, a newsletter issue's) safe to publish: absolute URLs for the entry and for
every link and image in its HTML, and no control or XML-illegal characters;
`prepare_spec` does the same for a feed's own title and authors.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import replace
from datetime import date, datetime
from html import unescape
from typing import Any
from urllib.parse import quote, urljoin

from pelican.utils import (
    strip_toc_elements_from_html,
    truncate_html_paragraphs,
    truncate_html_words,
)

from .model import FeedAuthor, FeedItem, FeedSpec
from .settings import LOG_PREFIX

log = logging.getLogger(__name__)

# C0 controls except tab, newline and carriage return; DEL and C1 controls; lone
# surrogates; the non-characters U+FFFE and U+FFFF. XML 1.0 forbids or discourages them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A start tag with attributes, with ">" allowed inside quoted attribute values.
_TAG = re.compile(r"""<[a-zA-Z][^\s/>]*\s(?:"[^"]*"|'[^']*'|[^'">])*>""")
_URL_ATTR = re.compile(r"""(\s(?:href|src|poster|cite)\s*=\s*)(["'])(.*?)\2""", re.I | re.S)
_SRCSET = re.compile(r"""(\ssrcset\s*=\s*)(["'])(.*?)\2""", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ANY_TAG = re.compile(r"<[^>]*>")
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
# What the specific part of a tag URI may hold besides letters and digits (RFC 4151).
_TAG_SPECIFIC = ";/?:@&=+$.-_!~*'(),"
_ABSOLUTE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


@functools.lru_cache(maxsize=65536)  # the same every build: livereload rebuilds often
def tag_uri(authority: str, when: date, specific: str) -> str:
    """`tag:authority,YYYY-MM-DD:specific` (RFC 4151), `specific` percent-encoded where
    it has characters a tag URI cannot hold (a slug with accents)."""
    day = f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
    return f"tag:{authority},{day}:{quote(specific, safe=_TAG_SPECIFIC)}"


def strip_illegal(text: str) -> tuple[str, int]:
    """`text` without control and XML-illegal characters, and how many were removed."""
    return _ILLEGAL.subn("", text)


def absolutize(html: str, base: str) -> str:
    """Resolve every relative href, src, poster, cite and srcset URL in `html` against `base`.

    URLs are resolved as a browser would from the page at `base`; absolute URLs and
    other schemes (mailto:, data:) are left as they are. Text outside tags is untouched.
    """

    def join(url: str) -> str:
        stripped = url.strip()
        if not stripped or _ABSOLUTE.match(stripped):
            return url
        return urljoin(base, stripped)

    def attr(match: re.Match[str]) -> str:
        return f"{match[1]}{match[2]}{join(match[3])}{match[2]}"

    def srcset(match: re.Match[str]) -> str:
        candidates = []
        for candidate in match[3].split(","):
            url, _, descriptor = candidate.strip().partition(" ")
            candidates.append(f"{join(url)} {descriptor}".strip())
        return f"{match[1]}{match[2]}{', '.join(candidates)}{match[2]}"

    def tag(match: re.Match[str]) -> str:
        return _SRCSET.sub(srcset, _URL_ATTR.sub(attr, match[0]))

    return _TAG.sub(tag, html)


def plain_text(html: str) -> str:
    """The text of an HTML fragment: no comments or tags, entities decoded, spaces collapsed."""
    return unescape(" ".join(_ANY_TAG.sub(" ", _COMMENT.sub("", html)).split()))


def _summary(article: Any, content: str) -> str:
    """The article's Summary metadata, else the summary Pelican would make, from the
    absolute-link content (Pelican's own `summary` has the links of the last page written)."""
    if "summary" in article.metadata:
        return article.metadata["summary"]
    settings = article.settings
    if settings.get("SUMMARY_MAX_PARAGRAPHS") is not None:
        content = truncate_html_paragraphs(content, settings["SUMMARY_MAX_PARAGRAPHS"])
    if settings.get("SUMMARY_MAX_LENGTH") is not None:
        content = truncate_html_words(
            content, settings["SUMMARY_MAX_LENGTH"], settings["SUMMARY_END_SUFFIX"]
        )
    return strip_toc_elements_from_html(content)


def _source(article: Any) -> str:
    return getattr(article, "relative_source_path", None) or article.source_path


def post_id(article: Any, authority: str) -> str:
    """The article's FeedId metadata if it is a URI, else `tag:authority,date:slug`."""
    fallback = tag_uri(authority, article.date, article.slug)
    if "feedid" not in article.metadata:
        return fallback
    explicit = str(article.metadata["feedid"]).strip()
    if _URI.match(explicit):
        return explicit
    log.warning(
        "%s %s: FeedId %r is not a URI (e.g. urn:uuid:... or tag:example.com,2024-05-01:post); "
        "using %s",
        LOG_PREFIX,
        _source(article),
        explicit,
        fallback,
    )
    return fallback


def from_article(article: Any, siteurl: str, authority: str) -> FeedItem:
    """A post as a feed entry: full content with Pelican's {static}/{filename} links
    resolved against the absolute SITEURL, summary, authors, category and tags."""
    content = article.get_content(siteurl)
    labels = [article.category.name] if getattr(article, "category", None) else []
    labels += [tag.name for tag in getattr(article, "tags", [])]
    return FeedItem(
        id=post_id(article, authority),
        title=plain_text(article.title),
        url=article.url,
        content_html=content,
        summary_html=_summary(article, content),
        published=article.date,
        updated=getattr(article, "modified", None),
        authors=tuple(FeedAuthor(a.name, a.url) for a in getattr(article, "authors", [])),
        categories=tuple(dict.fromkeys(labels)),
        source=_source(article),
    )


class _Cleaner:
    """strip_illegal that counts what it removed."""

    def __init__(self) -> None:
        self.removed = 0

    def __call__(self, text: str) -> str:
        text, count = strip_illegal(text)
        self.removed += count
        return text


def _authors(
    authors: tuple[FeedAuthor, ...], siteurl: str, clean: _Cleaner
) -> tuple[FeedAuthor, ...]:
    return tuple(
        FeedAuthor(clean(a.name), urljoin(f"{siteurl}/", a.url) if a.url else "") for a in authors
    )


def plain_datetime(when: datetime) -> datetime:
    """`when` as a plain datetime: Pelican's dates are a subclass whose strftime (which
    feedgen calls for every RSS date) is many times slower, with the same result here."""
    if type(when) is datetime:
        return when
    return datetime.combine(when.date(), when.timetz())


def prepare(item: FeedItem, siteurl: str) -> tuple[FeedItem, int]:
    """`item` with absolute URLs and XML-safe text, and how many characters were removed."""
    url = urljoin(f"{siteurl}/", item.url)
    clean = _Cleaner()
    prepared = replace(
        item,
        published=plain_datetime(item.published),
        updated=item.updated and plain_datetime(item.updated),
        id=clean(item.id),
        title=clean(item.title),
        url=url,
        content_html=clean(absolutize(item.content_html, url)),
        summary_html=clean(absolutize(item.summary_html, url)),
        authors=_authors(item.authors, siteurl, clean),
        categories=tuple(clean(label) for label in item.categories),
    )
    return prepared, clean.removed


def prepare_spec(spec: FeedSpec, siteurl: str) -> tuple[FeedSpec, int]:
    """`spec` with absolute author URLs and XML-safe text, and how many characters were
    removed (a category or tag name comes from a post's metadata)."""
    clean = _Cleaner()
    prepared = replace(
        spec,
        title=clean(spec.title),
        name=clean(spec.name),
        subtitle=clean(spec.subtitle),
        authors=_authors(spec.authors, siteurl, clean),
    )
    return prepared, clean.removed

"""Import comments from WordPress or Disqus (WXR, or Disqus's own XML) and Blogger (Atom).

Each comment is matched to a post of this site by slug, by URL path, by the last part
of its URL, then by title; threading is kept (a reply whose parent was spam or
unapproved moves up to the nearest kept ancestor). Importing is idempotent: a comment
already here (same id, or same author, date and text) is not written again. And it is
all or nothing: every file is written to a staging folder first and moved into place
only when the whole file has been read without error.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import lxml.html
from lxml import etree

from .clean import clean_body, clean_email, clean_line, clean_url
from .export import META_ID, META_MARKDOWN
from .model import Comment, CommentsError, Post, valid_id
from .posts import load_posts
from .settings import Config
from .store import comment_path, format_comment, load_comments

ATOM = "{http://www.w3.org/2005/Atom}"
THREAD = "{http://purl.org/syndication/thread/1.0}"
BLOGGER_2018 = "{http://schemas.google.com/blogger/2018}"
DISQUS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
KIND = "http://schemas.google.com/g/2005#kind"
WXR_NAMESPACE = re.compile(r"http://wordpress\.org/export/1\.\d+/")
GZIP_MAGIC, ZIP_MAGIC = b"\x1f\x8b", b"PK\x03\x04"


@dataclass
class Foreign:
    """A comment as another platform exported it; `skip` says why it is not imported."""

    source_id: str
    parent_id: str
    post_slug: str
    post_link: str
    post_title: str
    author: str
    email: str
    url: str
    date: datetime
    body: str
    nurture_id: str = ""
    skip: str = ""


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    platform: str
    imported: list[Comment] = field(default_factory=list)
    present: int = 0
    unmatched: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _prefixed(platform: str, value: str | None) -> str:
    """A platform's comment id as a source id ("wp-12"); "" when the export has none, so
    a comment without an id is skipped rather than taken for another id-less one."""
    value = (value or "").strip()
    return f"{platform}-{value}" if value else ""


def _utc(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _iso(value: str) -> datetime:
    date = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return date if date.tzinfo else date.replace(tzinfo=UTC)


def parse(path: Path, max_bytes: int) -> etree._Element:
    """The export's root element; refuse huge or compressed files, malformed XML and DTDs.

    The bytes are read here and parsed from memory: given a file name, libxml2 would
    silently gunzip it, and a small compressed file can unpack to gigabytes.
    """
    if not path.is_file():
        raise CommentsError(f"{path} not found; pass a WXR or Blogger export file")
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise CommentsError(
            f"{path.name} is {path.stat().st_size / 1e6:.1f} MB; the import limit is "
            f"{max_bytes / 1e6:g} MB (raise COMMENTS['max_import_mb'] if the file is right); "
            "nothing was imported"
        )
    if data.startswith((GZIP_MAGIC, ZIP_MAGIC)):
        raise CommentsError(
            f"{path.name} is compressed; unpack it and import the .xml (or .atom) file inside"
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise CommentsError(
            f"{path.name} is not well-formed XML ({error}); nothing was imported"
        ) from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise CommentsError(f"{path.name} declares a DTD, which exports never do; refusing it")
    return root


def _wxr_namespace(root: etree._Element) -> str:
    """The `wp:` namespace of a WXR file (http://wordpress.org/export/1.2/ or 1.0, 1.1)."""
    return next((u for u in root.nsmap.values() if WXR_NAMESPACE.fullmatch(u or "")), "")


def read_wxr(root: etree._Element, tz: ZoneInfo) -> list[Foreign]:
    """WordPress eXtended RSS (any 1.x version), as WordPress and Disqus write it."""
    wp = f"{{{_wxr_namespace(root)}}}"
    found = []
    for item in root.iter("item"):
        slug = _text(item.find(f"{wp}post_name"))
        link, title = _text(item.find("link")), _text(item.find("title"))
        for comment in item.iter(f"{wp}comment"):
            kind = _text(comment.find(f"{wp}comment_type"))
            approved = _text(comment.find(f"{wp}comment_approved"))
            skip = "" if kind in ("", "comment") else f"{kind}s"
            if not skip and approved != "1":
                skip = {"0": "unapproved", "spam": "spam"}.get(approved, "trashed")
            meta = {
                _text(m.find(f"{wp}meta_key")): (m.findtext(f"{wp}meta_value") or "")
                for m in comment.iter(f"{wp}commentmeta")
            }
            gmt = _text(comment.find(f"{wp}comment_date_gmt"))
            local = _text(comment.find(f"{wp}comment_date"))
            date = (
                _utc(gmt) if gmt and not gmt.startswith("0000") else _utc(local).replace(tzinfo=tz)
            )
            markdown = meta.get(META_MARKDOWN)
            content = comment.findtext(f"{wp}comment_content") or ""
            parent = _text(comment.find(f"{wp}comment_parent"))
            found.append(
                Foreign(
                    source_id=_prefixed("wp", _text(comment.find(f"{wp}comment_id"))),
                    parent_id=_prefixed("wp", "" if parent == "0" else parent),
                    post_slug=slug,
                    post_link=link,
                    post_title=title,
                    author=comment.findtext(f"{wp}comment_author") or "",
                    email=_text(comment.find(f"{wp}comment_author_email")),
                    url=_text(comment.find(f"{wp}comment_author_url")),
                    date=date,
                    body=markdown if markdown is not None else html_to_markdown(content, True),
                    nurture_id=meta.get(META_ID, ""),
                    skip=skip,
                )
            )
    return found


def read_disqus(root: etree._Element, tz: ZoneInfo) -> list[Foreign]:
    """Disqus's own XML export: <thread> elements (the pages) and <post> elements."""
    threads = {
        t.get(DSQ_ID): (_text(t.find(f"{DISQUS}link")), _text(t.find(f"{DISQUS}title")))
        for t in root.findall(f"{DISQUS}thread")
        if t.get(DSQ_ID)
    }
    found = []
    for post in root.findall(f"{DISQUS}post"):
        flags = {
            name: _text(post.find(f"{DISQUS}{name}")) == "true" for name in ("isSpam", "isDeleted")
        }
        thread = post.find(f"{DISQUS}thread")
        link, title = threads.get(thread.get(DSQ_ID) if thread is not None else None, ("", ""))
        parent = post.find(f"{DISQUS}parent")
        author = post.find(f"{DISQUS}author")
        found.append(
            Foreign(
                source_id=_prefixed("disqus", post.get(DSQ_ID)),
                parent_id=_prefixed("disqus", parent.get(DSQ_ID) if parent is not None else ""),
                post_slug="",
                post_link=link,
                post_title=title,
                author=author.findtext(f"{DISQUS}name") or "" if author is not None else "",
                email=author.findtext(f"{DISQUS}email") or "" if author is not None else "",
                url="",
                date=_iso(_text(post.find(f"{DISQUS}createdAt"))),
                body=html_to_markdown(post.findtext(f"{DISQUS}message") or "", False),
                skip="spam" if flags["isSpam"] else "deleted" if flags["isDeleted"] else "",
            )
        )
    return found


def _blogger_id(value: str) -> str:
    match = re.search(r"(\d+)\s*$", value)
    return f"blogger-{match[1]}" if match else ""


def _link(entry: etree._Element, rel: str) -> str:
    return next((a.get("href", "") for a in entry.iter(f"{ATOM}link") if a.get("rel") == rel), "")


def read_blogger(root: etree._Element, tz: ZoneInfo) -> list[Foreign]:
    """Blogger's Atom export: the classic one (kind categories) and the 2018 one (blogger:type)."""
    posts: dict[str, tuple[str, str]] = {}
    comments = []
    for entry in root.iter(f"{ATOM}entry"):
        entry_id = _blogger_id(_text(entry.find(f"{ATOM}id")))
        kind = _text(entry.find(f"{BLOGGER_2018}type")).lower()
        if not kind:
            terms = [
                c.get("term", "") for c in entry.iter(f"{ATOM}category") if c.get("scheme") == KIND
            ]
            kind = terms[0].rpartition("#")[2] if terms else ""
        status = _text(entry.find(f"{BLOGGER_2018}status")) or "LIVE"
        if kind in ("post", "page"):
            link = _link(entry, "alternate") or _text(entry.find(f"{BLOGGER_2018}filename"))
            posts[entry_id] = (link, _text(entry.find(f"{ATOM}title")))
        elif kind == "comment":
            comments.append((entry, "" if status == "LIVE" else status.lower()))
    found = []
    for entry, skip in comments:
        reply = entry.find(f"{THREAD}in-reply-to")
        post_id = _blogger_id(
            reply.get("ref", "")
            if reply is not None
            else _text(entry.find(f"{BLOGGER_2018}parent"))
        )
        link, title = posts.get(post_id, (reply.get("href", "") if reply is not None else "", ""))
        parent = _blogger_id(
            _link(entry, "related") or _text(entry.find(f"{BLOGGER_2018}inReplyTo"))
        )
        author = entry.find(f"{ATOM}author")
        email = author.findtext(f"{ATOM}email") or "" if author is not None else ""
        found.append(
            Foreign(
                source_id=_blogger_id(_text(entry.find(f"{ATOM}id"))),
                parent_id=parent,
                post_slug="",
                post_link=link,
                post_title=title,
                author=author.findtext(f"{ATOM}name") or "" if author is not None else "",
                email="" if email == "noreply@blogger.com" else email,
                url=author.findtext(f"{ATOM}uri") or "" if author is not None else "",
                date=_iso(_text(entry.find(f"{ATOM}published"))),
                body=html_to_markdown(entry.findtext(f"{ATOM}content") or "", False),
                skip=skip,
            )
        )
    return found


Reader = Callable[[etree._Element, ZoneInfo], list[Foreign]]


def detect(root: etree._Element, name: str) -> tuple[str, Reader]:
    """Which platform wrote this export; a clear error for anything else."""
    if root.tag == "rss" and _wxr_namespace(root):
        return "WordPress WXR", read_wxr
    if root.tag == f"{DISQUS}disqus":
        return "Disqus XML", read_disqus
    if root.tag == f"{ATOM}feed" and (
        BLOGGER_2018[1:-1] in root.nsmap.values()
        or any(c.get("scheme") == KIND for c in root.iter(f"{ATOM}category"))
    ):
        return "Blogger Atom", read_blogger
    tag = etree.QName(root).localname
    raise CommentsError(
        f"{name} is not a WordPress or Disqus WXR, Disqus XML or Blogger Atom export "
        f"(its root element is <{tag}>); nothing was imported"
    )


_INLINE = {"em": "*", "i": "*", "strong": "**", "b": "**", "code": "`"}
_BLOCK = frozenset({"p", "div", "blockquote", "ul", "ol", "li", "pre", "h1", "h2", "h3", "h4"})


def _blocks(element: lxml.html.HtmlElement) -> str:
    text = _children(element)
    return "\n\n".join(block.strip() for block in re.split(r"\n\s*\n", text) if block.strip())


def _children(element: lxml.html.HtmlElement) -> str:
    parts = [_escape(element.text or "")]
    for child in element:
        parts += [_node(child), _escape(child.tail or "")]
    return "".join(parts)


def _node(element: lxml.html.HtmlElement) -> str:
    if not isinstance(element.tag, str):
        return ""  # an HTML comment or processing instruction: never shown
    tag = element.tag
    inner = _children(element)
    if tag == "br":
        return "\n"
    if tag in _INLINE and inner.strip():
        return f"{_INLINE[tag]}{inner.strip()}{_INLINE[tag]}"
    if tag == "a":
        href = element.get("href", "")
        ok = href.startswith(("http://", "https://", "mailto:")) and inner.strip()
        return f"[{inner.strip()}]({href.replace(')', '%29')})" if ok else inner
    if tag == "blockquote":
        quoted = "\n".join(f"> {line}" for line in _blocks(element).split("\n"))
        return f"\n\n{quoted}\n\n"
    if tag == "li":
        return "\n- " + " ".join(inner.split())
    if tag == "pre":
        code = "\n".join(f"    {line}" for line in element.text_content().strip("\n").split("\n"))
        return f"\n\n{code}\n\n"
    if tag in _BLOCK:
        return f"\n\n{inner}\n\n"
    return inner


def _escape(text: str) -> str:
    """HTML text as Markdown text: whitespace runs are one space, markup characters escaped."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", re.sub(r"\s+", " ", text))


def html_to_markdown(fragment: str, newlines_are_breaks: bool) -> str:
    """Comment HTML as Markdown (just enough: paragraphs, breaks, emphasis, links, lists).

    WordPress stores comments with plain newlines (it adds the paragraphs when showing
    them), so for WXR each newline is a line break.
    """
    if not fragment.strip():
        return ""
    if newlines_are_breaks:
        fragment = fragment.replace("\r\n", "\n").replace("\n", "<br>")
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    return _blocks(root)


class _PostIndex:
    """Finds this site's post for a foreign comment: slug, URL path, URL's last part, title."""

    def __init__(self, posts: dict[str, Post]) -> None:
        self.slugs = posts
        self.paths = {"/" + post.url.strip("/"): post for post in posts.values()}
        self.titles = {_title_key(post.title): post for post in posts.values()}

    def match(self, foreign: Foreign) -> Post | None:
        path = urlsplit(foreign.post_link).path.rstrip("/")
        last = re.sub(r"\.(html?|php)$", "", path.rpartition("/")[2])
        return (
            self.slugs.get(foreign.post_slug)
            or self.paths.get(path)
            or self.slugs.get(last)
            or self.titles.get(_title_key(foreign.post_title))
        )


def _title_key(title: str) -> str:
    return " ".join(title.replace("’", "'").split()).casefold()


def _local_id(foreign: Foreign) -> str:
    if valid_id(foreign.nurture_id):
        return foreign.nurture_id
    return re.sub(r"[^A-Za-z0-9_-]", "-", foreign.source_id)[:64]


def _fingerprint(author: str, date: datetime, body: str) -> tuple[str, datetime, str]:
    return author.casefold(), date.replace(microsecond=0), body


def _resolve(foreign: list[Foreign], config: Config, report: ImportReport) -> list[Comment]:
    """The comments to write: matched, cleaned, new, and threaded by local ids."""
    index = _PostIndex(load_posts(config.settings, config.comments))
    existing, _ = load_comments(
        config.comments_root, timezone=config.timezone, max_length=config.max_length
    )
    ids = {(slug, c.id) for slug, found in existing.items() for c in found}
    prints = {
        (slug, _fingerprint(c.author, c.date, c.body)): c.id
        for slug, found in existing.items()
        for c in found
    }
    local: dict[str, tuple[str, str]] = {}
    new: list[tuple[Foreign, Comment]] = []
    site_zone = ZoneInfo(config.timezone)
    for item in foreign:
        post = index.match(item)
        author, body = clean_line(item.author) or "Anonymous", clean_body(item.body)
        if item.skip:
            report.skipped[item.skip] += 1
        elif post is None:
            report.unmatched[item.post_link or item.post_title or "(no post named)"] += 1
        elif not body or len(body) > config.max_length:
            report.skipped["empty" if not body else "too long"] += 1
        elif not valid_id(_local_id(item)):
            report.skipped["id-less"] += 1
        else:
            print_key = (post.slug, _fingerprint(author, item.date, body))
            comment_id = prints.get(print_key) or _local_id(item)
            local[item.source_id] = (post.slug, comment_id)
            if (post.slug, comment_id) in ids:
                report.present += 1
                continue
            ids.add((post.slug, comment_id))
            prints[print_key] = comment_id
            comment = Comment(
                comment_id,
                post.slug,
                author,
                item.date.astimezone(site_zone),
                body,
                clean_email(item.email),
                clean_url(item.url),
            )
            new.append((item, comment))
    parents = {item.source_id: item.parent_id for item in foreign}
    for item, comment in new:
        parent, seen = item.parent_id, set()
        while parent and parent not in local and parent not in seen:
            seen.add(parent)
            parent = parents.get(parent, "")
        slug, parent_id = local.get(parent, ("", ""))
        comment.replyto = parent_id if slug == comment.post else ""
    return [comment for _, comment in new]


def _write_all(
    root: Path, comments: list[Comment], progress: Callable[[int, int], None] | None
) -> None:
    """Stage every file, then move them into place; on any failure, undo the moves."""
    root.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=root.parent, prefix=".comments-import-"))
    moved: list[Path] = []
    created: list[Path] = []
    try:
        for done, comment in enumerate(comments, start=1):
            staged = comment_path(stage, comment)
            staged.parent.mkdir(exist_ok=True)
            staged.write_text(format_comment(comment), encoding="utf-8")
            if progress:
                progress(done, len(comments))
        for comment in comments:
            target = comment_path(root, comment)
            if not target.parent.exists():
                target.parent.mkdir()
                created.append(target.parent)
            os.link(comment_path(stage, comment), target)
            moved.append(target)
    except OSError as error:
        for path in moved:
            path.unlink()
        for folder in reversed(created):
            folder.rmdir()
        raise CommentsError(
            f"writing the comments failed ({error}); nothing was imported"
        ) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def import_file(
    config: Config,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import one export file, all or nothing; with `dry_run`, only report."""
    root = parse(path, config.comments["max_import_mb"] * 1_000_000)
    platform, reader = detect(root, path.name)
    report = ImportReport(platform)
    try:
        foreign = reader(root, ZoneInfo(config.timezone))
    except (ValueError, TypeError) as error:
        raise CommentsError(
            f"{path.name}: a comment could not be read ({error}); nothing was imported"
        ) from None
    report.imported = _resolve(foreign, config, report)
    if not dry_run:
        _write_all(config.comments_root, report.imported, progress)
    return report

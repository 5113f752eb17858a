"""An issue's email: the theme's email templates rendered once per issue, CSS inlined.

`theme/templates/email/issue.html` is a table layout with one <style> block; css-inline
moves its rules into style attributes (what Gmail and Outlook keep) and leaves the
@media rules for dark mode and narrow screens in place. `issue.txt` is the plain-text
part. Both are rendered with placeholders for the reader (see rendered.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from plugins.errors import NurtureError

from .issues import Issue
from .plaintext import html_to_text, wrap
from .rendered import TOKENS
from .settings import NewsletterSettings

MAX_BYTES = 100_000  # Gmail clips a message whose HTML passes about 102 KB
EXCERPT_WORDS = 60
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


class EmailError(NurtureError):
    """An issue's email cannot be sent as it is: it is too big."""


@dataclass(frozen=True)
class EmailPost:
    """A post as the email lists it: plain text and absolute links."""

    title: str
    url: str
    date: str
    excerpt: str


def plain(html: str) -> str:
    """Text without tags or entities, whitespace collapsed."""
    return Markup(html).striptags()  # noqa: S704 (only the text is kept)


def email_post(article: Any, siteurl: str) -> EmailPost:
    words = plain(article.get_summary(siteurl)).split()
    excerpt = " ".join(words[:EXCERPT_WORDS])
    if len(words) > EXCERPT_WORDS:
        excerpt = excerpt.rstrip(".,;:") + "…"
    return EmailPost(
        title=plain(article.title),
        url=f"{siteurl}/{article.url}",
        date=article.locale_date,
        excerpt=excerpt,
    )


def environment(template_paths: Sequence[str]) -> Environment:
    """Jinja for the email templates: HTML escaped, text not, undefined names an error."""
    env = Environment(
        loader=FileSystemLoader(list(template_paths)),
        autoescape=select_autoescape(("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters["wrap"] = wrap
    return env


def render_email(
    env: Environment,
    *,
    issue: Issue,
    intro_html: str,
    posts: Sequence[EmailPost],
    date: str,
    web_url: str,
    site: dict[str, str],
    settings: NewsletterSettings,
) -> tuple[str, str]:
    """(html, text) of the issue with placeholders; raise EmailError if it cannot be sent."""
    values = {
        "issue": issue,
        "date": date,
        "web_url": web_url,
        "site": site,
        "intro_html": Markup(intro_html),  # noqa: S704 (the owner's own Markdown)
        "intro_text": html_to_text(intro_html),
        "posts": posts,
        "signature": [part.splitlines() for part in settings.signature.split("\n\n")],
        "postal_address": settings.postal_address,
        **TOKENS,
    }
    html = _INLINER.inline(env.get_template("email/issue.html").render(values))
    size = len(html.encode("utf-8"))
    if size > MAX_BYTES:
        raise EmailError(
            f"the email is {size // 1000} KB, over the {MAX_BYTES // 1000} KB Gmail shows "
            "unclipped; list fewer posts or shorten the intro"
        )
    return html, env.get_template("email/issue.txt").render(values)

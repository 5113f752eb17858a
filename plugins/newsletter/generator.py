"""The newsletter's part of a build: a Pelican generator for content/newsletter/.

`generate_context` reads and checks every issue once the posts are known, logs an ERROR
naming the file for each problem (that issue is left out, the others go on) and
publishes the issues feed through plugins.feeds. `generate_output`, which runs after
every generator has read its content (so {static} and {filename} links resolve), writes
the archive (/newsletter/), a page per ready issue (/newsletter/<n>/), a noindex preview
per draft (/newsletter/drafts/<n>/, only where DRAFT_SAVE_AS is set, as in
development), and each issue's email under CACHE_PATH/newsletter/ for the sender.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from html import escape
from itertools import chain
from pathlib import Path
from typing import Any

from pelican.contents import Content
from pelican.generators import Generator

from plugins.feeds import FeedItem, FeedSpec, publish_feed, tag_id
from plugins.feeds.entries import absolutize

from .issues import Issue, check_posts, posts_by_slug, read_issues
from .render import EmailError, email_post, environment, render_email
from .rendered import RenderedIssue, remove_stale, save_rendered
from .settings import NewsletterSettings

log = logging.getLogger(__name__)
PREFIX = "newsletter:"
ARCHIVE_URL = "newsletter/"
FEED_PATHS = {"atom_path": "feeds/newsletter.atom.xml", "rss_path": "feeds/newsletter.rss.xml"}


@dataclass
class IssuePage:
    """An issue with what the build resolved: its intro as Pelican content, its posts."""

    issue: Issue
    intro: Content
    posts: list[Any]


class NewsletterGenerator(Generator):
    """Builds the newsletter archive, the issue pages, the issues feed and the emails."""

    def generate_context(self) -> None:
        issues, problems = read_issues(self.settings)
        posts = posts_by_slug(
            chain(
                self.context.get("articles", []),
                self.context.get("hidden_articles", []),
                self.context.get("drafts", []),
            )
        )
        now = datetime.now(UTC)
        self.issue_pages: list[IssuePage] = []
        for issue in issues:
            found = check_posts(issue, posts, now)
            problems += found
            if not found:
                self.issue_pages.append(self._page(issue, posts))
        for problem in problems:
            log.error("%s %s", PREFIX, problem)
        self.ready = sorted(
            (page for page in self.issue_pages if not page.issue.is_draft),
            key=lambda page: page.issue.number,
            reverse=True,
        )
        for page in self.ready:
            self.add_source_path(page.intro)
        sitename = self.settings.get("SITENAME", "")
        publish_feed(
            FeedSpec(
                key="newsletter",
                title=f"{sitename} — the newsletter",
                name="Every issue",
                subtitle=f"Past issues of the {sitename} newsletter",
                page=ARCHIVE_URL,
                group="Newsletter",
                **FEED_PATHS,
            ),
            (self._feed_item(page) for page in self.ready),
        )

    def _page(self, issue: Issue, posts: dict[str, Any]) -> IssuePage:
        intro = Content(
            issue.intro_html,
            metadata={
                "title": issue.subject,
                "date": issue.date,
                "url": issue.url,
                "save_as": issue.save_as,
            },
            settings=self.settings,
            source_path=str(issue.path),
            context=self.context,
        )
        return IssuePage(issue, intro, [posts[slug] for slug in issue.posts])

    def sitemap_entries(self) -> list[tuple[str, datetime | None]]:
        """The archive and every ready issue, for the blog plugin's sitemap.xml."""
        newest = self.ready[0].issue.date if self.ready else None
        return [(ARCHIVE_URL, newest), *((page.issue.url, page.issue.date) for page in self.ready)]

    @property
    def siteurl(self) -> str:
        return (self.settings.get("SITEURL") or "").rstrip("/")

    def _feed_item(self, page: IssuePage) -> FeedItem:
        issue = page.issue
        content = self.get_template("newsletter_entry").render(
            SITEURL=self.siteurl,
            intro_html=page.intro.get_content(self.siteurl),
            posts=page.posts,
        )
        return FeedItem(
            id=tag_id(issue.date, f"newsletter/{issue.number}"),
            title=issue.subject,
            url=issue.url,
            content_html=content,
            summary_html=escape(issue.preheader),
            published=issue.date,
            source=issue.source,
        )

    def generate_output(self, writer: Any) -> None:
        write = partial(writer.write_file, relative_urls=self.settings["RELATIVE_URLS"])
        write(
            f"{ARCHIVE_URL}index.html",
            self.get_template("newsletter"),
            self.context,
            url=ARCHIVE_URL,
            issues=[page.issue for page in self.ready],
            page_name="newsletter",
        )
        issue_template = self.get_template("newsletter_issue")
        newest_first = [page.issue for page in self.ready]
        neighbours = {
            issue.number: (
                newest_first[index - 1] if index > 0 else None,
                newest_first[index + 1] if index + 1 < len(newest_first) else None,
            )
            for index, issue in enumerate(newest_first)
        }
        write_drafts = bool(self.settings.get("DRAFT_SAVE_AS"))
        for page in self.issue_pages:
            issue = page.issue
            if issue.is_draft and not write_drafts:
                continue
            newer, older = neighbours.get(issue.number, (None, None))
            write(
                issue.save_as,
                issue_template,
                self.context,
                url=issue.url,
                issue=issue,
                intro=page.intro,
                posts=page.posts,
                newer=newer,
                older=older,
            )
        self._write_emails()

    def _write_emails(self) -> None:
        directory = Path(self.settings["CACHE_PATH"]) / "newsletter"
        siteurl = self.siteurl
        rendered: set[int] = set()
        pages = self.issue_pages
        if not siteurl.startswith(("https://", "http://")) and pages:
            log.warning(
                "%s SITEURL is not an absolute address, so no emails are rendered: set "
                'SITEURL = "http://127.0.0.1:8000" in pelicanconf.py',
                PREFIX,
            )
            pages = []
        config: NewsletterSettings = self.settings["NEWSLETTER_SETTINGS"]
        env = environment(
            [*self.settings["THEME_TEMPLATES_OVERRIDES"], str(Path(self.theme) / "templates")]
        )
        site = {
            "lang": self.settings.get("DEFAULT_LANG", "en"),
            "name": self.settings.get("SITENAME", ""),
            "subtitle": self.settings.get("SITESUBTITLE", ""),
            "url": f"{siteurl}/",
            "archive_url": f"{siteurl}/{ARCHIVE_URL}",
        }
        for page in pages:
            issue = page.issue
            web_url = f"{siteurl}/{issue.url}"
            try:
                html, text = render_email(
                    env,
                    issue=issue,
                    intro_html=absolutize(page.intro.get_content(siteurl), web_url),
                    posts=[email_post(post, siteurl) for post in page.posts],
                    date=issue.date.strftime(self.settings["DEFAULT_DATE_FORMAT"]),
                    web_url=web_url,
                    site=site,
                    settings=config,
                )
            except EmailError as error:
                log.error("%s %s: %s", PREFIX, issue.source, error)
                continue
            save_rendered(
                RenderedIssue(
                    number=issue.number,
                    source=str(issue.path),
                    subject=issue.subject,
                    preheader=issue.preheader,
                    status=issue.status,
                    date=issue.date,
                    posts=issue.posts,
                    segment=issue.segment,
                    url=web_url,
                    siteurl=siteurl,
                    sender=config.sender,
                    reply_to=config.reply_to,
                    unsubscribe_template=config.unsubscribe_url,
                    fallback_name=config.fallback_name,
                    html=html,
                    text=text,
                ),
                directory,
            )
            rendered.add(issue.number)
        remove_stale(directory, Path(self.settings["PATH"]), rendered)

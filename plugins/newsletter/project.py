"""The project as the newsletter commands see it, without a build: settings, posts, issues.

Posts are read by Pelican's own ArticlesGenerator, so slugs, dates and statuses are
exactly what a build sees; issues are read and checked as the build checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pelican.generators import ArticlesGenerator

from plugins.blog.build import read_settings
from plugins.contacts import ContactsError, Store, database_path

from . import settings as newsletter_settings
from .issues import Issue, Problem, check_posts, posts_by_slug, read_issues
from .settings import NewsletterSettings


@dataclass
class Project:
    """What `newsletter.new` and `newsletter.list` work from."""

    settings: dict[str, Any]
    newsletter: NewsletterSettings
    posts: dict[str, Any]
    issues: list[Issue]
    problems: list[Problem]

    @property
    def content(self) -> Path:
        return Path(self.settings["PATH"])

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.get("TIMEZONE") or "UTC")

    def parse_date(self, text: str) -> datetime:
        """The start of a YYYY-MM-DD day in the site's TIMEZONE; ValueError if malformed."""
        return datetime.combine(date.fromisoformat(text.strip()), time(), self.timezone)


def _articles(settings: dict[str, Any]) -> list[Any]:
    context = {
        **settings,
        "generated_content": {},
        "static_links": set(),
        "static_content": {},
        "localsiteurl": settings["SITEURL"],
    }
    generator = ArticlesGenerator(
        context=context,
        settings=settings,
        path=settings["PATH"],
        theme=settings["THEME"],
        output_path=settings["OUTPUT_PATH"],
    )
    generator.generate_context()
    return [*generator.articles, *generator.hidden_articles, *generator.drafts]


def load_project(settings_file: Path, now: datetime | None = None) -> Project:
    """Read the settings, every post and every issue; check the issues against the posts."""
    settings = read_settings(settings_file)
    config = newsletter_settings.check(settings)
    posts = posts_by_slug(_articles(settings))
    issues, problems = read_issues(settings)
    moment = now or datetime.now(UTC)
    for issue in issues:
        problems += check_posts(issue, posts, moment)
    return Project(settings, config, posts, issues, problems)


def sent_statuses() -> dict[int, str] | None:
    """What `newsletter.list` shows under "Sent" for each issue in the send ledger (the
    others were not sent); None if the ledger cannot be read."""
    path = database_path()
    if not path.exists():
        return {}
    try:
        with Store.open(path) as store:
            per_issue = store.sent_per_issue()
    except ContactsError:
        return None
    return {
        number: f"{sent:,} sent" if sent == total else f"{sent:,} of {total:,}"
        for number, (sent, total) in per_issue.items()
        if sent
    }

"""The service's pages and emails, rendered from templates/ with Jinja2.

Pages wear the site's look (its stylesheet, header and colours) and say one thing each.
Everything a visitor typed is escaped; a page never says whether an address was already
on the list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .settings import SubscriptionsSettings

TEMPLATES = Path(__file__).parent / "templates"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    auto_reload=False,  # templates do not change while the service runs: no stat per page
)

STATUS_PAGES: dict[int, tuple[str, str]] = {
    400: ("That did not work", "The form arrived incomplete or garbled. Please try again."),
    403: ("Not from this site", "This form takes posts only from the site's own pages."),
    404: ("Page not found", "There is nothing at this address."),
    405: ("Not like that", "This address does not take that kind of request."),
    413: ("Too long", "That was more than this form takes. Please shorten it and try again."),
    415: ("Not a form", "This address takes form posts (application/x-www-form-urlencoded)."),
    500: ("Something went wrong", "Please try again in a few minutes."),
}


class Pages:
    """Renders the service's pages and email bodies with the site's name and addresses."""

    def __init__(self, settings: SubscriptionsSettings) -> None:
        self.settings = settings
        self._common = {
            "site_name": settings.site_name,
            "site_url": settings.site_url,
            "service_url": settings.url,
            "lang": str(settings.comments.settings.get("DEFAULT_LANG") or "en"),
        }

    def render(self, template: str, **context: Any) -> str:
        return _environment.get_template(template).render(**self._common, **context)

    def message(self, title: str, *paragraphs: str, link: tuple[str, str] | None = None) -> str:
        return self.render("page.html", title=title, paragraphs=paragraphs, link=link)

    def subscribe_link(self) -> tuple[str, str]:
        return (f"{self.settings.site_url}/subscribe/", "Back to the sign-up form")

    def status(self, code: int) -> str:
        title, text = STATUS_PAGES.get(code, STATUS_PAGES[500])
        return self.message(title, text)

    def check_inbox(self, email: str) -> str:
        return self.message(
            "Check your inbox",
            f"We have sent a message to {email}. Open the link in it to confirm your "
            "subscription; until then, nothing else will be sent.",
            "Nothing there? Look in the spam or promotions folder, or sign up again in a "
            "few minutes.",
        )

    def invalid_email(self) -> str:
        return self.message(
            "Please check the address",
            "That does not look like an email address we can write to.",
            link=self.subscribe_link(),
        )

    def invalid_name(self, reason: str) -> str:
        return self.message("Please check your name", reason, link=self.subscribe_link())

    def welcome(self) -> str:
        return self.message(
            f"Welcome to {self.settings.site_name}",
            "You are subscribed: the next letter will come to your inbox.",
            "Every letter has a link to leave, in one click, whenever you like.",
            link=(f"{self.settings.site_url}/", "Read the latest posts"),
        )

    def link_used(self) -> str:
        return self.message(
            "This link has already been used",
            "If you opened it before, your subscription is confirmed. If you are not sure, "
            "sign up again and use the link in the newest email.",
            link=self.subscribe_link(),
        )

    def link_expired(self) -> str:
        return self.message(
            "This link has expired",
            f"Confirmation links work for {self.settings.confirm_days} days, and only until "
            "you unsubscribe. Sign up again to get a new one.",
            link=self.subscribe_link(),
        )

    def link_invalid(self) -> str:
        return self.message(
            "This link is not valid",
            "It may have been cut short or changed. Open it from the email again, or copy "
            "the whole address into your browser.",
        )

    def unsubscribe_form(self, action: str) -> str:
        return self.render("unsubscribe.html", title="Unsubscribe?", action=action)

    def unsubscribed(self) -> str:
        return self.message(
            "You are unsubscribed",
            f"You will get no more letters from {self.settings.site_name} at this address. "
            "Thank you for reading.",
        )

    def not_one_click(self) -> str:
        return self.message(
            "Please use the button",
            "Unsubscribing takes the button on the page this link opens.",
        )

    def comment_received(self, post_title: str, post_url: str) -> str:
        return self.message(
            "Thank you for your comment",
            f"Your reply to “{post_title}” is waiting to be read; it will appear once "
            "approved. Your email address is never shown.",
            link=(post_url, "Back to the post"),
        )

    def comment_refused(self, reason: str, post_url: str | None) -> str:
        link = (post_url, "Back to the post") if post_url else None
        return self.message("Your comment was not posted", reason, link=link)

    def too_many(self) -> str:
        return self.message(
            "Too many requests",
            "That is more than we take from one address in an hour. Please try again later.",
        )

    def unavailable(self) -> str:
        return self.message(
            "Please try again in a minute",
            "We cannot take your request just now. Nothing was saved; please try again shortly.",
        )

    def mail_failed(self) -> str:
        return self.message(
            "We could not send the email",
            "Your request is saved, but the confirmation email could not be sent just now. "
            "Please sign up again in a few minutes.",
            link=self.subscribe_link(),
        )

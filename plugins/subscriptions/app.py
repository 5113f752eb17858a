"""The web application: its routes and what each one answers.

    POST /subscribe             email, first_name, tags; "check your inbox" (and an email)
    GET  /confirm/<token>       subscribes, records a touch; the welcome page
    GET  /unsubscribe/<token>   a page with one button; changes nothing
    POST /unsubscribe/<token>   List-Unsubscribe=One-Click (RFC 8058): unsubscribes; 200
    POST /comments              post, author, url, email, replyto, body: the moderation queue
    GET  /static/nurture.css    the site's stylesheet, for the pages' look
    GET  /health                "ok" when the contact database answers, else 503

Handlers stay thin: they check the form and the rate limits, then hand the work to
subscribers.py (in the database thread), mail.py and inbox.py (in worker threads).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from plugins.comments.clean import clean_email
from plugins.comments.model import Post
from plugins.contacts import ContactsError, Store
from plugins.contacts.store import now
from plugins.contacts.validate import clean_line, normalize_email
from plugins.newsletter.message import Address, HeaderError
from plugins.newsletter.transport import TransportError

from . import mail, subscribers, tokens
from .database import Database, Unavailable
from .inbox import CommentRefused, Inbox
from .limits import RateLimiter
from .mail import Mailer
from .pages import Pages
from .security import SecurityHeaders, origin_allowed
from .settings import SubscriptionsSettings

log = logging.getLogger(__name__)

HONEYPOT = "website"  # hidden from people by the site's stylesheet; bots fill it in
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"  # RFC 8058 allows it for one-click unsubscribe
SMALL_FORM = 8 * 1024  # bytes: a sign-up or an unsubscribe
MAX_FIELDS = 20
RETRY_AFTER = 60  # seconds
HOUR = 3600.0


class Refusal(Exception):
    """Stop handling the request and answer with this page."""

    def __init__(self, status: int, html: str, retry_after: int | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.html = html
        self.headers = {"Retry-After": str(retry_after)} if retry_after else None


class Service:
    """The handlers, with what they share: settings, database, mailer, limits, pages."""

    def __init__(self, settings: SubscriptionsSettings, database: Database, mailer: Mailer) -> None:
        self.settings = settings
        self.database = database
        self.mailer = mailer
        self.pages = Pages(settings)
        self.inbox = Inbox(settings.comments)
        self.per_ip = RateLimiter(settings.per_ip_hour, HOUR)
        self.per_address = RateLimiter(settings.per_address_hour, HOUR)
        self.valid_for = timedelta(days=settings.confirm_days)
        self.form_origins = (*settings.origins, settings.origin)
        self.comment_form_bytes = settings.comments.max_length * 12 + SMALL_FORM

    # Sign-up

    async def subscribe(self, request: Request) -> Response:
        fields = await self._form(request, SMALL_FORM)
        if fields.get(HONEYPOT):
            log.info("subscriptions: a sign-up filled in the honeypot field; ignored")
            return HTMLResponse(self.pages.check_inbox(fields.get("email", "")[:254]))
        self._limit(self.per_ip, _client(request))
        try:
            email = normalize_email(fields.get("email", ""))
            Address(email)
        except (ContactsError, HeaderError):
            raise Refusal(400, self.pages.invalid_email()) from None
        try:
            first_name = clean_line(fields.get("first_name", ""), "first name")
        except ContactsError as error:
            raise Refusal(400, self.pages.invalid_name(f"The {error}.")) from None
        wanted = (tag.strip().lower() for tag in fields.get("tags", "").split(","))
        tags = tuple(dict.fromkeys(tag for tag in wanted if tag in self.settings.tags))
        self._limit(self.per_address, email)
        origin = request.headers.get("origin")
        signup = subscribers.SignUp(
            email, first_name, tags, f"subscribe form on {origin}" if origin else "subscribe form"
        )
        asked = await self.database.run(
            partial(
                subscribers.ask,
                signup=signup,
                contacts=self.settings.contacts,
                now=now(),
                valid_for=self.valid_for,
            )
        )
        if asked.request_token is not None:
            url = tokens.confirm_url(asked.request_token, self.settings)
            message = mail.confirmation(self.pages, email, url)
        else:
            assert asked.contact_id is not None
            url = tokens.unsubscribe_url(asked.contact_id, self.settings)
            message = mail.already_subscribed(self.pages, email, url)
        try:
            await anyio.to_thread.run_sync(
                self.mailer.send, self.settings.newsletter.envelope_sender, email, message
            )
        except TransportError as error:
            log.error("subscriptions: the confirmation email was not sent: %s", error)
            raise Refusal(503, self.pages.mail_failed(), RETRY_AFTER) from None
        return HTMLResponse(self.pages.check_inbox(email))

    async def confirm(self, request: Request) -> Response:
        request_token = tokens.confirming(request.path_params["token"], self.settings.keys)
        if request_token is None:
            raise Refusal(404, self.pages.link_invalid())
        if request.method == "HEAD":  # link checkers look before anyone clicks
            return Response()
        outcome = await self.database.run(
            partial(
                subscribers.confirm,
                request_token=request_token,
                contacts=self.settings.contacts,
                now=now(),
                valid_for=self.valid_for,
            )
        )
        if outcome in (subscribers.Outcome.CONFIRMED, subscribers.Outcome.ALREADY):
            return HTMLResponse(self.pages.welcome())
        if outcome is subscribers.Outcome.USED:
            return HTMLResponse(self.pages.link_used(), 410)
        return HTMLResponse(self.pages.link_expired(), 410)

    # Unsubscribe

    async def unsubscribe_page(self, request: Request) -> Response:
        self._unsubscribing(request)
        action = f"{self.settings.url}/unsubscribe/{request.path_params['token']}"
        return HTMLResponse(self.pages.unsubscribe_form(action))

    async def unsubscribe(self, request: Request) -> Response:
        contact_id = self._unsubscribing(request)
        fields = await self._form(request, SMALL_FORM, from_anywhere=True)
        if fields.get("List-Unsubscribe") != "One-Click":
            raise Refusal(400, self.pages.not_one_click())
        if await self.database.run(partial(subscribers.unsubscribe, contact_id=contact_id)):
            log.info("subscriptions: contact %d unsubscribed", contact_id)
        return HTMLResponse(self.pages.unsubscribed())

    def _unsubscribing(self, request: Request) -> int:
        contact_id = tokens.unsubscribing(request.path_params["token"], self.settings.keys)
        if contact_id is None:
            raise Refusal(404, self.pages.link_invalid())
        return contact_id

    # Comments

    async def comment(self, request: Request) -> Response:
        fields = await self._form(request, self.comment_form_bytes)
        if fields.get(HONEYPOT):
            log.info("subscriptions: a comment filled in the honeypot field; ignored")
            return HTMLResponse(self.pages.comment_received("the post", self.settings.site_url))
        self._limit(self.per_ip, _client(request))
        if address := clean_email(fields.get("email", "")):
            self._limit(self.per_address, address.lower())
        try:
            received = await anyio.to_thread.run_sync(self.inbox.receive, fields)
        except CommentRefused as refused:
            back = self._post_url(refused.post) if refused.post else None
            raise Refusal(refused.status, self.pages.comment_refused(str(refused), back)) from None
        if received.new:
            log.info("subscriptions: comment %s queued for moderation", received.comment.id)
        post = received.post
        return HTMLResponse(self.pages.comment_received(post.title, self._post_url(post)))

    def _post_url(self, post: Post) -> str:
        return f"{self.settings.site_url}/{post.url}#comments"

    # The rest

    async def stylesheet(self, request: Request) -> Response:
        if not self.settings.stylesheet.is_file():
            raise HTTPException(404)
        return FileResponse(
            self.settings.stylesheet,
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    async def health(self, request: Request) -> Response:
        try:
            await self.database.run(partial(Store.contact_by_id, contact_id=0))
        except Unavailable as error:
            return PlainTextResponse(str(error), 503, {"Retry-After": str(RETRY_AFTER)})
        return PlainTextResponse("ok")

    async def _form(
        self, request: Request, limit: int, *, from_anywhere: bool = False
    ) -> dict[str, str]:
        """The posted fields; refuse another site's page, another content type, a big body."""
        origin = request.headers.get("origin")
        if not from_anywhere and not origin_allowed(origin, self.form_origins):
            log.warning("subscriptions: refused a form post from %s", origin)
            raise Refusal(403, self.pages.status(403))
        media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media != FORM and not (from_anywhere and media == MULTIPART):
            raise HTTPException(415)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise HTTPException(413)
        form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=limit)
        return {key: value for key, value in form.items() if isinstance(value, str)}

    def _limit(self, limiter: RateLimiter, key: str) -> None:
        if wait := limiter.hit(key):
            raise Refusal(429, self.pages.too_many(), wait)

    # Errors

    async def on_refusal(self, request: Request, refusal: Exception) -> Response:
        assert isinstance(refusal, Refusal)
        return HTMLResponse(refusal.html, refusal.status, refusal.headers)

    async def on_http_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return HTMLResponse(self.pages.status(error.status_code), error.status_code, error.headers)

    async def on_unavailable(self, request: Request, error: Exception) -> Response:
        log.warning("subscriptions: %s", error)
        headers = {"Retry-After": str(RETRY_AFTER)}
        return HTMLResponse(self.pages.unavailable(), 503, headers)

    async def on_crash(self, request: Request, error: Exception) -> Response:
        return HTMLResponse(self.pages.status(500), 500)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def create_app(settings: SubscriptionsSettings, database: Database, mailer: Mailer) -> Starlette:
    """The ASGI application; it closes the database and the mailer when it stops."""
    service = Service(settings, database, mailer)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            mailer.close()
            database.close()

    routes = [
        Route("/subscribe", service.subscribe, methods=["POST"]),
        Route("/confirm/{token}", service.confirm, methods=["GET"]),
        Route("/unsubscribe/{token}", service.unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe/{token}", service.unsubscribe, methods=["POST"]),
        Route("/comments", service.comment, methods=["POST"]),
        Route("/static/nurture.css", service.stylesheet, methods=["GET"]),
        Route("/health", service.health, methods=["GET"]),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(CORSMiddleware, allow_origins=settings.origins, allow_methods=["GET", "POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            Refusal: service.on_refusal,
            HTTPException: service.on_http_error,
            Unavailable: service.on_unavailable,
            Exception: service.on_crash,
        },
        lifespan=lifespan,
        # Each form checks its own, smaller limit and answers with a page; past this one,
        # the body is not even read.
        max_body_size=2 * service.comment_form_bytes,
    )
    app.router.redirect_slashes = False  # the service never redirects
    return app

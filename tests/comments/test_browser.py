"""The built comments in headless Chromium: order, accessibility, hostile comments, the form."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from urllib.parse import parse_qs

import pytest
from axe_playwright_python.sync_playwright import Axe

from plugins.comments import mail
from tests.comments.conftest import THREAD_ORDER, Site
from tests.helpers import serve_directory

pytestmark = pytest.mark.e2e


class _Capture(http.server.BaseHTTPRequestHandler):
    """Records each POST (path, content type, body) and answers 200."""

    received: list[tuple[str, str, str]]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode()
        self.received.append((self.path, self.headers.get("Content-Type", ""), body))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"received")

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def capture_server() -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
    received: list[tuple[str, str, str]] = []
    handler = type("Handler", (_Capture,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site_url(comments_site: tuple[Site, str]) -> Iterator[str]:
    with serve_directory(comments_site[0].output) as url:
        yield url


def test_threads_render_in_order_and_indented(page, site_url: str) -> None:
    page.goto(f"{site_url}/2025/01/thread-post/")
    pairs = page.locator("li.comment").evaluate_all(
        "items => items.map(li => [li.id, li.parentElement.closest('li.comment')?.id ?? null])"
    )
    parents = {"b": "a", "c": "b", "e": "a"}
    assert pairs == [
        [f"comment-{c}", f"comment-{parents[c]}" if c in parents else None] for c in THREAD_ORDER
    ]
    left = {c: page.locator(f"#comment-{c} > .comment__card").bounding_box()["x"] for c in "abcd"}
    assert left["a"] == left["d"] < left["b"] < left["c"]
    assert page.locator("#comments-title").inner_text() == "5 replies on “A Post With a Thread”"


@pytest.mark.parametrize(
    ("path", "scheme"),
    [
        ("2025/01/thread-post/", "light"),
        ("2025/01/thread-post/", "dark"),
        ("2025/01/closed-post/", "light"),
        ("2025/01/payload-post/", "light"),
    ],
)
def test_axe_finds_no_violations(browser, site_url: str, path: str, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{site_url}/{path}")
    results = Axe().run(page)
    context.close()
    assert results.violations_count == 0, results.generate_report()


def test_hostile_comments_run_nothing(page, site_url: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{site_url}/2025/01/payload-post/")
    assert page.locator(".comment__body").count() > 30
    for link in page.locator(".comment__body a, .comment__author a").all():
        link.hover()
    for field in page.locator(".comment-form input:not([type=hidden]), textarea").all():
        field.focus()
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.scripts.length") == 0
    assert page.url == f"{site_url}/2025/01/payload-post/"


def test_the_reply_form_writes_the_documented_mail(page, site_url: str) -> None:
    page.goto(f"{site_url}/2025/01/thread-post/")
    form = page.locator("form.comment-form")
    assert form.get_attribute("action").startswith("mailto:comments@warmleads.example?subject=")
    page.get_by_label("Name").fill("Nia Noor")
    page.get_by_label("Website (optional)").fill("https://nia.example")
    page.get_by_label("Replying to").select_option("c")
    page.get_by_label("Comment").fill("Thank you!\nA second line.")
    with capture_server() as (url, received):
        # The browser cannot open a mail client here: send the same submission to a
        # local server instead, to see the exact text the mail body would hold.
        form.evaluate("(form, url) => { form.action = url + '/mail' }", url)
        page.get_by_role("button", name="Send by email").click()
        page.wait_for_load_state()
    [(path, content_type, body)] = received
    assert (path, content_type) == ("/mail", "text/plain")
    message = EmailMessage()
    message["From"] = "Nia <nia@noor.example>"
    message.set_content(body)
    comment = mail.parse_reply(message.as_bytes(), max_length=1000)
    assert (comment.post, comment.replyto, comment.author, comment.url) == (
        "thread-post",
        "c",
        "Nia Noor",
        "https://nia.example",
    )
    assert comment.body == "Thank you!\nA second line."


def test_with_a_subscriptions_service_the_form_posts_there(browser, fresh_site: Site) -> None:
    with capture_server() as (service, received):
        result = fresh_site.build(SUBSCRIPTIONS_URL=json.dumps(service))
        assert result.returncode == 0, result.stderr
        context = browser.new_context()
        page = context.new_page()
        with serve_directory(fresh_site.output) as url:
            page.goto(f"{url}/2025/01/thread-post/")
            assert page.locator(".comment__reply").count() == 0
            page.get_by_label("Name").fill("Nia Noor")
            page.get_by_label("Email (never shown)").fill("nia@noor.example")
            page.get_by_label("Replying to").select_option("a")
            page.get_by_label("Comment").fill("Posted, not mailed.")
            page.get_by_role("button", name="Post comment").click()
            page.wait_for_load_state()
        context.close()
    [(path, content_type, body)] = received
    assert (path, content_type) == ("/comments", "application/x-www-form-urlencoded")
    fields = {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}
    assert fields == {
        "post": "thread-post",
        "author": "Nia Noor",
        "url": "",
        "email": "nia@noor.example",
        "replyto": "a",
        "body": "Posted, not mailed.",
    }

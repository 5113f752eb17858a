"""Every endpoint of the real service over HTTP, with good and bad input."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from plugins.comments.store import read_comment
from plugins.contacts import ConsentStatus, NewContact
from plugins.subscriptions import unsubscribe_url
from plugins.subscriptions.tokens import KeyRing
from tests.helpers import BIN, ROOT, run
from tests.subscriptions.conftest import (
    ENVELOPE,
    OLD_KEY,
    SENDER,
    SITE_URL,
    Service,
    link_in,
    run_service,
)

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, smtp) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("service")
    limits = {"per_ip_hour": 6, "per_address_hour": 3}
    with run_service(root, smtp, subscriptions=limits) as running:
        yield running


def sign_up(service: Service, address: str, **fields: str) -> httpx.Response:
    with service.client() as client:
        return client.post("/subscribe", data={"email": address, **fields})


def subscribed(service: Service, address: str) -> int:
    """Sign up and confirm; return the contact's id."""
    assert sign_up(service, address).status_code == 200
    with service.client() as client:
        assert client.get(link_in(service.recorder.to(address)[-1], "confirm")).status_code == 200
    with service.store() as store:
        return store.get_contact(address).id


def snapshot(service: Service) -> tuple[list, list, int]:
    """Contacts, open subscribe requests and messages received: what a refusal must not change."""
    with sqlite3.connect(service.database) as db:
        contacts = db.execute("SELECT * FROM contacts ORDER BY id").fetchall()
        requests = db.execute("SELECT * FROM subscribe_requests ORDER BY email").fetchall()
    return contacts, requests, len(service.recorder.messages)


def test_a_sign_up_makes_a_pending_contact_and_mails_a_confirmation_link(service: Service):
    with service.client() as client:
        response = client.post(
            "/subscribe",
            data={
                "email": "Priya@Northwind.example",
                "first_name": "Priya",
                "tags": "vip,newsletter",
            },
            headers={"Origin": SITE_URL},
        )
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    assert "priya@northwind.example" in response.text
    with service.store() as store:
        contact = store.get_contact("priya@northwind.example")
    assert (contact.status, contact.first_name, contact.tags) == (
        "pending",
        "Priya",
        ("newsletter",),
    )
    assert contact.consent_source == f"subscribe form on {SITE_URL}"
    assert dt.datetime.now(dt.UTC) - contact.consent_date < dt.timedelta(minutes=1)
    [received] = [r for r in service.recorder.messages if r.rcpt_tos == [contact.email]]
    assert received.mail_from == ENVELOPE  # bounces go where the newsletter's go
    message = received.message
    assert message["From"] == f"Olivia Hart <{SENDER}>"
    assert message["Subject"] == "Please confirm your subscription to Warm Leads"
    assert message["Auto-Submitted"] == "auto-generated"
    link = link_in(message, "confirm")
    assert link.startswith(f"{service.url}/confirm/")
    assert link in message.get_body(preferencelist=("html",)).get_content()


def test_the_confirmation_link_subscribes_and_works_once(service: Service):
    address = "confirm-once@example.com"
    sign_up(service, address)
    link = link_in(service.recorder.to(address)[-1], "confirm")
    with service.client() as client:
        assert client.head(link).status_code == 200  # link checkers change nothing
        with service.store() as store:
            assert store.get_contact(address).status == "pending"
        first = client.get(link)
        with service.store() as store:
            contact = store.get_contact(address)
            touches = store.touches_of(contact)
        again = client.get(link)
    assert first.status_code == 200
    assert "Welcome to Warm Leads" in first.text
    assert (contact.status, contact.consent_source) == (
        "subscribed",
        "subscribe form, confirmed by email",
    )
    assert [(t.kind, t.reference) for t in touches] == [("email", "subscribe")]
    assert again.status_code == 410
    assert "already been used" in again.text
    with service.store() as store:
        assert store.get_contact(address) == contact
        assert store.touches_of(contact) == touches
        assert contact.id in {c.id for c in store.sendable_contacts()}


def test_signing_up_again_reveals_nothing_and_changes_nothing(service: Service):
    known, fresh = "known@example.com", "fresh@example.com"
    contact_id = subscribed(service, known)
    with service.store() as store:
        before = store.get_contact(known)
    again, new = sign_up(service, known), sign_up(service, fresh)
    assert again.status_code == new.status_code == 200
    assert again.text.replace(known, "ADDRESS") == new.text.replace(fresh, "ADDRESS")
    with service.store() as store:
        assert store.get_contact(known) == before
    note = service.recorder.to(known)[-1]
    assert note["Subject"] == "You are already subscribed to Warm Leads"
    assert link_in(note, "unsubscribe") == unsubscribe_url(contact_id, service.settings())


def test_forged_tampered_and_misused_tokens_are_refused(service: Service):
    address = "tamper@example.com"
    sign_up(service, address)
    link = link_in(service.recorder.to(address)[-1], "confirm")
    token = link.rpartition("/")[2]
    value, _, mac = token.partition(".")
    with service.store() as store:
        contact = store.get_contact(address)
    stranger = KeyRing([b"s" * 40])
    forged = [
        f"{value}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",  # one character changed
        f"{value}x.{mac}",  # another request, same mac
        stranger.sign("confirm", value),  # a key the service does not have
        unsubscribe_url(contact, service.settings()).rpartition("/")[2],  # another purpose
        "nothing-here",
    ]
    before = snapshot(service)
    with service.client() as client:
        for bad in forged:
            response = client.get(f"/confirm/{bad}")
            assert response.status_code == 404, bad
            assert "This link is not valid" in response.text
        assert client.post(f"/unsubscribe/{token}", data=ONE_CLICK).status_code == 404
    assert snapshot(service) == before
    with service.store() as store:
        assert store.get_contact(address) == contact


def test_one_contacts_token_never_unsubscribes_another(service: Service):
    ann, ben = subscribed(service, "ann@example.com"), subscribed(service, "ben@example.com")
    ann_token = unsubscribe_url(ann, service.settings()).rpartition("/")[2]
    swapped = f"{ben}.{ann_token.partition('.')[2]}"
    with service.client() as client:
        assert client.get(f"/unsubscribe/{swapped}").status_code == 404
        assert client.post(f"/unsubscribe/{swapped}", data=ONE_CLICK).status_code == 404
    with service.store() as store:
        assert store.contact_by_id(ben).status == "subscribed"
        assert store.contact_by_id(ann).status == "subscribed"


def test_links_signed_with_a_rotated_out_key_still_work(service: Service):
    contact_id = subscribed(service, "rotation@example.com")
    old = replace(service.settings(), keys=KeyRing([OLD_KEY.encode()]))
    url = unsubscribe_url(contact_id, old)
    assert url != unsubscribe_url(contact_id, service.settings())
    with service.client() as client:
        assert client.get(url).status_code == 200
        assert client.post(url, data=ONE_CLICK).status_code == 200
    with service.store() as store:
        assert store.contact_by_id(contact_id).status == "unsubscribed"


def test_the_unsubscribe_page_has_one_button_and_changes_nothing(service: Service):
    contact_id = subscribed(service, "looking@example.com")
    url = unsubscribe_url(contact_id, service.settings())
    with service.store() as store:
        before = store.contact_by_id(contact_id)
    with service.client() as client:
        response = client.get(url)
        assert client.head(url).status_code == 200
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    [form] = page.find_all("form")
    assert (form["method"], form["action"]) == ("post", url)
    assert len(page.find_all("button")) == 1
    assert form.find("input", type="hidden")["name"] == "List-Unsubscribe"
    with service.store() as store:
        assert store.contact_by_id(contact_id) == before


def test_one_click_unsubscribes_with_200_and_no_redirect_and_is_idempotent(service: Service):
    contact_id = subscribed(service, "leaving@example.com")
    url = unsubscribe_url(contact_id, service.settings())
    with service.client() as client:
        # As a mailbox provider sends it (RFC 8058): no Origin of the site, form-encoded.
        first = client.post(url, content=b"List-Unsubscribe=One-Click", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": "https://mail.example"
        })  # fmt: skip
        with service.store() as store:
            contact = store.contact_by_id(contact_id)
        second = client.post(url, data=ONE_CLICK)
    for response in (first, second):
        assert response.status_code == 200
        assert "location" not in response.headers
        assert "You are unsubscribed" in response.text
    assert (contact.status, contact.consent_source) == (
        "unsubscribed",
        "one-click unsubscribe link",
    )
    with service.store() as store:
        assert store.contact_by_id(contact_id) == contact
        assert store.is_suppressed(contact.email)
        assert contact_id not in {c.id for c in store.sendable_contacts()}


def test_one_click_accepts_multipart_form_data(service: Service):
    contact_id = subscribed(service, "multipart@example.com")
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        b"One-Click\r\n--xyz--\r\n"
    )
    with service.client() as client:
        response = client.post(
            unsubscribe_url(contact_id, service.settings()),
            content=body,
            headers={"Content-Type": "multipart/form-data; boundary=xyz"},
        )
    assert response.status_code == 200
    with service.store() as store:
        assert store.contact_by_id(contact_id).status == "unsubscribed"


def test_a_post_without_the_one_click_body_changes_nothing(service: Service):
    contact_id = subscribed(service, "careful@example.com")
    url = unsubscribe_url(contact_id, service.settings())
    with service.client() as client:
        for data in ({"List-Unsubscribe": "Yes"}, {"unsubscribe": "One-Click"}):
            assert client.post(url, data=data).status_code == 400
        assert client.post(url).status_code == 415
        assert client.post(url, json={"List-Unsubscribe": "One-Click"}).status_code == 415
    with service.store() as store:
        assert store.contact_by_id(contact_id).status == "subscribed"


def test_an_older_confirmation_link_cannot_undo_an_unsubscribe(service: Service):
    address = "changed-mind@example.com"
    sign_up(service, address)
    link = link_in(service.recorder.to(address)[-1], "confirm")
    with service.store() as store:
        contact_id = store.get_contact(address).id
    with service.client() as client:
        unsubscribe = unsubscribe_url(contact_id, service.settings())
        assert client.post(unsubscribe, data=ONE_CLICK).status_code == 200
        response = client.get(link)
    assert response.status_code == 410
    with service.store() as store:
        assert store.get_contact(address).status == "unsubscribed"


@pytest.mark.parametrize("status", ["unsubscribed", "bounced", "complained"])
def test_a_suppressed_reader_comes_back_only_by_confirming(service: Service, status: str):
    address = f"back-from-{status}@example.com"
    with service.store() as store:
        store.add_contact(
            NewContact(address, stage="client", status=ConsentStatus(status), first_name="Kim")
        )
    assert sign_up(service, address, first_name="Mallory").status_code == 200
    with service.store() as store:
        waiting = store.get_contact(address)
        assert waiting.status == status
        assert store.is_suppressed(address)
    with service.client() as client:
        assert client.get(link_in(service.recorder.to(address)[-1], "confirm")).status_code == 200
    with service.store() as store:
        back = store.get_contact(address)
    assert (back.status, back.stage, back.first_name) == ("subscribed", "client", "Kim")
    assert back.consent_source == "subscribe form, confirmed by email"


def test_a_forgotten_address_comes_back_only_by_confirming(service: Service):
    address = "forgotten@example.com"
    with service.store() as store:
        store.forget(address)
    assert sign_up(service, address, first_name="Flo").status_code == 200
    with service.store() as store:
        assert store.find_contact(address) is None
        assert store.is_suppressed(address)
    with service.client() as client:
        assert client.get(link_in(service.recorder.to(address)[-1], "confirm")).status_code == 200
    with service.store() as store:
        contact = store.get_contact(address)
        assert (contact.status, contact.first_name) == ("subscribed", "Flo")
        assert not store.is_suppressed(address)


BAD_SIGN_UPS = {
    "no address": ({"data": {"first_name": "Ann"}}, 400),
    "not an address": ({"data": {"email": "not-an-address"}}, 400),
    "no dot in the domain": ({"data": {"email": "a@localhost"}}, 400),
    "a second header": ({"data": {"email": "a@example.com\r\nBcc: victim@example.com"}}, 400),
    "an escape in the name": ({"data": {"email": "esc@example.com", "first_name": "\x1b[2J"}}, 400),
    "JSON": ({"json": {"email": "json@example.com"}}, 415),
    "plain text": ({"content": b"email=text@example.com"}, 415),
    "multipart": ({"files": {"email": (None, "multi@example.com")}}, 415),
    "too big": ({"data": {"email": "big@example.com", "first_name": "x" * 9000}}, 413),
    "another site": (
        {"data": {"email": "csrf@example.com"}, "headers": {"Origin": "https://evil.example"}},
        403,
    ),
    "a GET": ({"method": "GET"}, 405),
}


@pytest.mark.parametrize("case", BAD_SIGN_UPS)
def test_bad_sign_ups_are_refused_with_a_page_and_write_nothing(service: Service, case: str):
    request, status = BAD_SIGN_UPS[case]
    before = snapshot(service)
    with service.client() as client:
        response = client.request(request.pop("method", "POST"), "/subscribe", **request)
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1" in response.text
    assert snapshot(service) == before


def test_the_honeypot_looks_like_a_sign_up_but_does_nothing(service: Service):
    before = snapshot(service)
    response = sign_up(service, "bot@example.com", website="https://spam.example")
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    assert snapshot(service) == before


def test_too_many_posts_from_one_ip_or_for_one_address_get_429(service: Service):
    with service.client() as client:
        for number in range(6):
            assert client.post("/subscribe", data={"email": f"ip{number}@example.com"}).is_success
        limited = client.post("/subscribe", data={"email": "ip6@example.com"})
    assert limited.status_code == 429
    assert 0 < int(limited.headers["retry-after"]) <= 3600
    for _ in range(3):
        assert sign_up(service, "popular@example.com").status_code == 200
    before = snapshot(service)
    limited = sign_up(service, "popular@example.com")
    assert limited.status_code == 429
    assert "Too many requests" in limited.text
    assert snapshot(service) == before


def test_cors_lets_only_the_site_in(service: Service):
    preflight = {"Access-Control-Request-Method": "POST"}
    with service.client() as client:
        allowed = client.options("/subscribe", headers={"Origin": SITE_URL, **preflight})
        refused = client.options(
            "/subscribe", headers={"Origin": "https://evil.example", **preflight}
        )
        simple = client.get("/health", headers={"Origin": "https://evil.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == SITE_URL
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-origin" not in simple.headers


def test_every_answer_has_security_headers_and_none_redirects(service: Service):
    requests = [
        ("GET", "/"),
        ("GET", "/subscribe"),
        ("POST", "/subscribe/"),
        ("GET", "//evil.example/"),
        ("GET", "/confirm/abc/"),
        ("GET", "/confirm/%2e%2e%2fhealth"),
        ("GET", "/static/nurture.css"),
        ("GET", "/health"),
        ("POST", "/subscribe?next=https://evil.example"),
        ("POST", "/comments?redirect=https://evil.example"),
    ]
    with service.client() as client:
        for method, path in requests:
            # The exact path, on this server: "//evil.example/" must not become a host.
            url = httpx.URL(service.url).copy_with(raw_path=path.encode())
            data = {"email": "no-redirect@example.com"} if method == "POST" else None
            response = client.request(method, url, data=data)
            assert response.url.host == "127.0.0.1"
            assert not response.is_redirect, path
            assert "location" not in response.headers
            assert "server" not in response.headers
            assert "default-src 'none'" in response.headers["content-security-policy"]
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["x-frame-options"] == "DENY"
            assert "strict-transport-security" not in response.headers
        css = client.get("/static/nurture.css")
        https = client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert css.headers["content-type"].startswith("text/css")
    assert "--accent" in css.text
    assert https.headers["strict-transport-security"] == "max-age=31536000"


COMMENTERS = itertools.count()


def comment(service: Service, **fields: str) -> httpx.Response:
    """Post a reply from the site's form; each commenter has an address of their own."""
    data = {"post": "hello", "author": "Nia Noor", "email": f"nia{next(COMMENTERS)}@noor.example",
            "url": "", "replyto": "", "body": "Thank you!", **fields}  # fmt: skip
    with service.client() as client:
        return client.post("/comments", data=data, headers={"Origin": SITE_URL})


def test_a_posted_reply_waits_in_the_moderation_queue_and_can_be_approved(service: Service):
    response = comment(
        service,
        email="nia@noor.example",
        author="Nia\u202e Noor\r\nBcc: x",
        url="javascript:alert(1)",
        replyto="first",
        body="Thanks!\r\nA second line.\x07",
    )
    assert response.status_code == 200
    assert "waiting to be read" in response.text
    assert f'href="{SITE_URL}/2025/01/hello/#comments"' in response.text
    [path] = service.queue.glob("*.md")
    queued = read_comment(path, post=None, timezone="UTC", max_length=20_000)
    assert (queued.post, queued.author, queued.email, queued.url, queued.replyto) == (
        "hello",
        "Nia Noor Bcc: x",
        "nia@noor.example",
        "",
        "first",
    )
    assert queued.body == "Thanks!\nA second line."
    again = comment(
        service, email="nia@noor.example", replyto="first", body="Thanks!\nA second line."
    )
    assert again.status_code == 200
    assert list(service.queue.glob("*.md")) == [path]
    result = run(
        [
            str(BIN / "invoke"),
            "comments.approve",
            path.stem,
            "--settings",
            str(service.settings_file),
        ],
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert (service.root / "content" / "comments" / "hello" / path.name).is_file()


BAD_REPLIES = {
    "no such post": ({"post": "nowhere"}, 404),
    "a closed post": ({"post": "closed"}, 403),
    "a reply to nothing": ({"replyto": "nobody"}, 400),
    "no text": ({"body": " \r\n "}, 400),
    "no email": ({"email": ""}, 400),
    "a bad email": ({"email": "nia at noor"}, 400),
    "too long": ({"body": "x" * 20_001}, 413),
    "a slug that is a path": ({"post": "../../etc"}, 400),
}


@pytest.mark.parametrize("case", BAD_REPLIES)
def test_replies_that_cannot_be_queued_are_refused(service: Service, case: str):
    fields, status = BAD_REPLIES[case]
    before = sorted(Path(service.queue).glob("*.md")) if service.queue.exists() else []
    response = comment(service, **fields)
    assert response.status_code == status
    assert "Your comment was not posted" in response.text
    after = sorted(Path(service.queue).glob("*.md")) if service.queue.exists() else []
    assert after == before


def test_health_says_ok(service: Service):
    with service.client() as client:
        response = client.get("/health")
    assert (response.status_code, response.text) == (200, "ok")

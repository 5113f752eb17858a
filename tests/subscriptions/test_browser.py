"""The whole loop as a reader lives it, in headless Chromium, against the real service.

The site is built with SUBSCRIPTIONS_URL pointing at the service and served over HTTP;
the service allows that site's origin. Sign up on the Subscribe page, read the
confirmation email from the SMTP server, open its link, then leave by one-click POST;
a real `invoke newsletter.send` then skips the reader who left.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from plugins.subscriptions import unsubscribe_url
from tests.helpers import BIN, build_site, copy_project, run, serve_directory
from tests.subscriptions.conftest import Service, free_port, link_in, run_service, write_site

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, smtp) -> Iterator[tuple[str, Service]]:
    """(the site's URL, the service), the site built to post its forms to the service."""
    root = tmp_path_factory.mktemp("site")
    port = free_port()
    settings = write_site(
        root, site_url="http://127.0.0.1", service_url=f"http://127.0.0.1:{port}", subscriptions={}
    )
    built = build_site(root / "content", root / "output", settings)
    assert built.returncode == 0, built.stdout + built.stderr
    with (
        serve_directory(root / "output") as site_url,
        run_service(root, smtp, site_url=site_url, port=port) as service,
    ):
        yield site_url, service


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_sign_up_confirm_and_leave(page: Page, site: tuple[str, Service]):
    site_url, service = site
    page.goto(f"{site_url}/subscribe/")
    assert_accessible(page)
    expect(page.get_by_label("Leave this field empty")).to_be_hidden()
    page.get_by_label("How should we greet you?").fill("Priya")
    page.get_by_label("Your email address").fill("priya@northwind.example")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    assert_accessible(page)

    [message] = service.recorder.to("priya@northwind.example")
    page.goto(link_in(message, "confirm"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Warm Leads")
    assert_accessible(page)
    with service.store() as store:
        contact = store.get_contact("priya@northwind.example")
    assert (contact.status, contact.first_name, contact.tags) == (
        "subscribed",
        "Priya",
        ("newsletter",),
    )
    assert contact.consent_source == f"subscribe form on {site_url}, confirmed by email"

    url = unsubscribe_url(contact, service.settings())  # what the sender puts in List-Unsubscribe
    page.goto(url)
    expect(page.get_by_role("button")).to_have_count(1)
    assert_accessible(page)
    with service.store() as store:
        assert store.get_contact(contact.email) == contact  # looking changed nothing

    one_click = httpx.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert (one_click.status_code, one_click.is_redirect) == (200, False)
    with service.store() as store:
        assert store.get_contact(contact.email).status == "unsubscribed"
        assert store.is_suppressed(contact.email)
        assert contact.email not in {c.email for c in store.sendable_contacts()}

    page.get_by_role("button", name="Unsubscribe").click()  # the page's button: still fine
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")

    # The next send skips her; the one-click link it gives Sam unsubscribes Sam.
    sam = subscribe_without_browser(service, "sam@reyes.example")
    sent = send_issue(service)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert len(service.recorder.to("priya@northwind.example")) == 1  # the confirmation only
    [letter] = [m for m in service.recorder.to(sam) if m["Subject"] == "How often is too often?"]
    link = unsubscribe_url(contact_id(service, sam), service.settings())
    assert letter["List-Unsubscribe"].startswith(f"<{link}>, <mailto:")
    assert httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 200
    with service.store() as store:
        assert store.get_contact(sam).status == "unsubscribed"


def subscribe_without_browser(service: Service, address: str) -> str:
    with service.client() as client:
        assert client.post("/subscribe", data={"email": address}).status_code == 200
        assert client.get(link_in(service.recorder.to(address)[-1], "confirm")).status_code == 200
    return address


def contact_id(service: Service, address: str) -> int:
    with service.store() as store:
        return store.get_contact(address).id


def send_issue(service: Service) -> subprocess.CompletedProcess:
    """`invoke newsletter.send 2 --yes` for the sample's issue 2, from a copy of the project
    whose production settings point at the service, to the service's contacts."""
    project = copy_project(service.root / "project")
    with (project / "publishconf.py").open("a") as settings:
        settings.write(f"\nSUBSCRIPTIONS_URL = {service.url!r}\n")
    names = ("NURTURE_DB", "NURTURE_SMTP_URL", "NURTURE_SUBSCRIPTIONS_SECRET")
    env = {name: service.env[name] for name in names}
    built = run([str(BIN / "invoke"), "preview"], cwd=project, env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    return run([str(BIN / "invoke"), "newsletter.send", "2", "--yes"], cwd=project, env=env)


def test_a_reply_posted_from_the_site_waits_for_moderation(page: Page, site: tuple[str, Service]):
    site_url, service = site
    page.goto(f"{site_url}/2025/01/hello/")
    page.get_by_label("Name", exact=True).fill("Nia Noor")
    page.get_by_label("Email (never shown)").fill("nia@noor.example")
    page.get_by_label("Replying to").select_option("first")
    page.get_by_label("Comment", exact=True).fill("Posted from the page.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your comment")
    assert_accessible(page)
    [queued] = service.queue.glob("*.md")
    text = queued.read_text()
    assert "Post: hello\n" in text and "Replyto: first\n" in text
    assert text.endswith("\nPosted from the page.\n")
    page.get_by_role("link", name="Back to the post").click()
    expect(page).to_have_url(f"{site_url}/2025/01/hello/#comments")

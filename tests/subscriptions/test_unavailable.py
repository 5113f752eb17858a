"""When the database or the mail server fails: a 503 with Retry-After, nothing half-written."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.subscriptions.conftest import Service, free_port, run_service


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, smtp) -> Iterator[Service]:
    with run_service(tmp_path_factory.mktemp("service"), smtp) as running:
        yield running


def sign_up(service: Service, address: str) -> httpx.Response:
    with service.client() as client:
        return client.post("/subscribe", data={"email": address})


def assert_try_again(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.headers["retry-after"] == "60"
    assert "Please try again in a minute" in response.text


def test_a_locked_database_gets_503_and_nothing_is_written(service: Service):
    holder = sqlite3.connect(service.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what a long import or send would hold
    try:
        assert_try_again(sign_up(service, "locked-out@example.com"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with service.store() as store:
        assert store.find_contact("locked-out@example.com") is None
    assert service.recorder.to("locked-out@example.com") == []
    assert sign_up(service, "locked-out@example.com").status_code == 200


def test_a_failure_inside_the_transaction_leaves_nothing_half_written(service: Service):
    # The contact is added first, then the request fails: the contact must not stay.
    with sqlite3.connect(service.database) as db:
        db.execute(
            "CREATE TRIGGER broken BEFORE INSERT ON subscribe_requests "
            "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
        )
    try:
        assert_try_again(sign_up(service, "half@example.com"))
    finally:
        with sqlite3.connect(service.database) as db:
            db.execute("DROP TRIGGER broken")
    with service.store() as store:
        assert store.find_contact("half@example.com") is None
    assert service.recorder.to("half@example.com") == []
    assert sign_up(service, "half@example.com").status_code == 200


def test_a_missing_database_gets_503_and_is_not_recreated(service: Service):
    away = service.database.with_name("moved-away.sqlite3")
    service.database.rename(away)
    try:
        assert_try_again(sign_up(service, "nowhere@example.com"))
        with service.client() as client:
            health = client.get("/health")
        assert (health.status_code, health.headers["retry-after"]) == (503, "60")
        assert "is missing" in health.text
        assert not service.database.exists()
    finally:
        away.rename(service.database)
    with service.client() as client:
        assert client.get("/health").status_code == 200
    assert sign_up(service, "nowhere@example.com").status_code == 200


def test_a_mail_server_that_is_down_gets_503_and_the_request_waits(tmp_path: Path, smtp):
    down = {"NURTURE_SMTP_URL": f"smtp://127.0.0.1:{free_port()}"}
    with run_service(tmp_path, smtp, env=down) as service:
        response = sign_up(service, "unlucky@example.com")
        with service.store() as store:
            contact = store.get_contact("unlucky@example.com")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "60"
    assert "We could not send the email" in response.text
    assert contact.status == "pending"

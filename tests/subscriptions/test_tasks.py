"""`invoke subscriptions.serve` when it cannot start: one line saying why, exit status 1."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.helpers import BIN, ROOT, run
from tests.subscriptions.conftest import NEW_KEY, write_site


def serve(settings: Path, *args: str, **env: str):
    return run(
        [str(BIN / "invoke"), "subscriptions.serve", "--settings", str(settings), *args],
        env={"NURTURE_DB": str(settings.parent / "db.sqlite3"), **env},
        timeout=60,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    return write_site(
        tmp_path, site_url="https://www.example.com", service_url="http://127.0.0.1:8002",
        subscriptions={},
    )  # fmt: skip


def assert_one_error_line(result, text: str) -> None:
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr


def test_without_a_signing_key_it_says_how_to_make_one(settings: Path):
    result = serve(settings, NURTURE_SUBSCRIPTIONS_SECRET="", NURTURE_SUBSCRIPTIONS_SECRET_FILE="")
    assert_one_error_line(result, "set NURTURE_SUBSCRIPTIONS_SECRET")
    assert "secrets.token_urlsafe(32)" in result.stderr


def test_a_taken_port_is_one_clear_error(settings: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve(settings, "--port", str(port), NURTURE_SUBSCRIPTIONS_SECRET=NEW_KEY)
    assert_one_error_line(result, f"cannot listen on 127.0.0.1:{port}: Address already in use")


@pytest.mark.parametrize("port", ["eighty", "70000"])
def test_a_port_that_is_not_a_port_number_is_refused(settings: Path, port: str):
    result = serve(settings, "--port", port, NURTURE_SUBSCRIPTIONS_SECRET=NEW_KEY)
    assert_one_error_line(result, f"--port must be a number from 1 to 65535, not {port!r}")


def test_without_subscriptions_url_it_says_where_to_set_it(tmp_path: Path):
    settings = tmp_path / "settings.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
        f"PATH = {str(ROOT / 'content')!r}\n"
    )
    result = serve(settings, NURTURE_SUBSCRIPTIONS_SECRET=NEW_KEY)
    assert_one_error_line(result, "SUBSCRIPTIONS_URL is empty; set it to the address")

"""The pieces without a server: signed tokens, rate limits and settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.subscriptions import NotConfigured, SettingsError, load_settings, unsubscribe_url
from plugins.subscriptions.limits import RateLimiter
from plugins.subscriptions.tokens import CONFIRM, UNSUBSCRIBE, KeyRing, unsubscribing
from tests.subscriptions.conftest import NEW_KEY, OLD_KEY, write_site

NEW, OLD = KeyRing([NEW_KEY.encode()]), KeyRing([OLD_KEY.encode()])
RING = KeyRing([NEW_KEY.encode(), OLD_KEY.encode()])


def test_the_newest_key_signs_and_every_key_verifies():
    token = RING.sign(UNSUBSCRIBE, "42")
    assert token == NEW.sign(UNSUBSCRIBE, "42")
    assert RING.verify(UNSUBSCRIBE, token) == "42"
    assert RING.verify(UNSUBSCRIBE, OLD.sign(UNSUBSCRIBE, "42")) == "42"
    assert NEW.verify(UNSUBSCRIBE, OLD.sign(UNSUBSCRIBE, "42")) is None


@pytest.mark.parametrize(
    "token",
    [
        RING.sign(CONFIRM, "42"),  # another purpose
        "43." + RING.sign(UNSUBSCRIBE, "42").partition(".")[2],  # another contact
        RING.sign(UNSUBSCRIBE, "42")[:-1],  # cut short
        RING.sign(UNSUBSCRIBE, "42") + "A",
        "42",
        "42.",
        "é." + "A" * 22,
        "4" * 65 + "." + "A" * 22,
        "",
    ],
)
def test_a_token_for_anything_else_is_refused(token: str):
    assert RING.verify(UNSUBSCRIBE, token) is None
    assert unsubscribing(token, RING) is None


def test_a_key_ring_never_shows_its_keys():
    assert NEW_KEY not in repr(RING)
    assert repr(RING) == "KeyRing(2 key(s))"


def test_a_bucket_allows_its_limit_then_refills_evenly():
    now = [0.0]
    limiter = RateLimiter(3, 3600, clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(4)] == [0, 0, 0, 1200]
    assert limiter.hit("b") == 0
    now[0] = 1199.0
    assert limiter.hit("a") == 1
    now[0] = 1200.0
    assert limiter.hit("a") == 0


def test_a_limiter_keeps_at_most_max_keys():
    limiter = RateLimiter(1, 60, max_keys=100, clock=lambda: 0.0)
    for number in range(1000):
        assert limiter.hit(f"10.0.{number // 256}.{number % 256}") == 0
    assert len(limiter) == 100
    assert limiter.hit("10.0.3.231") == 60  # recent: still limited
    assert limiter.hit("10.0.0.0") == 0  # long dropped: a fresh allowance


def settings_file(tmp_path: Path, url: str = "https://subscribe.example.com", **subscriptions):
    return write_site(
        tmp_path, site_url="https://www.example.com", service_url=url, subscriptions=subscriptions
    )


def environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"NURTURE_DB": str(tmp_path / "db.sqlite3"), **extra}


def test_settings_come_from_the_file_and_the_keys_from_the_environment(tmp_path: Path):
    secrets = tmp_path / "keys"
    secrets.write_text(f"{OLD_KEY}\n{NEW_KEY}\n")
    settings = load_settings(
        settings_file(tmp_path, origins=["https://Blog.Example.com"]),
        environ(tmp_path, NURTURE_SUBSCRIPTIONS_SECRET_FILE=str(secrets)),
    )
    assert settings.url == "https://subscribe.example.com"
    assert settings.origins == ("https://www.example.com", "https://blog.example.com")
    assert settings.database == tmp_path / "db.sqlite3"
    assert NEW_KEY not in repr(settings) and OLD_KEY not in repr(settings)
    token = unsubscribe_url(7, settings).rpartition("/")[2]
    assert token == OLD.sign(UNSUBSCRIBE, "7")  # the file's first key is the newest


@pytest.mark.parametrize(
    ("url", "subscriptions", "env", "error"),
    [
        ("", {}, {"NURTURE_SUBSCRIPTIONS_SECRET": NEW_KEY}, "SUBSCRIPTIONS_URL is empty"),
        ("http://subscribe.example.com", {}, {"NURTURE_SUBSCRIPTIONS_SECRET": NEW_KEY},
         "must be an https:// address"),
        ("https://s.example.com/?a=1", {}, {"NURTURE_SUBSCRIPTIONS_SECRET": NEW_KEY},
         "without ?query"),
        ("https://s.example.com", {}, {}, "no signing key: set NURTURE_SUBSCRIPTIONS_SECRET"),
        ("https://s.example.com", {}, {"NURTURE_SUBSCRIPTIONS_SECRET": "short"},
         "at least 32 characters"),
        ("https://s.example.com", {}, {"NURTURE_SUBSCRIPTIONS_SECRET_FILE": "/nonexistent"},
         "cannot read NURTURE_SUBSCRIPTIONS_SECRET_FILE"),
        ("https://s.example.com", {"confirm_hours": 3}, {"NURTURE_SUBSCRIPTIONS_SECRET": NEW_KEY},
         "SUBSCRIPTIONS has an unknown setting 'confirm_hours'; did you mean \"confirm_days\"?"),
        ("https://s.example.com", {"per_ip_hour": 0}, {"NURTURE_SUBSCRIPTIONS_SECRET": NEW_KEY},
         "SUBSCRIPTIONS['per_ip_hour'] must be a whole number"),
        ("https://s.example.com", {"origins": ["example.com"]},
         {"NURTURE_SUBSCRIPTIONS_SECRET": NEW_KEY}, "write an origin such as"),
        ("https://s.example.com", {"tags": "news"}, {"NURTURE_SUBSCRIPTIONS_SECRET": NEW_KEY},
         "SUBSCRIPTIONS['tags'] must be a list of strings"),
    ],
)  # fmt: skip
def test_bad_settings_say_what_to_change(tmp_path: Path, url, subscriptions, env, error):
    file = settings_file(tmp_path, url, **subscriptions)
    expected = NotConfigured if not url else SettingsError
    with pytest.raises(expected) as raised:
        load_settings(file, environ(tmp_path, **env))
    assert error in str(raised.value)


def test_a_settings_file_pelican_refuses_is_one_error(tmp_path: Path):
    file = settings_file(tmp_path)
    file.write_text(file.read_text().replace('PATH = "content"', 'PATH = "missing"'))
    with pytest.raises(SettingsError, match="You need to specify a path containing the content"):
        load_settings(file, environ(tmp_path, NURTURE_SUBSCRIPTIONS_SECRET=NEW_KEY))

"""The NEWSLETTER setting: defaults, and a mistake named with its fix before anything is built."""

from __future__ import annotations

import pytest

from plugins.newsletter.settings import SettingsError, check
from tests.helpers import copy_project, run

from .conftest import INVOKE

MINIMAL = {"from_address": "olivia@warmleads.example", "postal_address": "1 High St, Bath"}


def test_defaults_come_from_the_author_and_the_from_address():
    settings = check({"AUTHOR": "Olivia Hart", "NEWSLETTER": MINIMAL})
    assert settings.sender.header() == "Olivia Hart <olivia@warmleads.example>"
    assert settings.reply_to == settings.sender
    assert settings.signature == "Olivia Hart"
    assert settings.unsubscribe_url == "mailto:olivia@warmleads.example?subject=Unsubscribe"
    assert settings.fallback_name == "friend"


@pytest.mark.parametrize(
    ("newsletter", "message"),
    [
        ([], "NEWSLETTER must be a dict"),
        ({"postal_address": "x"}, 'NEWSLETTER["from_address"] is missing'),
        ({"from_address": "a@b.example"}, 'NEWSLETTER["postal_address"] is missing'),
        ({**MINIMAL, "reply-to": "x"}, "unknown setting 'reply-to'; did you mean \"reply_to\"?"),
        ({**MINIMAL, "from_address": "olivia at home"}, 'NEWSLETTER["from_address"]: '),
        ({**MINIMAL, "from_name": "O\nBcc: x@y.example"}, "contains a line break"),
        ({**MINIMAL, "unsubscribe_url": "ftp://x/{id}"}, 'NEWSLETTER["unsubscribe_url"] must'),
        ({**MINIMAL, "fallback_name": " "}, 'NEWSLETTER["fallback_name"] must be a word'),
        ({**MINIMAL, "signature": 3}, 'NEWSLETTER["signature"] must be text, not 3'),
    ],
)
def test_mistakes_say_which_key_and_how_to_fix_it(newsletter, message):
    with pytest.raises(SettingsError) as error:
        check({"AUTHOR": "Olivia Hart", "NEWSLETTER": newsletter})
    assert message in str(error.value)


def test_a_build_without_a_postal_address_stops_with_one_line(tmp_path):
    root = copy_project(tmp_path / "project")
    override = 'NEWSLETTER={"from_address": "olivia@warmleads.example"}'
    result = run([INVOKE, "build", "--", "-e", override], cwd=root)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(
        'error: NEWSLETTER["postal_address"] is missing: bulk mail must carry your postal'
    )
    assert not (root / "output").exists()

"""Checking what users type and CSV cells hold: addresses, names, tags, settings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

from plugins.contacts import InvalidEmail, InvalidValue, SettingsError
from plugins.contacts.settings import DEFAULTS, check_settings, load_settings
from plugins.contacts.validate import clean_line, clean_notes, clean_tags, normalize_email

ADDRESSES = st.emails() | st.from_regex(
    r"[A-Za-z0-9._%+\-!é]{0,70}@[A-Za-z0-9.\-_ü]{0,20}(\.[a-z]{1,6})?", fullmatch=True
)


@given(ADDRESSES)
def test_the_fast_path_agrees_with_email_validator(address: str):
    try:
        expected = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        with pytest.raises(InvalidEmail):
            normalize_email(address)
    else:
        assert normalize_email(address) == expected


def test_addresses_are_normalised_and_refused_with_the_reason():
    assert normalize_email("  Priya.Shah+News@NorthWind.EXAMPLE ") == (
        "priya.shah+news@northwind.example"
    )
    assert normalize_email("Zoë@Café.example") == "zoë@café.example"
    with pytest.raises(InvalidEmail) as refused:
        normalize_email("someone@localhost")
    assert str(refused.value) == (
        "'someone@localhost' is not a valid email address: "
        "The part after the @-sign is not valid. It should have a period."
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Priya  ", "Priya"),
        ("Mary\r\nJane", "Mary Jane"),
        ("Anne\u2028Marie\tLou", "Anne Marie Lou"),
        ("Jo\u00a0Ann", "Jo Ann"),
        ("Łukasz 🌻", "Łukasz 🌻"),
    ],
)
def test_line_breaks_in_names_become_spaces(raw: str, clean: str):
    assert clean_line(raw, "first name") == clean


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x9b", "\u202e", "\u2066"])
def test_other_control_characters_in_names_are_refused(char: str):
    with pytest.raises(InvalidValue) as refused:
        clean_line(f"Bob{char}by", "last name")
    assert str(refused.value) == (
        f"last name contains the control character U+{ord(char):04X}; remove it"
    )


def test_notes_keep_their_lines():
    assert clean_notes("one\r\ntwo\rthree\n") == "one\ntwo\nthree"
    with pytest.raises(InvalidValue, match="notes contains the control character U"):
        clean_notes("bell\x07")


def test_tags_from_every_export_style():
    assert clean_tags("vip, Referrer;vip") == ("vip", "referrer")
    assert clean_tags("* myContacts ::: Clients ::: Referral  partners") == (
        "clients",
        "referral partners",
    )
    assert clean_tags('"Client","VIP"') == ("client", "vip")
    assert clean_tags("") == ()


def test_settings_default_merge_and_explain_mistakes(tmp_path: Path):
    assert check_settings({}).stages == DEFAULTS["stages"]
    merged = check_settings({"default_cadence": 21, "stages": {"lead": 7, "client": 30}})
    assert (merged.default_stage, merged.cadence_for("client"), merged.cadence_for("x")) == (
        "lead",
        30,
        21,
    )
    for bad, message in [
        ({"stage": {}}, "CONTACTS has an unknown setting 'stage'; did you mean \"stages\"? "
                        "the settings are stages, default_cadence, touch_kinds"),
        ({"stages": {}}, "CONTACTS['stages'] must map each stage to its cadence in days, "
                         "e.g. {'client': 30}"),
        ({"stages": {"VIP": 7}}, "stage 'VIP' in CONTACTS must be a lowercase word "
                                 "(letters, digits, hyphens; up to 32 characters)"),
        ({"stages": {"vip": "7"}}, "CONTACTS['stages']['vip'] must be a whole number of days "
                                   "from 1 to 3650, not '7'"),
        ({"default_cadence": 0}, "CONTACTS['default_cadence'] must be a whole number of days "
                                 "from 1 to 3650, not 0"),
        ({"touch_kinds": "call"}, "CONTACTS['touch_kinds'] must be a list of words, "
                                  "e.g. ['call', 'card']"),
        ([1], "CONTACTS in pelicanconf.py must be a dict, e.g. {'default_cadence': 30}"),
    ]:  # fmt: skip
        with pytest.raises(SettingsError) as refused:
            check_settings(bad)
        assert str(refused.value) == message

    (tmp_path / "pelicanconf.py").write_text("CONTACTS = {'stages': {'member': 10}}\n")
    try:
        assert load_settings(tmp_path).stages == {"member": 10}
        assert load_settings(tmp_path / "nowhere").stages == DEFAULTS["stages"]
    finally:
        # Pelican registers a settings file as the module "pelicanconf": later settings
        # files of this process doing `from pelicanconf import *` must get the real one.
        sys.modules.pop("pelicanconf", None)

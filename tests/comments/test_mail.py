"""Replies by email: the reply format, .eml/mbox/Maildir, and header tricks."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from plugins.comments import mail
from plugins.comments.model import CommentsError
from plugins.comments.store import format_comment
from tests.comments.payloads import ENCODED_FROM

FORM = (
    "post=thread-post\r\nreplyto=b\r\nauthor=Jane Doe\r\nurl=https://jane.example\r\n"
    "body=Line one\r\nLine two\r\n"
)


def message(body: str, sender: str = "Jane <jane@doe.example>", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "comments@warmleads.example"
    msg["Subject"] = "Comment"
    msg["Date"] = headers.pop("date", "Fri, 20 Nov 2026 08:15:12 +0000")
    msg["Message-ID"] = headers.pop("message_id", "<1@doe.example>")
    msg.set_content(body)
    return msg.as_bytes()


def parse(raw: bytes):
    return mail.parse_reply(raw, max_length=1000)


def test_the_form_format_parses() -> None:
    comment = parse(message(FORM))
    assert (comment.post, comment.replyto, comment.author, comment.url) == (
        "thread-post",
        "b",
        "Jane Doe",
        "https://jane.example",
    )
    assert (comment.email, comment.body) == ("jane@doe.example", "Line one\nLine two")
    assert comment.date.isoformat() == "2026-11-20T08:15:12+00:00"
    assert comment.id == parse(message(FORM)).id  # the same mail, the same id


def test_lenient_variants_greeting_colons_and_signature() -> None:
    fields = mail.parse_fields(
        "Hi there!\nPost: thread-post\nAUTHOR:  \nbody=Thanks.\n\nMore.\n-- \nJane\n555-1234"
    )
    assert fields == {"post": "thread-post", "author": "", "body": "Thanks.\n\nMore."}
    comment = parse(message("Post: thread-post\nbody: Thanks.", sender="Jane Roe <j@roe.example>"))
    assert (comment.author, comment.body) == ("Jane Roe", "Thanks.")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (message("Just saying hello"), "no post=<slug> line"),
        (message("post=../../etc\nbody=x"), "no post=<slug> line"),
        (message("post=p\nreplyto=<b>\nbody=x"), "is not a comment id"),
        (message("post=p\nbody=   \n"), "the comment is empty"),
        (message("post=p\nbody=" + "x" * 1001), "the limit is 1,000"),
        (message("post=p\nbody=x", sender="not an address"), "From"),
        (
            message("post=p\nbody=x", sender="a@one.example, b@two.example"),
            "exactly one well-formed address",
        ),
    ],
)
def test_unusable_replies_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(mail.ReplyError, match=reason):
        parse(raw)


def test_html_only_messages_are_refused() -> None:
    msg = EmailMessage()
    msg["From"] = "jane@doe.example"
    msg.set_content("<p>post=p</p>", subtype="html")
    with pytest.raises(mail.ReplyError, match="no plain-text part"):
        parse(msg.as_bytes())


def _from(sender: str) -> bytes:
    return (
        f"From: {sender}\r\nSubject: x\r\nMessage-ID: <2@evil.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\npost=p\r\nauthor=\r\nbody=hi\r\n"
    ).encode()


def test_an_encoded_crlf_in_the_from_name_is_refused() -> None:
    with pytest.raises(mail.ReplyError, match="From header is not exactly one well-formed"):
        parse(_from(ENCODED_FROM[0]))


@pytest.mark.parametrize("sender", ENCODED_FROM[1:])
def test_encoded_word_tricks_stay_inside_the_name(sender: str) -> None:
    comment = parse(_from(sender))
    assert comment.email == "eve@evil.example"
    assert not any(ch in comment.author for ch in "\r\n\x00\x07\x1b\u202e")
    header = format_comment(comment, with_post=True).split("\n\n")[0].split("\n")
    assert [line.split(":")[0] for line in header] == ["Post", "Author", "Date", "Email"]


def test_a_future_date_is_clamped_to_now() -> None:
    comment = parse(message(FORM, date="Fri, 20 Nov 2099 08:15:12 +0000"))
    assert comment.date.year < 2099


def test_reply_link_is_the_documented_format() -> None:
    link = mail.reply_mailto("c@site.example", "A “Title”", "thread-post", "b")
    parts = urlsplit(link)
    assert parts.scheme == "mailto" and unquote(parts.path) == "c@site.example"
    query = parse_qs(parts.query)
    assert query["subject"] == ["Comment on “A “Title””"]
    fields = mail.parse_fields(query["body"][0])
    assert fields == {"post": "thread-post", "replyto": "b", "author": "", "url": "", "body": "\n"}


def test_eml_mbox_and_maildir(tmp_path: Path) -> None:
    one, two = message(FORM, message_id="<a@x.example>"), message(FORM, message_id="<b@x.example>")
    eml = tmp_path / "reply.eml"
    eml.write_bytes(one)
    box = mailbox.mbox(tmp_path / "replies.mbox")
    box.add(one)
    box.add(two)
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(two)
    assert [label for label, _ in mail.messages(eml)] == ["reply.eml"]
    assert [label for label, _ in mail.messages(tmp_path / "replies.mbox")] == [
        "replies.mbox message 1",
        "replies.mbox message 2",
    ]
    [(_, raw)] = list(mail.messages(tmp_path / "Maildir"))
    assert parse(raw).id == parse(two).id


def test_wrong_sources_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CommentsError, match="not found"):
        list(mail.messages(tmp_path / "missing.mbox"))
    (tmp_path / "folder").mkdir()
    with pytest.raises(CommentsError, match="not a Maildir"):
        list(mail.messages(tmp_path / "folder"))


def test_an_unencoded_8bit_from_name_is_read_as_utf8() -> None:
    raw = (
        b"From: Zo\xc3\xab \xff \xc3\x9cnal <zoe@unal.example>\r\nMessage-ID: <3@unal.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\npost=p\r\nauthor=\r\n"
        b"body=hi \xef\xbf\xbf\r\n"
    )
    comment = parse(raw)
    assert (comment.author, comment.body) == ("Zoë \ufffd Ünal", "hi")
    format_comment(comment).encode("utf-8")  # nothing a file cannot hold


def test_a_malformed_message_id_still_gives_a_stable_id() -> None:
    # An unclosed domain literal: the email package's header parser raises on it.
    raw = _from("r@moore.example").replace(b"<2@evil.example>", b"<20261120.4471@[moore.example>")
    assert parse(raw).id == parse(raw).id != parse(_from("r@moore.example")).id


def test_a_long_slug_is_a_post() -> None:
    slug = "how-to-ask-for-an-introduction-without-making-it-awkward-for-anyone-at-all"
    assert len(slug) > 64
    assert parse(message(f"post={slug}\nbody=x")).post == slug

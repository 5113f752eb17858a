"""Comment files: the pelican_comment_system format, threading and the private queue."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pelican.utils import get_date

from plugins.comments.model import Comment, CommentsError, build_tree
from plugins.comments.store import (
    CommentFileError,
    Queue,
    format_comment,
    load_comments,
    parse_comment,
    read_comment,
    write_new,
)

LONDON = "Europe/London"


def parse(text: str, comment_id: str = "1", post: str | None = "post") -> Comment:
    return parse_comment(text, comment_id, post=post, timezone=LONDON, max_length=1000)


def test_a_pelican_comment_system_file_reads_as_is(tmp_path: Path) -> None:
    path = tmp_path / "post" / "comment-7.md"
    path.parent.mkdir()
    path.write_bytes(
        "\ufeffauthor: Jane Doe\r\ndate: 2014-10-02 16:45\r\nemail: jane@doe.example\r\n"
        "url: https://jane.example\r\nreplyto: comment-3\r\nlocale_date: ignored\r\n\r\n"
        "Hello *there*.\r\n".encode()
    )
    comment = read_comment(path, post="post", timezone=LONDON, max_length=1000)
    assert (comment.id, comment.author, comment.email, comment.url, comment.replyto) == (
        "comment-7",
        "Jane Doe",
        "jane@doe.example",
        "https://jane.example",
        "comment-3",
    )
    assert comment.date == datetime(2014, 10, 2, 16, 45, tzinfo=ZoneInfo(LONDON))
    assert comment.body == "Hello *there*."


def test_format_and_parse_round_trip() -> None:
    original = Comment(
        "abc",
        "post",
        "Zoë Ünal",
        datetime(2026, 11, 20, 8, 15, tzinfo=UTC),
        "Two\n\nparas",
        "zoe@unal.example",
        "https://zoe.example/x",
        "parent",
    )
    text = format_comment(original)
    assert text.startswith("Author: Zoë Ünal\nDate: 2026-11-20 08:15:00+00:00\n")
    again = parse(text, "abc")
    assert (again.author, again.date, again.body, again.email, again.url, again.replyto) == (
        original.author,
        original.date,
        original.body,
        original.email,
        original.url,
        "parent",
    )
    queued = parse(format_comment(original, with_post=True), "abc", post=None)
    assert queued.post == "post"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Author: A\nAuthor: B\nDate: 2025-01-01\n\nx", "two Author lines"),
        ("Author: A\nDate: 2025-01-01\nReplyto: ../etc\n\nx", "is not a comment id"),
        ("Author: A\nDate: 2025-01-01\nReplyto: 1\n\nx", "replies to itself"),
        ("Author: A\nDate: 2025-01-01\nEmail: nope\n\nx", "is not an email address"),
        ("Author: A\nDate: 2025-01-01\n\n" + "x" * 1001, "the limit is 1,000"),
        ("Just a body without a header", "the Author line is missing"),
    ],
)
def test_bad_metadata_names_the_reason(text: str, reason: str) -> None:
    with pytest.raises(CommentFileError, match=reason):
        parse(text)


def test_a_queue_file_must_name_its_post() -> None:
    with pytest.raises(CommentFileError, match="is not a post slug"):
        parse("Author: A\nDate: 2025-01-01\n\nx", post=None)


def _c(cid: str, minute: int, replyto: str = "") -> Comment:
    return Comment(cid, "p", cid, datetime(2025, 1, 1, 9, minute, tzinfo=UTC), "x", replyto=replyto)


def test_threads_are_in_date_order_at_every_level() -> None:
    comments = [
        _c("late", 50),
        _c("r2", 40, "early"),
        _c("early", 10),
        _c("r1", 20, "early"),
        _c("rr", 30, "r1"),
    ]
    roots, left_out = build_tree(comments)
    assert left_out == []
    assert [c.id for c in roots] == ["early", "late"]
    assert [c.id for c in roots[0].replies] == ["r1", "r2"]
    assert [c.id for c in roots[0].replies[0].replies] == ["rr"]


def test_comments_outside_any_post_folder_are_reported(tmp_path: Path) -> None:
    (tmp_path / "stray.md").write_text("Author: A\nDate: 2025-01-01\n\nx")
    (tmp_path / ".hidden").mkdir()
    found, problems = load_comments(tmp_path, timezone=LONDON, max_length=100)
    assert found == {}
    assert [(p.path.name, p.reason) for p in problems] == [
        ("stray.md", "comment files belong in a folder named after the post")
    ]


def test_write_new_never_overwrites(tmp_path: Path) -> None:
    write_new(tmp_path / "a" / "1.md", "first")
    with pytest.raises(CommentsError, match="already exists; nothing was overwritten"):
        write_new(tmp_path / "a" / "1.md", "second")
    assert (tmp_path / "a" / "1.md").read_text() == "first"
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["1.md"]


def test_write_new_leaves_nothing_behind_when_the_text_cannot_be_written(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError):
        write_new(tmp_path / "a" / "1.md", "a lone surrogate \udcff")
    assert list(tmp_path.rglob("*")) == []


def test_a_queue_file_may_name_a_long_slug_but_never_a_path() -> None:
    slug = "a-post-whose-title-was-long-enough-to-give-a-slug-of-more-than-64-characters"
    assert parse(f"Post: {slug}\nAuthor: A\nDate: 2025-01-01\n\nx", post=None).post == slug
    for bad in ("../../etc", "a/b", ".hidden"):
        with pytest.raises(CommentFileError, match="is not a post slug"):
            parse(f"Post: {bad}\nAuthor: A\nDate: 2025-01-01\n\nx", post=None)


def test_queue_add_get_reject(tmp_path: Path) -> None:
    queue = Queue(tmp_path, timezone=LONDON, max_length=100)
    comment = _c("abc123", 1)
    queue.add(comment)
    assert queue.knows("abc123") and queue.get("abc123").post == "p"
    assert [c.id for c in queue.all()[0]] == ["abc123"]
    queue.reject("abc123")
    assert queue.knows("abc123") and queue.all() == ([], [])
    assert (tmp_path / "rejected" / "abc123.md").is_file()
    with pytest.raises(CommentsError, match="no pending comment 'abc123'"):
        queue.get("abc123")


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20 09:30",
        "2026-11-20",
        "2026-11-20 09:30:15",
        "2026-11-20T09:30",
        "2026-11-20 09:30+02:00",
        "20 November 2026 9.30am",
        "2026-02-30 10:00",
        "2026-13-01",
    ],
)
def test_comment_dates_read_as_pelican_reads_them(text: str) -> None:
    """The usual form is read without Pelican's general parser, to the same result."""
    header = f"Author: Ada\nDate: {text}\n\nHello.\n"
    try:
        expected = get_date(text)
    except ValueError:
        with pytest.raises(CommentsError, match="is not a date"):
            parse_comment(header, "1", post="p", timezone="UTC", max_length=100)
        return
    if expected.tzinfo is None:
        expected = expected.replace(tzinfo=ZoneInfo("UTC"))
    comment = parse_comment(header, "1", post="p", timezone="UTC", max_length=100)
    assert comment.date == expected
    assert type(comment.date) is type(expected)

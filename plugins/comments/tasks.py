"""`invoke comments.*`: moderate emailed replies, export and import comments.

Each task parses its arguments, calls the library and prints. Every task reads its
paths from a Pelican settings file (`--settings`, default pelicanconf.py): the comment
files under PATH/COMMENTS["path"], the private queue under COMMENTS["queue"]. A mistake
is one line starting with "error:" and exit code 1, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from invoke import Exit, task
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from plugins.contacts import database_path
from plugins.errors import NurtureError

from . import contact, importer, moderation
from . import export as exporter
from .clean import printable
from .model import Comment
from .settings import Config, load
from .store import Problem

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_HELP = "the Pelican settings file to read paths from (default: pelicanconf.py)"
console = Console(highlight=False)


@contextmanager
def _library() -> Iterator[None]:
    """Library errors become a one-line `error:` exit."""
    try:
        yield
    except NurtureError as error:
        raise Exit(f"error: {error}", code=1) from None


def _config(settings: str) -> Config:
    with _library():
        return load(Path(settings) if settings else ROOT / "pelicanconf.py")


def _shown(text: object) -> str:
    """Text from outside (a name, a file name, an import's field) as rich prints it
    literally: no control characters or escape sequences, no markup."""
    return escape(printable(str(text)))


def _warn(problems: list[Problem]) -> None:
    for problem in problems:
        console.print(f"[yellow]warning:[/] {_shown(problem.path)}: {_shown(problem.reason)}")


def _when(comment: Comment) -> str:
    return f"{comment.date:%Y-%m-%d %H:%M}"


@task(help={"path": "an .eml file, an mbox or a Maildir folder", "settings": SETTINGS_HELP})
def ingest(c, path, settings=""):
    """Queue the replies in an .eml file, mbox or Maildir for moderation."""
    config = _config(settings)
    with _library():
        report = moderation.ingest(config, Path(path))
    for comment in report.added:
        reply = f" (reply to {comment.replyto})" if comment.replyto else ""
        console.print(
            f"queued {comment.id}: {_shown(comment.author)} on {_shown(comment.post)}{reply}"
        )
    for label, reason in report.skipped:
        console.print(f"[yellow]skipped[/] {_shown(label)}: {_shown(reason)}")
    for comment in report.claims_author:
        console.print(
            f"[yellow]check[/] {comment.id}: signed {_shown(comment.author)}, the name of the "
            f"post's author; approve it only if {_shown(comment.email)} is theirs"
        )
    console.print(
        f"{len(report.added)} queued, {len(report.known)} seen before, "
        f"{len(report.skipped)} skipped."
    )
    if report.added:
        console.print(
            "Next: `invoke comments.pending`, then comments.approve ID or comments.reject ID"
        )


@task(help={"full": "print each comment's whole text", "settings": SETTINGS_HELP})
def pending(c, full=False, settings=""):
    """List the comments waiting for moderation."""
    config = _config(settings)
    comments, problems = moderation.pending(config)
    _warn(problems)
    if not comments:
        console.print("No comments are waiting.")
        return
    console.print(f"{len(comments)} comment(s) waiting for moderation:\n")
    for comment in comments:
        reply = f", reply to {comment.replyto}" if comment.replyto else ""
        text = comment.body if full else " ".join(comment.body.split())
        if not full and len(text) > 160:
            text = text[:160] + "…"
        console.print(f"[bold]{comment.id}[/]  on {_shown(comment.post)}{reply}  {_when(comment)}")
        console.print(f"  from {_shown(comment.author)} <{_shown(comment.email)}>")
        if comment.url:
            console.print(f"  website {_shown(comment.url)}")
        console.print(escape(text), style="dim" if not full else "", soft_wrap=full)
        console.print()
    console.print("Approve with `invoke comments.approve ID`, reject with `comments.reject ID`.")


@task(
    help={
        "comment_id": "the ID shown by comments.pending",
        "add_contact": "also add the commenter as a contact with a 'comment' touch",
        "settings": SETTINGS_HELP,
    }
)
def approve(c, comment_id, add_contact=False, settings=""):
    """Publish a pending comment as a file under content/comments/ (then `invoke build`)."""
    config = _config(settings)
    with _library():
        comment, path, post = moderation.approve(config, comment_id)
    console.print(f"approved {comment.id}: wrote {_shown(path)}; `invoke build` publishes it")
    if add_contact:
        try:
            result = contact.add_commenter(comment, post, database_path())
        except NurtureError as error:
            raise Exit(f"error: comment {comment.id} was approved, but {error}", code=1) from None
        verb = "added" if result.created else "updated"
        console.print(f"{verb} contact {_shown(result.contact.email)} with a 'comment' touch")


@task(help={"comment_id": "the ID shown by comments.pending", "settings": SETTINGS_HELP})
def reject(c, comment_id, settings=""):
    """Reject a pending comment (kept under the queue's rejected/ folder, never published)."""
    config = _config(settings)
    with _library():
        comment = moderation.reject(config, comment_id)
    console.print(f"rejected {comment.id} from {_shown(comment.author)}")


@task(
    help={
        "format": "json (threaded), csv (one row per comment) or wxr (WordPress)",
        "output": "the file to write (it holds email addresses: keep it private)",
        "settings": SETTINGS_HELP,
    }
)
def export(c, format="json", output="", settings=""):
    """Export every approved comment as JSON, CSV or WordPress WXR."""
    if not output:
        raise Exit("error: say where to write: --output comments.json", code=1)
    config = _config(settings)
    target = Path(output).resolve()
    site = Path(config.settings["OUTPUT_PATH"]).resolve()
    if target.is_relative_to(site):
        raise Exit(
            f"error: {output} is inside the published site ({site}); exports hold "
            "commenters' email addresses, so write them somewhere private",
            code=1,
        )
    with _library():
        result = exporter.export(config, format)
    _warn(result.left_out)
    try:
        exporter.write_private(target, result.text)
    except OSError as error:
        raise Exit(f"error: cannot write {output}: {error.strerror}", code=1) from None
    console.print(
        f"wrote {result.comments} comment(s) on {result.posts} post(s) to {_shown(output)}"
    )


@task(
    name="import",
    help={
        "file": "a WordPress or Disqus WXR, a Disqus XML or a Blogger Atom export",
        "dry_run": "only report what would be imported",
        "settings": SETTINGS_HELP,
    },
)
def import_(c, file, dry_run=False, settings=""):
    """Import comments from WordPress, Disqus or Blogger; importing twice adds nothing."""
    config = _config(settings)
    columns = (TextColumn("writing comments"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("import", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total)

        with _library():
            report = importer.import_file(config, Path(file), dry_run=dry_run, progress=advance)
    verb = "would import" if dry_run else "imported"
    console.print(
        f"{report.platform}: {verb} {len(report.imported)} comment(s); "
        f"{report.present} already here"
    )
    for reason, count in sorted(report.skipped.items()):
        console.print(f"skipped {count} {_shown(reason)} comment(s)")
    if report.unmatched:
        console.print(
            f"[yellow]{sum(report.unmatched.values())} comment(s) matched no post[/] "
            "(post slug, URL and title all differ):"
        )
        for where, count in sorted(report.unmatched.items()):
            console.print(f"  {_shown(where)}: {count}")

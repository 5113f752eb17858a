"""Deterministic benchmark sites: `generate(path, n_posts, seed=0)`.

Writes `path/posts/*.md` (and, on request, comment files under `path/comments/`), so
`path` is a Pelican content directory for pelicanconf.py.
Each post has about 850 words in paragraphs under headings, a bulleted list, links to
two earlier posts (relative, as authors write them) and one external link; posts spread
over 5 categories, 12 tags and the two authors of AUTHOR_PROFILES. The same seed always
gives the same site.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

AUTHORS = ("Olivia Hart", "Marcus Bell")
CATEGORIES = ("Follow-Up", "Referrals", "Gratitude", "Networking", "Client Care")
TAGS = (
    "thank-you cards",
    "coffee",
    "cadence",
    "introductions",
    "linkedin",
    "events",
    "meals",
    "anniversaries",
    "breakfast club",
    "client care",
    "referrals",
    "gratitude",
)
FIRST_DATE = datetime(2020, 1, 1, 8, 0)
_VOCABULARY = (
    "a about after again always an and answer ask asked back because before best business "
    "call card careful client clients coffee colleague contact conversation could day did "
    "each early easy email enough event every favour first follow friend from gave genuine "
    "good grateful handwritten have help honest how idea in introduction invite it just "
    "keep kind know last later learn letter listen little long meet meeting message month "
    "more most name natural never new next note notice offer often old one only other "
    "partner people person phone plan project promise question quiet quick read real "
    "recommend referral relationship remember reply return right same say season send "
    "short simple small something soon story suggest surprise talk team thank the their "
    "them then thing think time today together touch trust useful usually visit warm week "
    "well what when who why with work worth write year you your"
)
WORDS = _VOCABULARY.split()


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 18))
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 5)))


def _title(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(3, 7))).title()


def _body(rng: random.Random, links: Sequence[tuple[str, str]]) -> str:
    blocks = [_paragraph(rng) for _ in range(3)]
    for heading in range(4):
        blocks.append(f"## {_title(rng)}")
        blocks += [_paragraph(rng) for _ in range(3)]
        if heading == 1:
            blocks.append("\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(3, 5))))
    mentions = [f"[{title}]({url})" for title, url in links]
    mentions.append("[a longer guide](https://example.org/guides/keeping-in-touch)")
    blocks.append(f"{_sentence(rng)} See {', '.join(mentions)}.")
    return "\n\n".join(blocks)


COMMENTERS = ("Hannah Okonkwo", "Tom Reyes", "Priya Nair", "Jonas Berg", "Ama Mensah")


def _comments(path: Path, slug: str, date: datetime, count: int, rng: random.Random) -> None:
    """`count` comments on a post, the last one a reply to the first (plugins/comments)."""
    folder = path / "comments" / slug
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, count + 1):
        header = [
            f"Author: {rng.choice(COMMENTERS)}",
            f"Date: {date + timedelta(hours=number * 5):%Y-%m-%d %H:%M}",
        ]
        if number == count and count > 1:
            header.append("Replyto: 1")
        body = f"{_paragraph(rng)}\n\n{_sentence(rng)}"
        (folder / f"{number}.md").write_text("\n".join(header) + "\n\n" + body + "\n")


def generate(path: Path, n_posts: int, seed: int = 0, comments: int = 0) -> list[Path]:
    """Write `n_posts` Markdown posts under `path/posts` (and `comments` comments on each
    under `path/comments`); return the posts' paths, oldest first."""
    rng = random.Random(seed)
    posts = path / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    earlier: list[tuple[str, str, datetime]] = []
    date = FIRST_DATE
    for number in range(1, n_posts + 1):
        date += timedelta(days=1, minutes=rng.randint(0, 600))
        title = _title(rng)
        slug = f"post-{number:05d}"
        picks = rng.sample(earlier, k=min(2, len(earlier)))
        links = [(t, f"../../../{d:%Y/%m}/{s}/") for t, s, d in picks]
        header = [
            f"Title: {title}",
            f"Date: {date:%Y-%m-%d %H:%M}",
            f"Category: {rng.choice(CATEGORIES)}",
            f"Tags: {', '.join(rng.sample(TAGS, k=rng.randint(1, 3)))}",
            f"Author: {AUTHORS[number % len(AUTHORS)]}",
            f"Slug: {slug}",
        ]
        file = posts / f"{slug}.md"
        file.write_text("\n".join(header) + "\n\n" + _body(rng, links) + "\n", encoding="utf-8")
        written.append(file)
        earlier.append((title, slug, date))
        if comments:
            _comments(path, slug, date, comments, rng)
    return written

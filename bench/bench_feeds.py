"""Feeds: the time to write every post feed, plugins.feeds beside Pelican's own feed writer.

Method. bench.sitegen writes a site of 1,000 posts (200 with --quick). Pelican's
ArticlesGenerator reads it once with pelicanconf.py's settings and SITEURL
https://bench.example. On that same generator, in the same process, two feed stages
are timed, each writing into an empty directory, best of five runs taken in turns:

- Nurture: plugins.feeds publishes and writes the post feeds (what its
  `article_generator_finalized` and `finalized` handlers do in a build);
- Pelican: `ArticlesGenerator.generate_feeds` with FEED_ALL_*, CATEGORY_FEED_*,
  TAG_FEED_* and AUTHOR_FEED_* set to the same paths, RSS_FEED_SUMMARY_ONLY off so its
  RSS carries full content like ours, and FEED_MAX_ITEMS equal to FEEDS["max_items"].

Two figures: each feed carrying the newest 20 posts (the default), and every post (the
heavy case, where a post's feed entry is prepared once and reused by every feed it is in,
while Pelican's writer re-does it per feed).

Both produce the same set: all posts, each category, tag and author, as Atom and RSS.
Reading and rendering the Markdown is shared and outside both timings: every article's
content is rendered once before timing, so neither stage pays for it. The JSON Feed,
which Pelican does not write, is timed separately and reported in the note.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pelican.generators import ArticlesGenerator
from pelican.settings import read_settings
from pelican.writers import Writer

from bench import sitegen
from bench.figures import Figure
from plugins.feeds import plugin, registry, settings

ROOT = Path(__file__).resolve().parents[1]
SITEURL = "https://bench.example"
MAX_ITEMS = settings.DEFAULTS["max_items"]
PELICAN_FEEDS = {
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "FEED_ALL_RSS": "feeds/all.rss.xml",
    "CATEGORY_FEED_ATOM": "feeds/category/{slug}.atom.xml",
    "CATEGORY_FEED_RSS": "feeds/category/{slug}.rss.xml",
    "TAG_FEED_ATOM": "feeds/tag/{slug}.atom.xml",
    "TAG_FEED_RSS": "feeds/tag/{slug}.rss.xml",
    "AUTHOR_FEED_ATOM": "feeds/author/{slug}.atom.xml",
    "AUTHOR_FEED_RSS": "feeds/author/{slug}.rss.xml",
    "RSS_FEED_SUMMARY_ONLY": False,
}


def _read(content: Path, output: Path) -> ArticlesGenerator:
    """The site's articles, read by Pelican as a build would, with content rendered."""
    config = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(content),
            "OUTPUT_PATH": str(output),
            "THEME": str(ROOT / "theme"),
            "SITEURL": SITEURL,
            "FEEDS": {"all_json": None},
            **PELICAN_FEEDS,
        },
    )
    context: dict[str, Any] = {
        **config,
        "generated_content": {},
        "static_links": set(),
        "static_content": {},
        "localsiteurl": SITEURL,
    }
    generator = ArticlesGenerator(
        context=context,
        settings=config,
        path=config["PATH"],
        theme=config["THEME"],
        output_path=config["OUTPUT_PATH"],
    )
    generator.generate_context()
    for article in generator.articles:
        article.get_content(SITEURL)
        _ = article.summary
    return generator


def _ours(generator: ArticlesGenerator, output: Path, feeds: dict[str, Any]) -> None:
    build = registry.start(settings.check({**generator.settings, "FEEDS": feeds}))
    plugin.articles_finalized(generator)
    build.write(output)


def _pelican(generator: ArticlesGenerator, output: Path) -> None:
    generator.generate_feeds(Writer(str(output), settings=generator.settings))


def _race(
    stages: dict[str, Callable[[Path], None]], scratch: Path, repeat: int = 5
) -> dict[str, tuple[float, int]]:
    """Each stage's best time of `repeat` runs, each into a new directory, and the files it
    wrote. The stages take turns, so a busy machine slows them alike."""
    best = dict.fromkeys(stages, float("inf"))
    outputs: dict[str, Path] = {}
    for _ in range(repeat):
        for name, stage in stages.items():
            outputs[name] = Path(tempfile.mkdtemp(dir=scratch))
            start = time.perf_counter()
            stage(outputs[name])
            best[name] = min(best[name], time.perf_counter() - start)
    return {
        name: (best[name], sum(1 for path in outputs[name].rglob("*") if path.is_file()))
        for name in stages
    }


def _compare(
    generator: ArticlesGenerator, scratch: Path, max_items: int | None
) -> tuple[float, float, float, int]:
    """Nurture and Pelican writing the same feeds with `max_items` each; and with JSON Feed."""
    generator.settings["FEED_MAX_ITEMS"] = max_items
    times = _race(
        {
            "ours": lambda out: _ours(generator, out, {"all_json": None, "max_items": max_items}),
            "pelican": lambda out: _pelican(generator, out),
            "json": lambda out: _ours(generator, out, {"max_items": max_items}),
        },
        scratch,
    )
    (ours, files), (theirs, their_files) = times["ours"], times["pelican"]
    if files != their_files:
        raise RuntimeError(f"feeds bench: Nurture wrote {files} files, Pelican {their_files}")
    return ours, theirs, times["json"][0], files


def run(quick: bool) -> list[Figure]:
    n_posts = 200 if quick else 1000
    logging.getLogger("pelican").setLevel(logging.ERROR)
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        sitegen.generate(scratch / "content", n_posts)
        generator = _read(scratch / "content", scratch / "output")
        for max_items, label in ((MAX_ITEMS, f"newest {MAX_ITEMS}"), (None, "every post")):
            ours, theirs, with_json, files = _compare(generator, scratch, max_items)
            figures.append(
                Figure(
                    name=f"feeds, {n_posts} posts, {label} per feed",
                    value=ours,
                    unit="s",
                    anchor=theirs,
                    anchor_label="Pelican feed writer",
                    note=(
                        f"{files} files: all/category/tag/author × Atom+RSS, full content; "
                        f"+ JSON Feed {with_json:.3g} s"
                    ),
                )
            )
    return figures

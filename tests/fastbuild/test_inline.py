"""The fast inline processor and block checks give Python-Markdown's own HTML, character
for character."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from markdown import Markdown

from plugins.comments.render import _NoRawHtml
from plugins.fastbuild import blocks
from plugins.fastbuild.inline import FastInlineProcessor, speed_up
from tests.helpers import ROOT

# Pieces of Markdown that exercise every inline pattern, and the text around them.
PIECES = (
    "word", "two words", "*", "**", "***", "_", "__", "`", "``", "\\", "\\*", "[", "]", "(",
    ")", "!", "<", ">", "&", "&amp;", "&#39;", "&#x27;", "<b>", "</b>", "<!-- c -->",
    "<http://a.example/c>", "<me@x.example>", "  \n", "\n", "\n\n", "[^1]", "[^1]: note",
    "[x]: http://r.example/", "[x]", "[x][]", "![i](p.png)", "![i][x]", '[l](http://l/ "T")',
    "'", '"', "--", "---", "...", "<<", ">>", "# H", "## H {: #id }", "- item", "1. one",
    "> quote", "    code", "```\nfenced *x*\n```", "*[HTML]: Hyper Text", "HTML",
    "{: .cls}", "| a | b |\n|---|---|\n| *1* | `2` |", '<div markdown="1">*x*</div>',
    "\x02klzzwxh:0\x03", "é", "\t", "Term\n:   Definition", "snake_case_word", "2*3*4",
    "Title\n=====", "Title\n---", "\n=", "\n-", "* * *", "___", "- - -", "\n\n", ": ", "]:",
    "*[", "[^", "#", "\n#", "   > ", "\n   :  ",
)  # fmt: skip

CONFIGS: dict[str, dict[str, Any]] = {
    "pelicanconf": {
        "extensions": ["extra", "toc", "meta"],
        "extension_configs": {"toc": {"permalink": False}},
        "output_format": "html5",
    },
    "pelican default": {"extensions": ["codehilite", "extra", "meta"]},
    "comments": {"extensions": [_NoRawHtml(), "sane_lists", "smarty"], "output_format": "html"},
    "other extensions": {"extensions": ["extra", "smarty", "nl2br", "admonition", "wikilinks"]},
    "angled quotes": {
        "extensions": ["smarty"],
        "extension_configs": {"smarty": {"smart_angled_quotes": True}},
    },
}


def documents(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(
            rng.choice(PIECES) + rng.choice(("", " ", "", "x")) for _ in range(rng.randint(1, 40))
        )
        for _ in range(count)
    ]


def sample_markdown() -> list[str]:
    files = sorted((ROOT / "content").rglob("*.md"))
    assert len(files) > 20
    return [file.read_text(encoding="utf-8") for file in files]


@pytest.mark.parametrize("name", CONFIGS)
def test_same_html_as_python_markdown(name: str) -> None:
    config = CONFIGS[name]
    plain, fast = Markdown(**config), speed_up(Markdown(**config))
    inline = [name for name in ("inline", "smarty") if name in fast.treeprocessors]
    assert all(isinstance(fast.treeprocessors[name], FastInlineProcessor) for name in inline)
    texts = sample_markdown() + documents(seed=len(name), count=600)
    for text in texts:
        assert fast.reset().convert(text) == plain.reset().convert(text), text


# Each alone in plain prose: a document whose only possible match is this one.
LONE_CONSTRUCTS = (
    "`code`", "\\*", "[l](http://l.example/)", "[r][x]\n\n[x]: http://r.example/",
    "<http://a.example/>", "<me@x.example>", "line  \nbreak", "&amp;", "<b>bold</b>", "*em*",
    "_em_", "**strong**", "![i](p.png)", "x[^1]\n\n[^1]: note", "'single'", '"double"',
    "it's", "the '90s", "a -- b", "a --- b", "a... b", "<<angled>>",
)  # fmt: skip


@pytest.mark.parametrize("name", CONFIGS)
def test_a_document_with_one_thing_to_do_gets_it_done(name: str) -> None:
    """Python-Markdown's inline pass is skipped for a document in which no pattern can
    match; one possible match anywhere is enough to run it."""
    plain, fast = Markdown(**CONFIGS[name]), speed_up(Markdown(**CONFIGS[name]))
    for construct in LONE_CONSTRUCTS:
        text = f"Send a note today {construct} and call on Friday.\n\nThen wait."
        assert fast.reset().convert(text) == plain.reset().convert(text), construct


def test_every_checked_block_processor_is_checked_in_our_configuration() -> None:
    """Python-Markdown as pinned still has the expressions the checks were written for."""
    fast = speed_up(Markdown(**CONFIGS["pelicanconf"]))
    checked = {
        type(processor).__name__
        for processor in fast.parser.blockprocessors
        if "test" in vars(processor) or "run" in vars(processor)
    }
    assert checked == {cls.__name__ for cls in blocks._CHECKS}


def test_a_block_processor_with_another_expression_is_left_alone() -> None:
    markdown = Markdown()
    hashes = markdown.parser.blockprocessors["hashheader"]
    hashes.RE = re.compile(r"(?:^|\n)(?P<level>!{1,6})(?P<header>.*?)(?:\n|$)")
    assert "test" not in vars(speed_up(markdown).parser.blockprocessors["hashheader"])


def test_an_extension_inline_processor_is_left_alone() -> None:
    """An extension that replaced the inline processor keeps its own."""
    markdown = Markdown()
    own = type("OwnInline", (type(markdown.treeprocessors["inline"]),), {})(markdown)
    markdown.treeprocessors.register(own, "inline", 20)
    assert speed_up(markdown).treeprocessors["inline"] is own


def test_patterns_added_or_removed_later_are_honoured() -> None:
    """An extension may change the patterns between conversions; the fast processor
    follows, as Python-Markdown's own does."""
    from markdown.inlinepatterns import SimpleTagInlineProcessor

    plain, fast = Markdown(), speed_up(Markdown())
    text = "a ~~struck~~ *word* and `code`"
    assert fast.convert(text) == plain.convert(text)
    for markdown in (plain, fast):
        markdown.inlinePatterns.register(SimpleTagInlineProcessor(r"()~~(.+?)~~", "del"), "del", 65)
        markdown.inlinePatterns.deregister("backtick")
    assert "<del>struck</del>" in fast.reset().convert(text)
    assert fast.reset().convert(text) == plain.reset().convert(text)

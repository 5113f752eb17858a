r"""Python-Markdown's block parsing, skipping the block processors that cannot match.

Python-Markdown offers every block (the text between blank lines) to its block
processors in priority order until one takes it, and most blocks of a post are
paragraphs that only the last one takes. Several of those it asks first search the
whole block with an expression anchored at every line start (`(^|\n)#`, `(^|\n) {0,3}>`,
`^ {0,3}\[^...\]:`...), which Python's regular expressions try at every character: for
prose that is about a third of a conversion.

Each processor below is only asked when the block holds text that every match of its
expression contains (no `#`, no header; no `>`, no quote); otherwise it is skipped as
it would have declined. A processor is only given this check when its expression is
exactly the one the check was written for (Python-Markdown 3.11), so a future version
that changes one is simply asked as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown import Markdown, blockprocessors
from markdown.extensions import abbr, def_list, footnotes, tables

_Possible = Callable[[str], bool]


def _holds(piece: str, other: str = "") -> _Possible:
    """Whether a block holds `piece` (or `other`). Asked for every block: kept cheap."""
    if not other:
        return lambda block: piece in block
    return lambda block: piece in block or other in block


def _table_rows(block: str) -> bool:
    """Whether a block can be a table: two lines at least, and a | (tables' `test` says
    no to anything else, whatever it remembers of the block for `run`). Its version is
    known by its RE_END_BORDER."""
    return "|" in block and "\n" in block


def _three_of_a_mark(block: str) -> bool:
    """Whether a block holds three -, _ or *, as a thematic break (---, * * *) needs."""
    return block.count("-") >= 3 or block.count("_") >= 3 or block.count("*") >= 3


# processor class: (its method that declines, the attribute holding its expression, that
# expression, what a block must hold for the expression to match)
_CHECKS: dict[type, tuple[str, str, str, _Possible]] = {
    blockprocessors.HashHeaderProcessor: (
        "test",
        "RE",
        r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)",
        _holds("#"),
    ),
    blockprocessors.SetextHeaderProcessor: (
        "test",
        "RE",
        r"^.*?\n(?:=+|-+)[ ]*(\n|$)",
        _holds("\n=", "\n-"),
    ),
    blockprocessors.HRProcessor: (
        "test",
        "SEARCH_RE",
        r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
        r"(?P=atomicgroup)[ ]*$",
        _three_of_a_mark,
    ),
    blockprocessors.BlockQuoteProcessor: ("test", "RE", r"(^|\n)[ ]{0,3}>[ ]?(.*)", _holds(">")),
    blockprocessors.ReferenceProcessor: (
        "run",
        "RE",
        r"^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?"
        r"""((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$""",
        _holds("]:"),
    ),
    def_list.DefListProcessor: ("test", "RE", r"(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)", _holds(": ")),
    abbr.AbbrBlockprocessor: (
        "run",
        "RE",
        r"^[*]\[(?P<abbr>[^\\]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$",
        _holds("*["),
    ),
    tables.TableProcessor: ("test", "RE_END_BORDER", r"(?<!\\)(?:\\\\)*\|$", _table_rows),
    footnotes.FootnoteBlockProcessor: (
        "run",
        "RE",
        r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$",
        _holds("[^"),
    ),
}


def _checked_test(test: Callable[[Any, str], bool], possible: _Possible) -> Callable:
    def checked(parent: Any, block: str) -> bool:
        return possible(block) and test(parent, block)

    return checked


def _checked_run(run: Callable[[Any, list[str]], Any], possible: _Possible) -> Callable:
    """For a processor that always says yes to `test` and declines in `run` (returning
    False with the blocks as they were) when its expression finds nothing."""

    def checked(parent: Any, blocks: list[str]) -> Any:
        return run(parent, blocks) if possible(blocks[0]) else False

    return checked


def speed_up_blocks(markdown: Markdown) -> Markdown:
    """Give `markdown`'s block processors of the classes above their check. Returns it."""
    for processor in markdown.parser.blockprocessors:
        check = _CHECKS.get(type(processor))
        if check is None:
            continue
        method, attribute, expression, possible = check
        if getattr(processor, attribute).pattern != expression:
            continue  # not the expression the check was written for
        wrap = _checked_test if method == "test" else _checked_run
        setattr(processor, method, wrap(getattr(processor, method), possible))
    return markdown

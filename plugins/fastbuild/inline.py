"""Python-Markdown's inline processing, skipping the patterns that cannot match (and,
through `speed_up`, its block parsing: blocks.py).

Python-Markdown tries every inline pattern (code, escapes, links, images, autolinks, raw
HTML, entities, emphasis...) on every piece of text, in priority order, and most text in
a post is plain prose that none of them matches: trying them is nearly half the time of
a conversion. `FastInlineProcessor` first asks whether a pattern can match at all, and
skips it when it cannot:

- for Python-Markdown's own patterns, known by their exact regular expression, whether
  the text holds a character or piece of text every match of that expression contains
  (no `[`, no link; no `...`, no ellipsis); and when none of them can match anywhere in
  a document, the whole pass is skipped;
- for any other pattern (an extension's), whether its expression finds a match at all.

A skipped pattern is one Python-Markdown would have tried without a match, so the HTML
is the same, character for character (tests/fastbuild compare the two on generated and
sample Markdown). A pattern whose expression is not one of those below (a future
Python-Markdown changing one) falls back to the second check, which is always exact.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from markdown import Markdown, inlinepatterns, treeprocessors, util

from .blocks import speed_up_blocks

# What every match of a pattern contains: one of some characters (a string), or one of
# some pieces of text (a tuple).
_Trigger = str | tuple[str, ...]
# Python-Markdown's built-in inline patterns and their triggers.
_BUILT_IN_TRIGGERS: dict[str, _Trigger] = {
    "backtick": "`",
    "escape": "\\",
    "reference": "[",
    "link": "[",
    "image_link": "[",
    "image_reference": "[",
    "short_reference": "[",
    "short_image_ref": "[",
    "autolink": "<",
    "automail": "<",
    "linebreak": ("  \n",),
    "html": "<",
    "entity": "&",
    "em_strong": "*_",
}
# The same for the footnotes extension (part of `extra`) and for smarty's patterns, by
# the start of their names: each of smarty's quote patterns holds a ' or a ".
_FOOTNOTE_TRIGGER = "["
_SMARTY_TRIGGERS: dict[str, _Trigger] = {
    "smarty-quotes-": "'\"",
    "smarty-em-dashes": ("---",),
    "smarty-en-dashes": ("--",),
    "smarty-ellipses": ("...",),
    "smarty-left-angle-quotes": "<",
    "smarty-right-angle-quotes": ">",
}


@functools.cache  # on first use: building the reference instances takes a moment
def _known_triggers() -> dict[str, _Trigger]:
    """Triggers by the exact expression of the pattern they belong to."""
    known: dict[str, _Trigger] = {}
    plain = Markdown(extensions=["footnotes"])
    smarty = Markdown(
        extensions=["smarty"], extension_configs={"smarty": {"smart_angled_quotes": True}}
    )
    for reference in (plain, smarty):  # smarty's angled quotes bring a stricter "html"
        patterns = reference.inlinePatterns
        for name, chars in _BUILT_IN_TRIGGERS.items():
            known[patterns[name].compiled_re.pattern] = chars
    known[plain.inlinePatterns["footnote"].compiled_re.pattern] = _FOOTNOTE_TRIGGER
    quotes = smarty.treeprocessors["smarty"].inlinePatterns
    for name, pattern in quotes._data.items():
        chars = next(c for prefix, c in _SMARTY_TRIGGERS.items() if name.startswith(prefix))
        known[pattern.compiled_re.pattern] = chars
    return known


# For each pattern: the pattern, a search for its trigger characters (or None), and its
# own search (None for an old-style pattern, which is always tried).
_Search = Callable[..., Any]
_Plan = list[tuple[Any, _Search | None, _Search | None]]


@functools.cache
def _any_of(trigger: _Trigger) -> _Search:
    """A search that finds something (not None) in text holding the trigger."""
    if isinstance(trigger, str):
        return re.compile(f"[{re.escape(trigger)}]").search
    if len(trigger) == 1:
        (piece,) = trigger
        return lambda text: text.find(piece) if piece in text else None
    return lambda text: next((piece for piece in trigger if piece in text), None)


def _any_trigger(triggers: list[_Trigger]) -> _Search:
    """One search for any of `triggers` or a placeholder (Python-Markdown's STX)."""
    chars = {util.STX}
    pieces = set()
    for trigger in triggers:
        if isinstance(trigger, str):
            chars.update(trigger)
        else:
            pieces.update(trigger)
    alternatives = [f"[{re.escape(''.join(sorted(chars)))}]", *map(re.escape, sorted(pieces))]
    return re.compile("|".join(alternatives)).search


def _trigger_of(pattern: Any) -> _Trigger | None:
    if not isinstance(pattern, inlinepatterns.InlineProcessor):
        return None
    return _known_triggers().get(pattern.getCompiledRegExp().pattern)


class FastInlineProcessor(treeprocessors.InlineProcessor):
    """Python-Markdown's InlineProcessor, not trying patterns that cannot match."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        self._plan: _Plan = []
        self._planned: list[Any] = []  # the patterns the plan is for, in order
        # One search for the triggers of all the patterns, when every one has a trigger.
        self._anywhere: _Search | None = None

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        patterns = list(self.inlinePatterns)  # an extension may have changed them
        if patterns != self._planned:
            triggers = [_trigger_of(pattern) for pattern in patterns]
            self._plan = [self._step(p, t) for p, t in zip(patterns, triggers, strict=True)]
            self._planned = patterns
            self._anywhere = _any_trigger(triggers) if all(triggers) else None
        if self._anywhere is not None and not self._possible_anywhere(tree):
            # No pattern can match any text: Python-Markdown's pass would put every text
            # back as it was (no placeholders either), so the tree is already the result.
            self.stashed_nodes = {}
            return tree
        return super().run(tree, ancestors)

    def _possible_anywhere(self, tree: Any) -> bool:
        """Whether some pattern's trigger, or a placeholder, is in the tree's text."""
        text = "\n".join(
            piece for element in tree.iter() for piece in (element.text, element.tail) if piece
        )
        return self._anywhere(text) is not None

    @staticmethod
    def _step(pattern: Any, trigger: _Trigger | None) -> tuple[Any, _Search | None, _Search | None]:
        if not isinstance(pattern, inlinepatterns.InlineProcessor):
            return pattern, None, None
        search = pattern.getCompiledRegExp().search
        return pattern, (_any_of(trigger) if trigger else None), search

    # Replaces InlineProcessor.__handleInline (name-mangled), which __applyPattern and
    # run call: the same loop, with the check before each pattern.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, util.AtomicString):
            return data
        apply = self._InlineProcessor__applyPattern
        plan = self._plan
        start = 0
        index = patternIndex
        while index < len(plan):
            pattern, triggers, search = plan[index]
            if triggers is not None:
                possible = triggers(data) is not None
            else:
                possible = search is None or search(data, start) is not None
            if not possible:
                index, start = index + 1, 0
                continue
            data, matched, start = apply(pattern, data, index, start)
            if not matched:
                index += 1
        return data


def speed_up(markdown: Markdown) -> Markdown:
    """Give `markdown` the fast processor in place of each of its inline processors (its
    own, and one an extension such as smarty adds with patterns of its own; an
    extension's subclass of InlineProcessor is left alone), and its block processors
    their checks (`blocks.py`). Returns `markdown`."""
    registry = markdown.treeprocessors
    for item in list(registry._priority):
        current = registry[item.name]
        if type(current) is treeprocessors.InlineProcessor:
            fast = FastInlineProcessor(markdown)
            fast.inlinePatterns = current.inlinePatterns
            registry.register(fast, item.name, item.priority)
    return speed_up_blocks(markdown)

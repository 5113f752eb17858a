"""Posts and pages made cheaper to ask about while the pages are written, with the
same answers.

Pelican works a post's URL out from its settings at every use, and its HTML and summary
once for every SITEURL a page asks with (with RELATIVE_URLS, one per depth of page:
a post's summary is cut from its HTML three times or more). Once the generators are
done, a URL cannot change; and HTML without intrasite links ({filename}, {static}...)
is the same for every SITEURL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_UNSET = object()


class _SameForEverySiteurl:
    """A post's get_content or get_summary whose answer does not depend on SITEURL:
    asked once, then remembered."""

    __slots__ = ("_answer", "_ask")

    def __init__(self, ask: Callable[[str], str]) -> None:
        self._ask = ask
        self._answer: Any = _UNSET

    def __call__(self, siteurl: str) -> str:
        if self._answer is _UNSET:
            self._answer = self._ask(siteurl)
        return self._answer


def settle(content: Any) -> None:
    """Fix `content`'s URL, and its HTML and summary when no SITEURL changes them."""
    content.override_url = content.url
    if hasattr(content, "_get_content"):  # a plugin makes the HTML its own way
        return
    if content._get_intrasite_link_regex().search(content._content or ""):
        return
    content.get_content = _SameForEverySiteurl(content.get_content)
    if "summary" not in content.metadata:  # Summary metadata is Pelican's to resolve
        content.get_summary = _SameForEverySiteurl(content.get_summary)

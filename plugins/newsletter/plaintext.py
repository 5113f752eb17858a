"""HTML (an intro written in Markdown) as plain text written for reading, not a tag dump.

Paragraphs wrapped at 72 columns, headings underlined, lists with bullets or numbers,
quotes with "> ", links as "text (address)" and images as their alt text in brackets.
"""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser

WIDTH = 72
_BLOCKS = {"p", "div", "li", "blockquote", "pre", "ul", "ol", "table", "tr", "figure"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def wrap(text: str, width: int = WIDTH, first: str = "", rest: str = "") -> str:
    """Wrap each line of `text`, never breaking a word or an address."""
    return "\n".join(
        textwrap.fill(
            line,
            width,
            initial_indent=first if index == 0 else rest,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        )
        or rest.rstrip()
        for index, line in enumerate(text.split("\n"))
    )


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, int]] = []  # text, the number of its list (0: none)
        self._list_count = 0
        self._text: list[str] = []
        self._lists: list[list[int]] = []  # per open list: [next number] or [] if bulleted
        self._quote = 0
        self._pre = 0
        self._heading = ""
        self._links: list[tuple[str, int]] = []  # href, where the link text starts
        self._bullet = ""

    def _flush(self) -> None:
        text = "".join(self._text)
        self._text = []
        if self._pre:
            body = text.strip("\n")
        else:
            body = "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()
        if not body:
            return
        quote = "> " * self._quote
        if self._heading:
            underline = "=" if self._heading in {"h1", "h2"} else "-"
            body = f"{body}\n{underline * min(len(body), WIDTH)}"
        if self._pre:
            block = "\n".join(quote + "    " + line for line in body.split("\n"))
        else:
            hanging = " " * len(self._bullet)
            block = wrap(body, WIDTH, quote + self._bullet, quote + hanging)
        self.blocks.append((block, self._list_count if self._bullet else 0))
        self._bullet = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in _BLOCKS or tag in _HEADINGS:
            self._flush()
        if tag in _HEADINGS:
            self._heading = tag
        elif tag == "blockquote":
            self._quote += 1
        elif tag == "pre":
            self._pre += 1
        elif tag in {"ul", "ol"}:
            self._list_count += not self._lists
            self._lists.append([1] if tag == "ol" else [])
        elif tag == "li":
            counter = self._lists[-1] if self._lists else []
            indent = "  " * max(len(self._lists) - 1, 0)
            if counter:
                self._bullet = f"{indent}{counter[0]}. "
                counter[0] += 1
            else:
                self._bullet = f"{indent}- "
        elif tag == "br":
            self._text.append("\n")
        elif tag == "hr":
            self._flush()
            self.blocks.append(("* * *", 0))
        elif tag == "img" and attributes.get("alt"):
            self._text.append(f"[{attributes['alt']}]")
        elif tag == "a":
            self._links.append((attributes.get("href") or "", len(self._text)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            href, start = self._links.pop()
            label = " ".join("".join(self._text[start:]).split())
            target = href.removeprefix("mailto:")
            if href and not href.startswith("#") and target != label:
                self._text.append(f" ({target})")
        if tag in _BLOCKS or tag in _HEADINGS:
            self._flush()
        if tag in _HEADINGS:
            self._heading = ""
        elif tag == "blockquote":
            self._quote = max(self._quote - 1, 0)
        elif tag == "pre":
            self._pre = max(self._pre - 1, 0)
        elif tag in {"ul", "ol"} and self._lists:
            self._lists.pop()

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def text(self) -> str:
        parts: list[str] = []
        previous = 0
        for block, in_list in self.blocks:
            if parts:
                parts.append("\n" if in_list and in_list == previous else "\n\n")
            parts.append(block)
            previous = in_list
        return "".join(parts)


def html_to_text(html: str) -> str:
    """Readable plain text for `html`; blocks separated by blank lines."""
    converter = _Converter()
    converter.feed(html)
    converter.close()
    return converter.text()

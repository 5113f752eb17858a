"""Plain share links: no third-party scripts, just addresses the reader can follow."""

from __future__ import annotations

from urllib.parse import quote, quote_plus


def _query(**values: str) -> str:
    """`urlencode(values)`: each value quoted with quote_plus, nothing kept safe."""
    return "&".join(f"{key}={quote_plus(value, safe='')}" for key, value in values.items())


def share_links(title: str, url: str, services: list[str]) -> list[tuple[str, str]]:
    """(label, href) for each configured service, in the configured order."""
    links = []
    for name in services:
        if name == "email":
            body = quote(f"{title}\n\n{url}", safe="")
            links.append(("Email", f"mailto:?subject={quote(title, safe='')}&body={body}"))
        elif name == "linkedin":
            links.append(
                ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?{_query(url=url)}")
            )
        elif name == "facebook":
            links.append(
                ("Facebook", f"https://www.facebook.com/sharer/sharer.php?{_query(u=url)}")
            )
        elif name == "x":
            links.append(("X", f"https://x.com/intent/post?{_query(url=url, text=title)}"))
        else:
            raise KeyError(name)
    return links

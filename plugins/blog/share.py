"""Plain share links: no third-party scripts, just addresses the reader can follow."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def share_links(title: str, url: str, services: list[str]) -> list[tuple[str, str]]:
    """(label, href) for each configured service, in the configured order."""
    builders = {
        "email": lambda: (
            "Email",
            "mailto:?"
            + urlencode({"subject": title, "body": f"{title}\n\n{url}"}, quote_via=quote),
        ),
        "linkedin": lambda: (
            "LinkedIn",
            "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        ),
        "facebook": lambda: (
            "Facebook",
            "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        ),
        "x": lambda: ("X", "https://x.com/intent/post?" + urlencode({"url": url, "text": title})),
    }
    return [builders[name]() for name in services]

"""blog: the site features Pelican leaves to themes and plugins.

Author profiles, reading time, related posts, previous/next links, share links,
sitemap.xml and robots.txt, and the checks that name a bad post instead of
silently dropping it.
"""

from .plugin import register

__all__ = ["register"]

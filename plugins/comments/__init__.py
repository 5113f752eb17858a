"""comments: threaded static comments with moderation, feeds, export and import.

Approved comments are files under content/comments/<post-slug>/ (pelican_comment_system's
layout); replies arrive by email into a private queue under data/ and are approved or
rejected with the `invoke comments.*` commands. See docs/comments.md.
"""

from .plugin import register

__all__ = ["register"]

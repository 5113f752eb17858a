"""fastbuild: Pelican's build, using every core and rewriting only what changed.

- `reading`: Markdown posts are converted ahead of time in worker processes, so Pelican's
  one-file-at-a-time reading waits on results instead of doing the work.
- `writing`: the pages are rendered by forked copies of the build, each taking its share
  of the pages in turn; a page whose bytes did not change is not rewritten.

The output is byte-for-byte the output of a plain sequential build (tests compare the
trees). See docs/performance.md.
"""

from .plugin import register

__all__ = ["register"]

"""Signal handlers of the newsletter plugin (module level: Pelican keeps weak references)."""

from __future__ import annotations

from typing import Any

from pelican import signals

from . import settings
from .generator import NewsletterGenerator


def initialized(pelican: Any) -> None:
    """Check NEWSLETTER once, before anything is written; the generator reads the result."""
    pelican.settings["NEWSLETTER_SETTINGS"] = settings.check(pelican.settings)


def get_generators(pelican: Any) -> type[NewsletterGenerator]:
    return NewsletterGenerator


def register() -> None:
    signals.initialized.connect(initialized)
    signals.get_generators.connect(get_generators)

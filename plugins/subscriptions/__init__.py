"""subscriptions: the web service beside the static site, for what a static site cannot do.

Sign-up with double opt-in, confirmation, one-click unsubscribe (RFC 8058) and "Leave a
reply" posts into the comments' moderation queue, on the same contact database as the
commands. Run it with `invoke subscriptions.serve`; see docs/subscriptions.md.

The sender puts each contact's one-click address in List-Unsubscribe::

    from plugins.subscriptions import NotConfigured, load_settings, unsubscribe_url

    try:
        subscriptions = load_settings(settings_file)  # once per run
    except NotConfigured:
        subscriptions = None  # SUBSCRIPTIONS_URL is empty: no service, mailto: only
    url = unsubscribe_url(contact, subscriptions)  # per contact, microseconds
"""

from .settings import NotConfigured, SettingsError, SubscriptionsSettings, load_settings
from .tokens import unsubscribe_url

__all__ = [
    "NotConfigured",
    "SettingsError",
    "SubscriptionsSettings",
    "load_settings",
    "unsubscribe_url",
]

"""newsletter: issues as content, their archive and feed, and the email for each.

An issue is `content/newsletter/<n>.md`; the build checks it, writes its web page, adds
it to the issues feed and renders its email once (CACHE_PATH/newsletter/<n>/). The
sender loads that and personalises it per contact::

    from plugins.newsletter import load_rendered, transport

    issue = load_rendered(3)
    with transport.from_environment() as outbound:
        for contact in store.sendable_contacts(issue.segment):
            outbound.send(issue.sender.email, contact.email, issue.message(contact))

See docs/newsletter.md.
"""

from . import message, transport
from .message import Address, HeaderError
from .plugin import register
from .rendered import NotRendered, Reader, Recipient, RenderedIssue, load_rendered

__all__ = [
    "Address",
    "HeaderError",
    "NotRendered",
    "Reader",
    "Recipient",
    "RenderedIssue",
    "load_rendered",
    "message",
    "register",
    "transport",
]

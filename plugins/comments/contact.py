"""Approving a comment can make its author a contact, with a "comment" touch.

A new contact gets the first stage and the status `pending`: commenting is not consent
to the newsletter, so nobody is mailed until they subscribe. An existing contact keeps
everything and only gains the touch. An address that was forgotten is never re-added.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugins.contacts import (
    ConsentStatus,
    Contact,
    ContactsError,
    NewContact,
    NewTouch,
    Store,
    load_settings,
)

from .model import Comment, CommentsError, Post

TAG = "commenter"


@dataclass(frozen=True)
class ContactResult:
    contact: Contact
    created: bool


def add_commenter(comment: Comment, post: Post, database: Path) -> ContactResult:
    """Add or find the commenter and record the touch; raise CommentsError saying why not."""
    if not comment.email:
        raise CommentsError(f"comment {comment.id} has no email address, so no contact was added")
    first, _, last = comment.author.partition(" ")
    try:
        settings = load_settings()
        with Store.open(database) as store:
            contact = store.find_contact(comment.email)
            created = contact is None
            if contact is None:
                contact = store.add_contact(
                    NewContact(
                        email=comment.email,
                        stage=settings.default_stage,
                        first_name=first,
                        last_name=last,
                        tags=(TAG,),
                        status=ConsentStatus.PENDING,
                        consent_source=f"comment on {post.slug}",
                        consent_date=comment.date,
                    )
                )
            store.record_touches(
                [
                    NewTouch(
                        contact_id=contact.id,
                        kind="comment",
                        date=comment.date.date(),
                        reference=f"{post.url}#{comment.anchor}",
                        note=f"Comment on “{post.title}”",
                    )
                ]
            )
    except ContactsError as error:
        raise CommentsError(f"the contact was not added: {error}") from None
    return ContactResult(contact, created)

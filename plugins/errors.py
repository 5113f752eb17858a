"""The base of every exception a Nurture plugin raises for a user's mistake."""


class NurtureError(Exception):
    """A problem the user can fix; the message says what is wrong and how to fix it."""

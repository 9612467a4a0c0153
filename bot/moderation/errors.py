"""The moderators' refusals: one exception whose message is for the moderator."""

from __future__ import annotations


class ModerationError(Exception):
    """A change was refused; the message is for the moderator."""

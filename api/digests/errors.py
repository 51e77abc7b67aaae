"""The digest pipeline's errors, one tree:

    DigestError
    ├── SubscriptionError (ValueError)   a subscription that cannot be saved: say which field
    ├── DigestStoreError (RuntimeError)  the subscription/run store is down or failed
    └── CollectError                     Slack history could not be read completely
        └── ChannelUnreadable            the bot is not in the channel, or cannot see it

Slack's and psycopg's errors are translated at the boundary (`raise ... from exc`); messages
say what to do next.
"""

from __future__ import annotations

__all__ = [
    "ChannelUnreadable",
    "CollectError",
    "DigestError",
    "DigestStoreError",
    "SubscriptionError",
]


class DigestError(Exception):
    """Base of every digest pipeline error."""


class SubscriptionError(DigestError, ValueError):
    """A subscription that cannot be saved; the message names the field and the fix."""


class DigestStoreError(DigestError, RuntimeError):
    """The subscription and run store failed or is unreachable."""


class CollectError(DigestError):
    """The window's history could not be read completely (the run is retried later)."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"cannot read the history of <#{channel}>: {reason}")
        self.channel = channel
        self.reason = reason


class ChannelUnreadable(CollectError):
    """The bot cannot read the channel: it is not a member, or the channel is private/gone."""

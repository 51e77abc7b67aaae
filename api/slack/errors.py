"""The Slack adapter's errors, translated from `slack_sdk.errors` at the boundary.

SlackAdapterError
 ├── NoAccessError     the bot cannot read or post in the channel (invite it)
 └── SlackCallError    any other failed Web API call (method and Slack's error code)
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

__all__ = ["ACCESS_ERRORS", "NoAccessError", "SlackAdapterError", "SlackCallError", "translate"]

# What Slack answers when the bot is not in a channel (public: not_in_channel; private or
# unknown: channel_not_found) or may not act there.
ACCESS_ERRORS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "access_denied"}
)


class SlackAdapterError(Exception):
    """Base of the adapter's errors."""


class SlackCallError(SlackAdapterError):
    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"Slack {method}: {error}")
        self.method = method
        self.error = error


class NoAccessError(SlackCallError):
    """The bot is not in the channel (or it is private, archived, or restricted)."""


def translate(exc: SlackApiError, method: str) -> SlackCallError:
    """The adapter's error for a failed call (use with `raise ... from exc`)."""
    error = str(exc.response.get("error", "unknown_error")) if exc.response else "unknown_error"
    return (NoAccessError if error in ACCESS_ERRORS else SlackCallError)(method, error)

"""Channel and user ids as the registry keys them: Slack's ids, never display names.

A channel's name changes and is not unique across workspaces' shared channels; its id is stable.
Refusing lower-case names catches the common mistake of keying a setting by "#infra-oncall".
"""

from __future__ import annotations

import re

from . import messages
from .errors import PersonaConfigError

__all__ = ["check_channel_id", "check_user_id"]

_ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,63}$")


def check_channel_id(value: str) -> str:
    """`value` if it looks like a Slack channel id (C0123ABCD); PersonaConfigError otherwise."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise PersonaConfigError(messages.BAD_CHANNEL_ID.format(value=value))
    return value


def check_user_id(value: str) -> str:
    """`value` if it looks like a Slack user id (U0123ABCD); PersonaConfigError otherwise."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise PersonaConfigError(messages.BAD_USER_ID.format(value=value))
    return value

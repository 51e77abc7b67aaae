"""Slack history JSON → `DigestMessage`, and which messages a digest leaves out.

Builds on api/slack/convert.py's `to_message` (author, posting app, metadata event) and adds
where the message sits: ts, thread, reply count, channel and permalink. Permalinks are built
from the workspace URL in Slack's own format, so no chat.getPermalink call is spent per message.
Timestamps are handled as integer microseconds: Slack's `ts` has six decimals, and a float
cannot hold them exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from distiller.digest import DigestMessage

from ..slack.convert import to_message

__all__ = [
    "DIGEST_EVENT_TYPE",
    "HOUSEKEEPING_SUBTYPES",
    "LeftOut",
    "left_out",
    "micros_of",
    "permalink",
    "to_digest_message",
    "ts_micros",
    "ts_of_micros",
]

# The metadata event type our digest posts carry: the next digest must not digest the last one.
DIGEST_EVENT_TYPE = "slack_distiller_digest"

# Notices Slack writes into the channel about the channel itself (who joined or left, a new
# topic, a pin): nothing anyone said, so a digest leaves them out and counts them.
HOUSEKEEPING_SUBTYPES = frozenset(
    {
        "bot_add",
        "bot_remove",
        "channel_archive",
        "channel_convert_to_private",
        "channel_convert_to_public",
        "channel_join",
        "channel_leave",
        "channel_name",
        "channel_posting_permissions",
        "channel_purpose",
        "channel_topic",
        "channel_unarchive",
        "group_archive",
        "group_join",
        "group_leave",
        "group_name",
        "group_purpose",
        "group_topic",
        "group_unarchive",
        "pinned_item",
        "unpinned_item",
    }
)
# A deleted parent that still has replies stays in history as a tombstone ("This message was
# deleted."); its replies are real and are still read.
_DELETED_SUBTYPES = frozenset({"tombstone", "message_deleted"})

LeftOut = Literal["housekeeping", "own_digest", "deleted", "malformed"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def micros_of(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact, no float rounding)."""
    return (moment - _EPOCH) // _MICRO


def ts_micros(ts: str) -> int:
    """A Slack ts ('1712345678.000100') as integer microseconds; ValueError if it is not one."""
    seconds, _, fraction = ts.partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > 6:
        raise ValueError(f"not a Slack ts: {ts!r}")
    return int(seconds) * 1_000_000 + int(fraction.ljust(6, "0") or 0)


def ts_of_micros(micros: int) -> str:
    """Integer microseconds as a Slack ts string, six decimals."""
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def permalink(workspace_url: str, channel: str, ts: str, thread_ts: str | None = None) -> str:
    """Slack's permalink of a message: `{url}archives/{channel}/p{ts digits}`, and for a reply
    `?thread_ts={thread_ts}&cid={channel}` after it."""
    base = workspace_url if workspace_url.endswith("/") else workspace_url + "/"
    link = f"{base}archives/{channel}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return link


def left_out(message: Mapping[str, Any]) -> LeftOut | None:
    """Why a digest leaves `message` out (housekeeping notice, one of our own digests, deleted,
    no usable ts), or None to keep it."""
    try:
        ts_micros(str(message.get("ts") or ""))
    except ValueError:
        return "malformed"
    subtype = message.get("subtype")
    if subtype in _DELETED_SUBTYPES:
        return "deleted"
    if subtype in HOUSEKEEPING_SUBTYPES or message.get("hidden"):
        return "housekeeping"
    metadata = message.get("metadata") or {}
    if isinstance(metadata, Mapping) and metadata.get("event_type") == DIGEST_EVENT_TYPE:
        return "own_digest"
    return None


def to_digest_message(
    message: Mapping[str, Any], channel: str, workspace_url: str
) -> DigestMessage:
    """The digest engine's message for one Slack message from history or replies (call
    `left_out` first; a message without a valid ts raises pydantic's ValidationError)."""
    base = to_message(message)
    ts = str(message.get("ts") or "")
    thread_ts = message.get("thread_ts") or None
    return DigestMessage(
        **base.model_dump(exclude={"ts"}),
        ts=ts,
        thread_ts=thread_ts,
        reply_count=int(message.get("reply_count") or 0),
        channel=channel,
        permalink=permalink(workspace_url, channel, ts, thread_ts),
    )

"""Slack payloads → the core's own types (`distiller.Message`, `memory.Source/Visibility`).

The only place that knows Slack's message fields; everything past it sees the core's types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distiller import Message
from memory import Source, Visibility

__all__ = ["is_own", "is_thread_parent", "source_of", "to_message", "visibility_of"]

_APP_SUBTYPES = {"bot_message"}


def to_message(message: Mapping[str, Any]) -> Message:
    """A distiller Message from a Slack message (bot and metadata fields mapped)."""
    profile = message.get("bot_profile") or {}
    metadata = message.get("metadata") or {}
    bot_id = message.get("bot_id")
    return Message(
        text=str(message.get("text") or ""),
        user=message.get("user") or message.get("username") or bot_id,
        ts=message.get("ts"),
        posted_by_app=bool(
            bot_id or message.get("app_id") or message.get("subtype") in _APP_SUBTYPES
        ),
        app_name=(profile.get("name") or message.get("username")) if bot_id else None,
        metadata_event=metadata.get("event_type"),
    )


def is_thread_parent(message: Mapping[str, Any]) -> bool:
    """True when the message starts a thread with replies (the shortcut distills them all)."""
    ts = message.get("ts")
    return bool(message.get("reply_count")) or (
        message.get("thread_ts") == ts and bool(message.get("latest_reply"))
    )


def is_own(message: Mapping[str, Any], app_id: str | None, bot_id: str | None) -> bool:
    """True for a message this app posted (never react to it: no loops)."""
    profile = message.get("bot_profile") or {}
    return bool(
        (app_id and app_id in (message.get("app_id"), profile.get("app_id")))
        or (bot_id and message.get("bot_id") == bot_id)
    )


def visibility_of(channel_id: str, channel_type: str | None) -> Visibility:
    """Who may read what memory learns from this channel: everyone for a public channel, its
    members otherwise (private channels, DMs, and anything Slack did not say)."""
    # Channel ids do not tell public from private (both start with C), so no type means private.
    if channel_type == "channel":
        return Visibility.public(channel_id)
    return Visibility.private(channel_id)


def source_of(
    team: str,
    channel_id: str,
    channel_name: str,
    message: Mapping[str, Any],
    permalink: str,
    *,
    is_agent: bool,
) -> Source:
    """The memory provenance of one Slack message."""
    thread_ts = message.get("thread_ts")
    return Source(
        workspace=team,
        channel_id=channel_id,
        channel_name=channel_name,
        ts=str(message["ts"]),
        thread_ts=thread_ts if thread_ts and thread_ts != message.get("ts") else None,
        permalink=permalink,
        author=str(message.get("user") or message.get("bot_id") or ""),
        is_agent=is_agent,
    )

"""A digest as a Slack message: blocks within Slack's limits, its delivery, and finding it again.

Each post carries message metadata (`DIGEST_EVENT_TYPE`, the digest's key) so that a replica
taking over a run that died after posting finds the post instead of posting twice, and the
collector leaves our own digests out of the next one.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from distiller.digest import Digest

from ..slack.blocks import MAX_BLOCKS, check_blocks, neutralise, split_text
from ..slack.errors import translate
from .collect import DIGEST_EVENT_TYPE
from .subscription import Subscription

__all__ = [
    "destination",
    "digest_blocks",
    "fallback_text",
    "find_post",
    "may_receive",
    "post_digest",
    "post_text",
]

# Slack's notification text for the message: the digest's heading and TL;DR.
_FALLBACK_CHARS = 3_000
# How far back a takeover looks for the earlier attempt's post, in messages.
_FIND_LIMIT = 200


def digest_blocks(digest: Digest) -> list[dict[str, Any]]:
    """A heading, then section blocks in reading order, mass mentions made inert, at most
    `MAX_BLOCKS`: when the sections outnumber them, neighbours merge; only when they cannot
    merge under Slack's limits are the last parts replaced by a count (the engine's own limits
    on topics and items keep a digest far from that)."""
    texts: list[str] = [f"*Digest for {digest.channel or 'this channel'}*"]
    for section in digest.to_sections():
        text = str(section["text"])
        if section["id"] != "topic" and not section.get("part"):
            # A topic's title is its link; the other sections need theirs said.
            text = f"*{section['title']}*\n{text}"
        texts.extend(split_text(neutralise(text)))
    while len(texts) > MAX_BLOCKS:
        # Merge the two shortest neighbours: keeps order and stays under the section limit.
        pairs = [(len(texts[i]) + len(texts[i + 1]), i) for i in range(len(texts) - 1)]
        size, i = min(pairs)
        if size + 1 > 2_900:
            texts = [*texts[: MAX_BLOCKS - 1], f"…and {len(texts) - MAX_BLOCKS + 1} more parts"]
            break
        texts[i : i + 2] = [f"{texts[i]}\n{texts[i + 1]}"]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": t}} for t in texts]
    problems = check_blocks(blocks)
    if problems:  # a bug of ours, not the user's: say what broke rather than post garbage
        raise ValueError("digest blocks break Slack's limits: " + "; ".join(problems))
    return blocks


def fallback_text(digest: Digest) -> str:
    """The notification text: what a phone's lock screen shows."""
    head = f"Digest of {digest.channel}: " if digest.channel else "Digest: "
    return neutralise(head + digest.tldr)[:_FALLBACK_CHARS]


def _metadata(key: str) -> dict[str, Any]:
    return {"event_type": DIGEST_EVENT_TYPE, "event_payload": {"key": key}}


async def _call(client: AsyncWebClient, method: str, **params: Any) -> dict[str, Any]:
    try:
        response = await getattr(client, method)(**params)
    except SlackApiError as exc:
        raise translate(exc, method.replace("_", ".")) from exc
    return dict(response.data)  # type: ignore[arg-type]


async def destination(client: AsyncWebClient, sub: Subscription) -> str:
    """The conversation the digest goes to: the channel, or the person's DM (opened once)."""
    if not sub.to_person:
        return sub.channel
    opened = await _call(client, "conversations_open", users=sub.recipient)
    return str((opened.get("channel") or {}).get("id") or "")


async def may_receive(client: AsyncWebClient, sub: Subscription) -> bool:
    """Whether the recipient may read the channel's digest: anyone in the workspace for a
    public channel, only its members for a private one (a DM must not leak it)."""
    if not sub.to_person:
        return True
    info = (await _call(client, "conversations_info", channel=sub.channel)).get("channel") or {}
    if not info.get("is_private"):
        return True
    cursor = None
    while True:
        page = await _call(
            client, "conversations_members", channel=sub.channel, cursor=cursor, limit=1000
        )
        if sub.recipient in (page.get("members") or []):
            return True
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return False


async def post_digest(
    client: AsyncWebClient, sub: Subscription, digest: Digest, key: str
) -> tuple[str, str]:
    """Post the digest; (channel, ts) of the post. SlackCallError when Slack refuses."""
    where = await destination(client, sub)
    posted = await _call(
        client,
        "chat_postMessage",
        channel=where,
        text=fallback_text(digest),
        blocks=digest_blocks(digest),
        metadata=_metadata(key),
        unfurl_links=False,
        unfurl_media=False,
    )
    return where, str(posted.get("ts") or "")


async def post_text(
    client: AsyncWebClient, sub: Subscription, text: str, key: str
) -> tuple[str, str]:
    """Post a one-line notice (a quiet day) with the digest's metadata; (channel, ts)."""
    where = await destination(client, sub)
    posted = await _call(
        client, "chat_postMessage", channel=where, text=neutralise(text), metadata=_metadata(key)
    )
    return where, str(posted.get("ts") or "")


async def find_post(
    client: AsyncWebClient, sub: Subscription, key: str, since: float
) -> tuple[str, str] | None:
    """The earlier attempt's post of digest `key` made after `since`, as (channel, ts), or None.
    SlackCallError when the history cannot be read (the caller then does not post)."""
    where = await destination(client, sub)
    found = await _call(
        client,
        "conversations_history",
        channel=where,
        oldest=f"{since - 1:.6f}",
        limit=_FIND_LIMIT,
        include_all_metadata=True,
    )
    for message in found.get("messages") or []:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == DIGEST_EVENT_TYPE and payload.get("key") == key:
            return where, str(message.get("ts"))
    return None

"""Distilling for Slack: source from Slack messages, distillation for a persona, the answer.

Shared by the shortcut, the buttons and the message events, so the three agree on what a
source is (one message's text, or a thread as speaker-tagged messages) and how it is shown.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from audience import Persona
from distiller import Distillation

from . import messages
from .blocks import ResultView, check_blocks, fallback_text, notice_blocks, result_blocks
from .feedback import Stored
from .runtime import SlackRuntime

__all__ = [
    "MAX_THREAD_MESSAGES",
    "distill_for",
    "ephemeral",
    "notice",
    "read_thread",
    "view_of",
]

log = logging.getLogger("api.slack")

# A thread longer than this is distilled from its first messages; the engine's input limit
# would cut it anyway, and each page is a rate-limited call.
MAX_THREAD_MESSAGES = 1000
_PAGE = 200


def _speaker(message: dict[str, Any]) -> str | None:
    profile = message.get("bot_profile") or {}
    return message.get("user") or profile.get("name") or message.get("username")


async def read_thread(rt: SlackRuntime, channel: str, ts: str) -> list[dict[str, Any]]:
    """The thread under `ts` as [{"user": display name, "text", "ts"}] (NoAccessError if the
    bot cannot read the channel)."""
    found: list[dict[str, Any]] = []
    cursor = None
    while len(found) < MAX_THREAD_MESSAGES:
        page = await rt.call(
            "conversations_replies", channel=channel, ts=ts, limit=_PAGE, cursor=cursor
        )
        found += page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor or not page.get("has_more", True):
            break
    ids = {s for m in found if (s := m.get("user"))}
    names = dict(zip(ids, await asyncio.gather(*(rt.user_name(u) for u in ids)), strict=True))
    return [
        {
            "user": names.get(m.get("user", ""), _speaker(m)),
            "text": m.get("text") or "",
            "ts": m.get("ts"),
        }
        for m in found[:MAX_THREAD_MESSAGES]
        if (m.get("text") or "").strip()
    ]


def distill_for(rt: SlackRuntime, source: list[dict[str, Any]], persona: Persona) -> Distillation:
    """Distill `source` (one message: its text; more: the thread) for `persona`. Blocking."""
    services = rt.services()
    text_or_thread: Any = source[0]["text"] if len(source) == 1 else source
    result = services.distill.engine.distill(text_or_thread, persona.to_spec())
    services.metrics.distilled(result)
    return result


def view_of(rt: SlackRuntime, stored: Stored, **changes: Any) -> ResultView:
    """The view of a stored distillation (for re-rendering after a button press)."""
    fields: dict[str, Any] = {
        "id": stored.id,
        "result": stored.result,
        "why": stored.why,
        "permalink": stored.permalink,
        "messages": len(stored.source),
        "personas": persona_names(rt),
    }
    fields.update(changes)
    return ResultView(**fields)


def persona_names(rt: SlackRuntime) -> tuple[str, ...]:
    return tuple(rt.registry.personas())


def ephemeral(
    view: ResultView, *, thread_ts: str | None = None, replace: bool = False
) -> dict[str, Any]:
    """The response_url body showing `view` to the person who asked (and only them)."""
    blocks = result_blocks(view)
    problems = check_blocks(blocks)
    if problems:  # never send what Slack would reject: the text alone still helps
        log.error(messages.LOG_INVALID_BLOCKS.format(problems="; ".join(problems)))
        blocks = notice_blocks(view.result.render_mrkdwn())
    body: dict[str, Any] = {
        "response_type": "ephemeral",
        "replace_original": replace,
        "text": fallback_text(view.result),
        "blocks": blocks,
    }
    if thread_ts:
        body["thread_ts"] = thread_ts
    return body


def notice(text: str, *, thread_ts: str | None = None, replace: bool = False) -> dict[str, Any]:
    """A response_url body with a short ephemeral notice."""
    body: dict[str, Any] = {
        "response_type": "ephemeral",
        "replace_original": replace,
        "text": text,
        "blocks": notice_blocks(text),
    }
    if thread_ts:
        body["thread_ts"] = thread_ts
    return body

"""Message events: in channels with auto mode on, verbose agent messages become memory.

Detection → distillation for the channel's persona → a memory record with provenance
(permalink) and visibility (public or members only); optionally a TL;DR reply in the thread.
Edits replace the record, deletions remove it. Slack's retries are dropped by event id and the
app's own messages are never processed (a TL;DR reply must not trigger another).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from distiller import DistillerError
from distiller.detect import detect
from memory import Kind, MemoryStoreError

from . import messages
from .blocks import neutralise
from .convert import is_own, source_of, to_message, visibility_of
from .deferred import ack_then
from .distilling import distill_for
from .errors import NoAccessError, SlackCallError
from .persona import choose_persona, profile_of
from .runtime import SlackRuntime

__all__ = ["handle_message_event", "register"]

log = logging.getLogger("api.slack")

# Subtypes that are a person's or an app's new message; the others (joins, topic changes…)
# carry nothing to distill.
_NEW = {None, "bot_message", "thread_broadcast", "file_share", "me_message"}


def register(bolt: AsyncApp, rt: SlackRuntime) -> None:
    async def on_message(body: dict[str, Any]) -> None:
        try:
            outcome = await handle_message_event(rt, body)
        except Exception:
            event = body.get("event") or {}
            log.exception(
                messages.LOG_EVENT_FAILED.format(
                    event_id=body.get("event_id"), channel=event.get("channel")
                )
            )
            outcome = "error"
        rt.metrics.events.labels(outcome).inc()

    bolt.event("message")(ack_then(rt.background, on_message))


async def handle_message_event(rt: SlackRuntime, body: dict[str, Any]) -> str:
    """Process one `message` event callback; returns the outcome for the metrics."""
    event = body.get("event") or {}
    event_id = body.get("event_id")
    if event_id and not await rt.run(rt.settings.first_time, event_id):
        log.info(messages.LOG_DUPLICATE_EVENT.format(event_id=event_id))
        return "duplicate"
    team = str(body.get("team_id") or "")
    channel = str(event.get("channel") or "")
    subtype = event.get("subtype")
    memory = rt.services().memory
    if subtype == "message_deleted":
        await rt.run(memory.delete_source, team, channel, str(event.get("deleted_ts")))
        return "deleted"
    edited = subtype == "message_changed"
    message = (event.get("message") or {}) if edited else event
    if not edited and subtype not in _NEW:
        return "skipped"
    if is_own(message, body.get("api_app_id"), rt.bot_id) or (
        rt.bot_user_id and message.get("user") == rt.bot_user_id
    ):
        return "own"
    if edited:  # the old wording is stale whatever happens next
        await rt.run(memory.delete_source, team, channel, str(message.get("ts")))
    settings = await rt.run(rt.settings.channel, channel)
    if not settings.auto:
        return "updated" if edited else "skipped"
    detection = await rt.run_cpu(detect, to_message(message), rt.config.detect_threshold)
    if not detection.verbose_agent:
        return "updated" if edited else "not_flagged"
    return await _ingest(rt, body, message, reply=settings.reply and not edited)


async def _ingest(
    rt: SlackRuntime, body: dict[str, Any], message: dict[str, Any], *, reply: bool
) -> str:
    event = body["event"]
    team, channel = str(body.get("team_id") or ""), str(event["channel"])
    try:
        info: dict[str, Any] | None = await rt.channel_info(channel)
    except NoAccessError:
        info = None
    profile = profile_of(channel, info)
    choice = await rt.run_cpu(
        choose_persona, rt.registry, rt.inferrer, profile, default=rt.config.default_persona
    )
    source = [{"user": message.get("user"), "text": message.get("text") or "", "ts": message["ts"]}]
    try:
        result = await rt.run_cpu(distill_for, rt, source, choice.persona)
    except DistillerError:
        return "not_distilled"
    permalink = await rt.permalink(channel, message["ts"])
    provenance = source_of(team, channel, profile.name, message, permalink, is_agent=True)
    try:
        await rt.run_cpu(
            rt.services().memory.add,
            result.render_text(),
            source=provenance,
            visibility=visibility_of(channel, event.get("channel_type")),
            kind=Kind.SUMMARY,
            tags=("slack", choice.persona.name),
        )
    except MemoryStoreError as exc:
        log.warning(messages.LOG_MEMORY_FAILED.format(channel=channel, error=exc))
        return "memory_error"
    if not reply:
        return "ingested"
    try:
        await rt.call(
            "chat_postMessage",
            channel=channel,
            thread_ts=message.get("thread_ts") or message["ts"],
            text=neutralise(messages.AUTO_REPLY.format(tldr=result.tldr)),
            unfurl_links=False,
        )
    except SlackCallError:
        return "ingested"
    return "replied"

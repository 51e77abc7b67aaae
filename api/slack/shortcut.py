"""The "distill" message shortcut: ack at once, answer ephemerally via response_url.

The ack makes no network call (Slack gives 3 seconds and shows an error after). The work runs
after the ack has been sent (deferred.py): read the thread if the message starts one, pick the
persona, distill in a worker thread, store the result for the buttons, post the answer.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncApp

from distiller import DistillerError

from . import messages
from .blocks import ResultView
from .convert import is_thread_parent
from .deferred import ack_then
from .distilling import distill_for, ephemeral, notice, persona_names, read_thread
from .errors import NoAccessError
from .persona import choose_persona, profile_of
from .runtime import SlackRuntime

__all__ = ["CALLBACK_ID", "answer_shortcut", "register"]

log = logging.getLogger("api.slack")

CALLBACK_ID = "distill"


def register(bolt: AsyncApp, rt: SlackRuntime) -> None:
    async def distill_shortcut(body: dict[str, Any]) -> None:
        started = time.monotonic()
        try:
            outcome = await answer_shortcut(rt, body)
        except Exception:
            channel = (body.get("channel") or {}).get("id")
            log.exception(messages.LOG_SHORTCUT_FAILED.format(channel=channel, user=_user(body)))
            await rt.respond(body["response_url"], notice(messages.INTERNAL_ERROR))
            outcome = "error"
        rt.metrics.shortcuts.labels(outcome).inc()
        rt.metrics.result_seconds.observe(time.monotonic() - started)

    bolt.message_shortcut(CALLBACK_ID)(ack_then(rt.background, distill_shortcut))


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


async def answer_shortcut(rt: SlackRuntime, body: dict[str, Any]) -> str:
    """Distill the message (or thread) of a message_action payload and post the answer;
    returns the outcome for the metrics (ok, no_access, empty, failed)."""
    channel = body["channel"]["id"]
    name = body["channel"].get("name") or ""
    message = body["message"]
    url = body["response_url"]
    team = (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "")
    thread_ts = message.get("thread_ts")
    where = f"<#{channel}>"
    try:
        info: dict[str, Any] | None = await rt.channel_info(channel)
        member = bool(info.get("is_member", True)) if info else False
    except NoAccessError:
        info, member = None, False

    if is_thread_parent(message):
        try:
            source = await read_thread(rt, channel, message["ts"])
        except NoAccessError:
            what = "thread"
            await rt.respond(url, notice(messages.NOT_IN_CHANNEL.format(where=where, what=what)))
            return "no_access"
    else:
        source = [
            {"user": message.get("user"), "text": message.get("text") or "", "ts": message["ts"]}
        ]
    if not any(m["text"].strip() for m in source):
        await rt.respond(url, notice(messages.NOTHING_TO_DISTILL, thread_ts=thread_ts))
        return "empty"

    profile = profile_of(channel, info, name)
    choice = await rt.run_cpu(
        choose_persona,
        rt.registry,
        rt.inferrer,
        profile,
        reader_id=_user(body),
        default=rt.config.default_persona,
    )
    try:
        result = await rt.run_cpu(distill_for, rt, source, choice.persona)
    except DistillerError as exc:
        reason = messages.DISTILL_FAILED.format(reason=exc)
        await rt.respond(url, notice(reason, thread_ts=thread_ts))
        return "failed"
    permalink = await rt.permalink(channel, message["ts"]) if member else ""
    stored_id = await rt.run(
        rt.log.save,
        team=team,
        channel=channel,
        ts=message["ts"],
        thread_ts=thread_ts,
        requested_by=_user(body),
        why=choice.why,
        permalink=permalink,
        source=source,
        result=result,
    )
    view = ResultView(
        id=stored_id,
        result=result,
        why=choice.why,
        permalink=permalink,
        messages=len(source),
        personas=persona_names(rt),
        can_share=member,
        note=None if member else messages.NOT_IN_CHANNEL_PARTIAL.format(where=where),
    )
    await rt.respond(url, ephemeral(view, thread_ts=thread_ts))
    return "ok"

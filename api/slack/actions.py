"""The answer's buttons: Share in thread, Another persona, 👍/👎.

Each acks at once and acts after, from the stored distillation (the id is the button's value):
no need to read Slack again, and the same answer is what gets shared or rated.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from slack_bolt.async_app import AsyncApp

from audience import UnknownPersonaError

from . import messages
from .blocks import (
    ACTION_DOWN,
    ACTION_PERSONA,
    ACTION_SHARE,
    ACTION_UP,
    check_blocks,
    fallback_text,
    neutralise,
    notice_blocks,
    shared_blocks,
)
from .deferred import ack_then
from .distilling import distill_for, ephemeral, notice, view_of
from .errors import NoAccessError
from .feedback import Vote
from .persona import PersonaChoice
from .runtime import SlackRuntime

__all__ = ["register"]

log = logging.getLogger("api.slack")


def _action(body: dict[str, Any]) -> dict[str, Any]:
    return dict(body["actions"][0])


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def register(bolt: AsyncApp, rt: SlackRuntime) -> None:
    async def share(body: dict[str, Any]) -> None:
        await share_in_thread(rt, body)

    async def another_persona(body: dict[str, Any]) -> None:
        await redistill(rt, body)

    async def vote(body: dict[str, Any]) -> None:
        await record_vote(rt, body)

    bolt.action(ACTION_SHARE)(ack_then(rt.background, share))
    bolt.action(ACTION_PERSONA)(ack_then(rt.background, another_persona))
    bolt.action(ACTION_UP)(ack_then(rt.background, vote))
    bolt.action(ACTION_DOWN)(ack_then(rt.background, vote))


async def share_in_thread(rt: SlackRuntime, body: dict[str, Any]) -> None:
    """Post the stored distillation publicly in the source's thread, mentions neutralised."""
    url = body["response_url"]
    stored = await rt.run(rt.log.get, _action(body)["value"])
    if stored is None:
        await rt.respond(url, notice(messages.EXPIRED))
        return
    blocks = shared_blocks(view_of(rt, stored), _user(body))
    if check_blocks(blocks):  # never post what Slack would reject; the text alone still helps
        blocks = notice_blocks(neutralise(stored.result.render_mrkdwn()))
    try:
        await rt.call(
            "chat_postMessage",
            channel=stored.channel,
            thread_ts=stored.root_ts,
            text=fallback_text(stored.result),
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
    except NoAccessError:
        where = f"<#{stored.channel}>"
        await rt.respond(url, notice(messages.CANNOT_POST.format(where=where)))
        return
    await rt.respond(url, notice(messages.SHARED))


async def redistill(rt: SlackRuntime, body: dict[str, Any]) -> None:
    """Distill the stored source again for the persona picked in the select; replace the answer."""
    url = body["response_url"]
    stored_id, _, name = _action(body)["selected_option"]["value"].partition(":")
    stored = await rt.run(rt.log.get, stored_id)
    if stored is None:
        await rt.respond(url, notice(messages.EXPIRED))
        return
    try:
        persona = await rt.run(rt.registry.persona, name)
    except UnknownPersonaError:
        names = ", ".join(sorted(rt.registry.personas()))
        await rt.respond(url, notice(messages.PERSONA_UNKNOWN.format(name=name, personas=names)))
        return
    where = stored.why.partition(":")[0] or f"for <#{stored.channel}>"
    choice = PersonaChoice(persona, messages.PERSONA_PICKED.format(where=where, persona=name))
    result = await rt.run_cpu(distill_for, rt, stored.source, choice.persona)
    new_id = await rt.run(
        rt.log.save,
        team=stored.team,
        channel=stored.channel,
        ts=stored.ts,
        thread_ts=stored.thread_ts,
        requested_by=_user(body),
        why=choice.why,
        permalink=stored.permalink,
        source=stored.source,
        result=result,
    )
    fresh = await rt.run(rt.log.get, new_id)
    assert fresh is not None  # just written
    await rt.respond(url, ephemeral(view_of(rt, fresh), replace=True))


async def record_vote(rt: SlackRuntime, body: dict[str, Any]) -> None:
    """Store the person's 👍/👎, count it in /metrics, show the answer with the vote."""
    action = _action(body)
    vote = cast(Vote, "up" if action["action_id"] == ACTION_UP else "down")
    url = body["response_url"]
    if not await rt.run(rt.log.vote, action["value"], _user(body), vote):
        await rt.respond(url, notice(messages.EXPIRED))
        return
    rt.metrics.feedback.labels(vote).inc()
    log.info(messages.LOG_FEEDBACK.format(vote=vote, id=action["value"], user=_user(body)))
    stored = await rt.run(rt.log.get, action["value"])
    if stored is not None:
        await rt.respond(url, ephemeral(view_of(rt, stored, vote=vote), replace=True))

"""`/distill`: the channel's persona (show, set, clear), auto mode, the digest (digest_command.py).

Acks at once (empty), answers ephemerally via response_url once the work is done. Anyone in
the channel may change its settings, as with a channel topic; each change records who made it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from audience import UnknownPersonaError

from . import messages
from .deferred import ack_then
from .digest_command import answer_digest
from .distilling import notice
from .errors import NoAccessError
from .persona import choose_persona, profile_of
from .runtime import SlackRuntime
from .settings_store import ChannelSettings

__all__ = ["COMMAND", "answer_command", "register"]

COMMAND = "/distill"
_ON_OFF = {"on": True, "off": False}


def register(bolt: AsyncApp, rt: SlackRuntime) -> None:
    async def run_command(body: dict[str, Any]) -> None:
        text = await answer_command(rt, body)
        await rt.respond(body["response_url"], notice(text))

    bolt.command(COMMAND)(ack_then(rt.background, run_command))


def _help(rt: SlackRuntime) -> str:
    return messages.COMMAND_HELP.format(personas=", ".join(sorted(rt.registry.personas())))


async def answer_command(rt: SlackRuntime, body: dict[str, Any]) -> str:
    """The reply to one `/distill ...` (a slash-command payload)."""
    words = str(body.get("text") or "").lower().split()
    channel = str(body.get("channel_id") or "")
    user = str(body.get("user_id") or "")
    match words:
        case [] | ["help"]:
            return _help(rt)
        case ["persona"]:
            return messages.PERSONA_SHOW.format(why=await _why(rt, body))
        case ["persona", "clear" | "reset" | "unset"]:
            had = await rt.run(rt.registry.clear_channel_persona, channel)
            template = messages.PERSONA_CLEARED if had else messages.PERSONA_NOT_SET
            return template.format(why=await _why(rt, body))
        case ["persona", name]:
            try:
                await rt.run(rt.registry.set_channel_persona, channel, name, source=f"slack:{user}")
            except UnknownPersonaError:
                names = ", ".join(sorted(rt.registry.personas()))
                return messages.PERSONA_UNKNOWN.format(name=name, personas=names)
            return messages.PERSONA_SET.format(channel=channel, persona=name)
        case ["auto"]:
            return await _auto_state(rt, await rt.run(rt.settings.channel, channel))
        case ["auto", "on" | "off" as state]:
            new = await rt.run(rt.settings.update, channel, auto=_ON_OFF[state], by=user)
            return await _auto_state(rt, new)
        case ["auto", "reply", "on" | "off" as state]:
            new = await rt.run(rt.settings.update, channel, reply=_ON_OFF[state], by=user)
            return await _auto_state(rt, new)
        case ["digest", *_]:
            return await answer_digest(rt, body)
    return messages.COMMAND_UNKNOWN.format(text=" ".join(words), help=_help(rt))


async def _why(rt: SlackRuntime, body: dict[str, Any]) -> str:
    channel = str(body.get("channel_id") or "")
    try:
        info: dict[str, Any] | None = await rt.channel_info(channel)
    except NoAccessError:
        info = None
    profile = profile_of(channel, info, str(body.get("channel_name") or ""))
    choice = await rt.run_cpu(
        choose_persona, rt.registry, rt.inferrer, profile, default=rt.config.default_persona
    )
    return choice.why


async def _auto_state(rt: SlackRuntime, settings: ChannelSettings) -> str:
    hint = messages.AUTO_HINT_ON if settings.auto else messages.AUTO_HINT_OFF
    if settings.auto:
        try:
            info = await rt.channel_info(settings.channel_id)
            member = bool(info.get("is_member", True))
        except NoAccessError:
            member = False
        if not member:
            hint += messages.AUTO_NEEDS_MEMBER
    return messages.AUTO_STATE.format(
        auto="on" if settings.auto else "off",
        reply="on" if settings.reply else "off",
        channel=settings.channel_id,
        hint=hint,
    )

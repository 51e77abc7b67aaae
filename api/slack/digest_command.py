"""`/distill digest …`: subscribe a channel (or yourself, by DM) to its digest, see it, stop it.

    /distill digest                          this channel's digests and how the last ones went
    /distill digest daily 9:00               post here every day at 9:00 (your time zone)
    /distill digest weekly mon 17:30 Europe/Paris persona leadership quiet
    /distill digest dm daily 8am             the same, sent to you as a DM
    /distill digest off | /distill digest dm off
    /distill digest preview                  the digest of the last 24 hours, only to you

The time zone defaults to the one in the caller's Slack profile; `quiet` posts "no activity" on
quiet days (the default posts nothing).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from distiller.digest.render import local_time

from ..digests import (
    CHANNEL_RECIPIENT,
    WEEKDAYS,
    DigestStoreError,
    Subscription,
    SubscriptionError,
    SubscriptionState,
    Window,
    next_boundary,
)
from ..digests.config_file import parse_weekday
from . import messages
from .runtime import SlackRuntime

__all__ = ["DigestArgs", "answer_digest", "parse_digest_args"]

_TIME_RE = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
# Preview covers this much history: "what would today's digest say".
PREVIEW_HOURS = 24


@dataclass
class DigestArgs:
    """What `/distill digest …` asked for."""

    action: str = "status"  # status | subscribe | off | preview
    dm: bool = False
    fields: dict[str, Any] = field(default_factory=dict)


def _time(token: str) -> tuple[int, int] | None:
    found = _TIME_RE.match(token)
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    suffix = (found.group(3) or "").lower()
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def parse_digest_args(tokens: list[str], personas: Collection[str]) -> DigestArgs:
    """The words after `digest`, as typed (zones are case-sensitive). SubscriptionError with
    a message saying which word was not understood and what would be."""
    args = DigestArgs()
    words = list(tokens)
    if words and words[0].lower() == "dm":
        args.dm = True
        words.pop(0)
    if not words:
        return args
    head = words[0].lower()
    if head in ("off", "stop", "unsubscribe") and len(words) == 1:
        args.action = "off"
        return args
    if head in ("preview", "now") and len(words) == 1:
        args.action = "preview"
        return args
    args.action = "subscribe"
    fields = args.fields
    i = 0
    while i < len(words):
        word, low = words[i], words[i].lower()
        if low in ("daily", "weekly"):
            fields["cadence"] = low
        elif low[:3] in WEEKDAYS and low.isalpha():
            fields["weekday"] = parse_weekday(low)
            fields.setdefault("cadence", "weekly")
        elif low == "at":
            pass
        elif low == "quiet":
            fields["quiet"] = "post"
        elif low == "persona" and i + 1 < len(words):
            i += 1
            fields["persona"] = words[i].lower()
        elif low in personas:
            fields["persona"] = low
        elif (found := _time(low)) is not None:
            fields["hour"], fields["minute"] = found
        elif "/" in word or word.upper() in ("UTC", "GMT"):
            fields["timezone"] = "UTC" if word.upper() in ("UTC", "GMT") else word
        else:
            raise SubscriptionError(messages.DIGEST_BAD_WORD.format(word=word))
        i += 1
    persona = fields.get("persona")
    if persona is not None and persona not in personas:
        raise SubscriptionError(
            messages.PERSONA_UNKNOWN.format(name=persona, personas=", ".join(sorted(personas)))
        )
    return args


async def _user_zone(rt: SlackRuntime, user: str) -> str | None:
    return (await rt.user_info(user)).get("tz") or None


def _status_line(state: SubscriptionState, now: datetime) -> str:
    sub = state.subscription
    where = (
        messages.DIGEST_HERE if not sub.to_person else messages.DIGEST_DM.format(user=sub.recipient)
    )
    persona = sub.persona or messages.DIGEST_CHANNEL_PERSONA
    line = messages.DIGEST_STATUS_LINE.format(
        where=where,
        when=sub.describe(),
        persona=persona,
        next=local_time(next_boundary(sub, now), sub.timezone),
    )
    run = state.last_run
    if run is not None:
        if run.status == "failed" and run.error:
            line += messages.DIGEST_LAST_FAILED.format(error=run.error)
        elif run.status in ("posted", "quiet"):
            line += messages.DIGEST_LAST_OK.format(
                status=run.status, at=local_time(run.window.end, sub.timezone)
            )
    if not sub.enabled:
        line += messages.DIGEST_DISABLED
    return line


async def answer_digest(rt: SlackRuntime, body: dict[str, Any]) -> str:
    """The reply to `/distill digest …` (a slash-command payload); never raises for bad input."""
    channel = str(body.get("channel_id") or "")
    user = str(body.get("user_id") or "")
    tokens = str(body.get("text") or "").split()[1:]
    store = rt.services().digests
    try:
        args = parse_digest_args(tokens, rt.registry.personas())
        recipient = user if args.dm else CHANNEL_RECIPIENT
        sub_id = f"{channel}:{recipient}"
        if args.action == "status":
            states = [
                s
                for s in await rt.run(store.subscriptions, channel)
                if not s.subscription.to_person or s.subscription.recipient == user
            ]
            if not states:
                return messages.DIGEST_NONE.format(channel=channel)
            now = datetime.now(UTC)
            return "\n".join(_status_line(s, now) for s in states)
        if args.action == "off":
            had = await rt.run(store.delete, sub_id)
            return messages.DIGEST_OFF if had else messages.DIGEST_NOT_SUBSCRIBED
        if args.action == "preview":
            return await _preview(rt, channel, user)
        current = await rt.run(store.get, sub_id)
        # A change keeps what it does not mention; a new subscription takes the caller's zone.
        base = current.subscription.model_dump() if current else {}
        fields = {**base, "channel": channel, "recipient": recipient, **args.fields}
        if "timezone" not in fields:
            fields["timezone"] = await _user_zone(rt, user) or "UTC"
        sub = Subscription(**{**fields, "created_by": f"slack:{user}"})
        await rt.run(store.put, sub)
    except SubscriptionError as exc:
        return messages.DIGEST_USAGE_ERROR.format(error=exc)
    except ValidationError as exc:
        errors = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        return messages.DIGEST_USAGE_ERROR.format(error=errors)
    except DigestStoreError as exc:
        return messages.DIGEST_STORE_DOWN.format(error=exc)
    where = messages.DIGEST_HERE if not sub.to_person else messages.DIGEST_DM.format(user=user)
    return messages.DIGEST_SAVED.format(
        where=where,
        when=sub.describe(),
        next=local_time(next_boundary(sub, datetime.now(UTC)), sub.timezone),
    )


async def _preview(rt: SlackRuntime, channel: str, user: str) -> str:
    """The last 24 hours' digest, for the caller only: nothing posted, nothing recorded."""
    end = datetime.now(UTC)
    window = Window(start=end - timedelta(hours=PREVIEW_HOURS), end=end)
    current = await rt.run(rt.services().digests.get, f"{channel}:{CHANNEL_RECIPIENT}")
    zone = await _user_zone(rt, user) or "UTC"
    sub = current.subscription if current else Subscription(channel=channel, timezone=zone)
    outcome = await rt.digests.run(sub, window, post=False)
    if outcome.digest is None:
        return outcome.error or messages.DIGEST_PREVIEW_FAILED
    return outcome.digest.render_mrkdwn()

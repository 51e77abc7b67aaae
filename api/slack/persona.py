"""Which persona a Slack answer is written for, and a sentence saying why.

One small function over the audience package's precedence (explicit > the reader's own
preference for ephemeral answers > channel setting > inferred from the channel > default), so
the Slack surfaces all explain their choice the same way ("for #infra-oncall: oncall-engineer
(channel setting)").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audience import (
    DEFAULT_PERSONA,
    ChannelProfile,
    Inference,
    Persona,
    PersonaInferrer,
    PersonaRegistry,
    resolve_persona,
)

__all__ = ["CachedInferrer", "PersonaChoice", "choose_persona", "profile_of"]


@dataclass(frozen=True)
class PersonaChoice:
    persona: Persona
    why: str


class CachedInferrer(PersonaInferrer):
    """Inference reused per channel profile for `ttl` seconds: embedding a channel's topic on
    every click would cost a model call each time, for an answer that changes rarely."""

    def __init__(self, *args: Any, ttl: float = 300.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ttl = ttl
        self._cache: dict[tuple[ChannelProfile, tuple[str, ...]], tuple[float, Inference]] = {}
        self._cache_lock = threading.Lock()

    def infer(
        self, channel: ChannelProfile, personas: Mapping[str, Persona] | None = None
    ) -> Inference:
        key = (channel, tuple(sorted(personas or ())))
        now = time.monotonic()
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        found = super().infer(channel, personas)
        with self._cache_lock:
            if len(self._cache) > 10_000:  # bounded: channels come and go
                self._cache.clear()
            self._cache[key] = (now, found)
        return found


def profile_of(channel_id: str, info: Mapping[str, Any] | None, name: str = "") -> ChannelProfile:
    """The core's view of a channel from conversations.info (or just its name when unreadable)."""
    info = info or {}
    return ChannelProfile(
        id=channel_id,
        name=str(info.get("name") or name or ""),
        topic=str((info.get("topic") or {}).get("value") or ""),
        purpose=str((info.get("purpose") or {}).get("value") or ""),
    )


def choose_persona(
    registry: PersonaRegistry,
    inferrer: PersonaInferrer | None,
    profile: ChannelProfile,
    *,
    reader_id: str | None = None,
    explicit: str | None = None,
    default: str | None = None,
) -> PersonaChoice:
    """The persona for one answer in the channel of `profile`. `reader_id` is set only for
    answers that person alone sees; UnknownPersonaError for an unknown explicit name."""
    resolution = resolve_persona(
        registry,
        channel_id=profile.id,
        channel_name=profile.name or None,
        explicit=explicit,
        reader_id=reader_id,
        private_to_reader=reader_id is not None,
        inferrer=inferrer,
        profile=profile,
        default=default or DEFAULT_PERSONA,
    )
    return PersonaChoice(resolution.persona, resolution.explanation)

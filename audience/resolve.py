"""Which persona a result is written for, and why: the precedence every surface shares.

explicit (the request names one) > the reader's own preference (only for results only they
see, e.g. an ephemeral answer) > the channel's setting > inferred from the channel > default.
A preference never changes what others in the channel see, so it is skipped for shared posts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .inference import ChannelProfile, Inference, PersonaInferrer
from .persona import DEFAULT_PERSONA, Persona
from .registry import PersonaRegistry

__all__ = ["Resolution", "ResolutionSource", "resolve_persona"]

ResolutionSource = Literal["explicit", "reader", "channel", "inferred", "default"]

_WHY = {
    "explicit": "asked for in the request",
    "reader": "your own preference",
    "channel": "channel setting",
    "default": "default",
}


@dataclass(frozen=True)
class Resolution:
    """The persona to write for, where the choice came from, and a sentence saying so."""

    persona: Persona
    source: ResolutionSource
    explanation: str  # "for #infra-oncall: oncall-engineer (channel setting)"
    inference: Inference | None = None


def resolve_persona(
    registry: PersonaRegistry,
    *,
    channel_id: str | None = None,
    channel_name: str | None = None,
    explicit: str | None = None,
    reader_id: str | None = None,
    private_to_reader: bool = False,
    inferrer: PersonaInferrer | None = None,
    profile: ChannelProfile | Callable[[], ChannelProfile] | None = None,
    default: str = DEFAULT_PERSONA,
) -> Resolution:
    """Pick the persona for one result by the precedence above; UnknownPersonaError if an
    explicit or default name is unknown. `profile` may be a callable so that the channel is
    only fetched (and embedded) when inference is actually needed.
    """
    where = f"#{channel_name.lstrip('#')}" if channel_name else channel_id or "this request"

    def done(persona: Persona, source: ResolutionSource, why: str | None = None) -> Resolution:
        text = f"for {where}: {persona.name} ({why or _WHY[source]})"
        return Resolution(persona, source, text)

    if explicit:
        return done(registry.persona(explicit), "explicit")
    if reader_id and private_to_reader:
        preferred = registry.reader_persona(reader_id)
        if preferred is not None:
            return done(preferred, "reader", "your own preference; only you see this")
    if channel_id:
        configured = registry.channel_persona(channel_id)
        if configured is not None:
            return done(configured, "channel")
    if inferrer is not None and profile is not None:
        channel = profile() if callable(profile) else profile
        inference = inferrer.infer(channel, registry.personas())
        if not inference.fallback:
            reasons = ", ".join(inference.reasons)
            why = f"inferred from {reasons}; confidence {inference.confidence:.2f}"
            return Resolution(
                registry.persona(inference.persona),
                "inferred",
                f"for {where}: {inference.persona} ({why})",
                inference,
            )
        resolved = done(registry.persona(default), "default", f"default; {inference.reasons[0]}")
        return Resolution(resolved.persona, "default", resolved.explanation, inference)
    return done(registry.persona(default), "default")

"""/v1/personas and /v1/channels/{id}/persona: who a distillation is written for."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from audience import Persona

from ..auth import ApiKey
from ..deps import get_services, require
from ..problems import ApiProblem
from ..schemas import PROBLEM_RESPONSES
from ..state import Services

router = APIRouter(tags=["personas"], responses=PROBLEM_RESPONSES)


class ChannelPersona(BaseModel):
    """A channel's persona and why it applies."""

    channel_id: str
    persona: str
    source: str
    explanation: str


class ChannelPersonaUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    persona: str


@router.get("/v1/personas", response_model=list[Persona])
def personas(
    _: ApiKey = Depends(require(None)),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> list[Persona]:
    """Every persona a request may name: the built-ins, then custom ones."""
    return list(services.distill.personas.values())


@router.get("/v1/channels/{channel_id}/persona", response_model=ChannelPersona)
def channel_persona(
    channel_id: str,
    _: ApiKey = Depends(require(None)),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> ChannelPersona:
    """The persona distillations for this channel use, and where that choice comes from."""
    resolution = services.distill.resolve(None, channel_id)
    if resolution is None:  # pragma: no cover - a channel id always resolves
        raise ApiProblem(404, "Not found", "no persona applies")
    return ChannelPersona(
        channel_id=channel_id,
        persona=resolution.persona.name,
        source=resolution.source,
        explanation=resolution.explanation,
    )


@router.put("/v1/channels/{channel_id}/persona", response_model=ChannelPersona)
def set_channel_persona(
    channel_id: str,
    body: ChannelPersonaUpdate,
    _: ApiKey = Depends(require("admin")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> ChannelPersona:
    """Set the channel's persona (kept in the service's store); 422 lists valid names."""
    registry = services.distill.registry
    if registry is None:  # pragma: no cover - Services always opens one
        raise ApiProblem(503, "Store unavailable", "no persona registry is configured")
    try:
        registry.set_channel_persona(channel_id, body.persona, source="api")
    except ValueError as exc:
        raise ApiProblem(422, "Invalid request", str(exc)) from None
    return channel_persona(channel_id, _, services)

"""/v1/distill, /v1/detect and /v1/compose: the text surfaces for agents."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from distiller import Message
from distiller.detect import Detection, detect

from ..auth import ApiKey
from ..deps import get_services, require
from ..schemas import (
    PROBLEM_RESPONSES,
    ComposeRequest,
    ComposeResponse,
    DetectRequest,
    DistillRequest,
    DistillResponse,
)
from ..state import Services

router = APIRouter(tags=["distill"], responses=PROBLEM_RESPONSES)


# Plain `def` routes: FastAPI runs them in its thread pool, so CPU work never blocks the loop.
@router.post("/v1/distill", response_model=DistillResponse)
def distill(
    body: DistillRequest,
    _: ApiKey = Depends(require("distill")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> DistillResponse:
    """Distill a message or a thread for a persona; errors are problem+json."""
    source = body.text if body.text is not None else [m.model_dump() for m in body.messages or []]
    result = services.distill.distill(
        source, body.persona, body.budget_tokens, body.focus, body.format, body.channel_id
    )
    services.metrics.distilled(result)
    return DistillResponse.of(result)


@router.post("/v1/detect", response_model=Detection)
def detect_route(
    body: DetectRequest,
    _: ApiKey = Depends(require("distill")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> Detection:
    """Score a message: is it a verbose agent-written one? Never fails on odd text."""
    message = Message(text=body.text, posted_by_app=body.posted_by_app, app_name=body.app_name)
    return detect(message, threshold=body.threshold or services.settings.detect_threshold)


@router.post("/v1/compose", response_model=ComposeResponse)
def compose(
    body: ComposeRequest,
    _: ApiKey = Depends(require("distill")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> ComposeResponse:
    """The concise, persona-fit version of a message an agent is about to post."""
    result = services.distill.distill(
        body.text, body.persona, body.budget_tokens, channel_id=body.channel_id
    )
    services.metrics.distilled(result)
    return ComposeResponse(
        post=result.render_mrkdwn(),
        persona=result.persona,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        facts_summary=result.facts.summary(),
        distillation=result,
    )

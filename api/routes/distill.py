"""/v1/distill, /v1/detect and /v1/compose: the text surfaces for agents."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from distiller import Distillation, Message
from distiller.detect import Detection, detect
from distiller.result import OutputFormat
from distiller.thread import Source

from ..auth import ApiKey
from ..compute import ComputePool
from ..deps import get_compute, get_services, require
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


# Detection costs about 2 ms per 1,000 characters; up to this size it runs on the event loop,
# where it costs less than a hop to the thread pool and back (two GIL hand-offs and the pool's
# bookkeeping), or to a compute process (measured: 5.1 ms of CPU per ~1 KB request through two
# compute processes, 2.7 ms inline). Longer texts go to either, so one big paste cannot stall
# other requests.
INLINE_DETECT_CHARS = 4_000


async def _distill(
    services: Services,
    pool: ComputePool | None,
    source: Source,
    persona: str | None,
    budget_tokens: int | None,
    focus: Sequence[str] = (),
    output_format: OutputFormat | None = None,
    channel_id: str | None = None,
) -> Distillation:
    """`services.distill.distill(...)` in a compute worker when there is one, else a thread."""
    args = (persona, budget_tokens, focus, output_format, channel_id)
    if pool is not None and pool.runs(services.distill.engine):
        # The persona lookup reads the registry's SQLite: the thread pool, not the loop.
        spec = await run_in_threadpool(services.distill.spec, *args)
        result = await pool.distill(source, spec)
    else:
        result = await run_in_threadpool(services.distill.distill, source, *args)
    services.metrics.distilled(result)
    return result


# `async def` routes that send their CPU work to the thread pool themselves: a plain `def` route
# would also run FastAPI's response validation in the pool, a second hop per request.
@router.post("/v1/distill", response_model=DistillResponse)
async def distill(
    body: DistillRequest,
    _: ApiKey = Depends(require("distill")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
    pool: ComputePool | None = Depends(get_compute),  # noqa: B008
) -> DistillResponse:
    """Distill a message or a thread for a persona; errors are problem+json."""
    source = body.text if body.text is not None else [m.model_dump() for m in body.messages or []]
    result = await _distill(
        services,
        pool,
        source,
        body.persona,
        body.budget_tokens,
        body.focus,
        body.format,
        body.channel_id,
    )
    return DistillResponse.of(result)


@router.post("/v1/detect", response_model=Detection)
async def detect_route(
    body: DetectRequest,
    _: ApiKey = Depends(require("distill")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
    pool: ComputePool | None = Depends(get_compute),  # noqa: B008
) -> Detection:
    """Score a message: is it a verbose agent-written one? Never fails on odd text."""
    message = Message(text=body.text, posted_by_app=body.posted_by_app, app_name=body.app_name)
    threshold = body.threshold or services.settings.detect_threshold
    if len(body.text) <= INLINE_DETECT_CHARS:
        return detect(message, threshold=threshold)
    if pool is not None:
        return await pool.detect(message, threshold)
    return await run_in_threadpool(detect, message, threshold=threshold)


@router.post("/v1/compose", response_model=ComposeResponse)
async def compose(
    body: ComposeRequest,
    _: ApiKey = Depends(require("distill")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
    pool: ComputePool | None = Depends(get_compute),  # noqa: B008
) -> ComposeResponse:
    """The concise, persona-fit version of a message an agent is about to post."""
    result = await _distill(
        services, pool, body.text, body.persona, body.budget_tokens, channel_id=body.channel_id
    )
    return ComposeResponse(
        post=result.render_mrkdwn(),
        persona=result.persona,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        facts_summary=result.facts.summary(),
        distillation=result,
    )

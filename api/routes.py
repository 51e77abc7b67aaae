"""The /v1 routes for agents and the health probe."""

from __future__ import annotations

from fastapi import APIRouter, Request

from audience import BUILTIN_PERSONAS, Persona

from .schemas import DistillRequest, DistillResponse
from .service import DistillService

__all__ = ["router"]

router = APIRouter()


def _service(request: Request) -> DistillService:
    service: DistillService = request.app.state.service
    return service


@router.get("/healthz", tags=["ops"])
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


# Plain `def`: FastAPI runs it in the thread pool, so CPU-bound distilling never blocks the loop.
@router.post("/v1/distill", response_model=DistillResponse, tags=["distill"])
def distill(body: DistillRequest, request: Request) -> DistillResponse:
    """Distill a message or a thread for a persona; errors are problem+json."""
    source = body.text if body.text is not None else [m.model_dump() for m in body.messages or []]
    result = _service(request).distill(
        source, body.persona, body.budget_tokens, body.focus, body.format
    )
    return DistillResponse.of(result)


@router.get("/v1/personas", response_model=list[Persona], tags=["personas"])
def personas(request: Request) -> list[Persona]:
    """Every persona a request may name: the built-ins, then custom ones."""
    return [*BUILTIN_PERSONAS.values(), *_service(request).custom_personas.values()]

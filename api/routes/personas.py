"""/v1/personas: who a distillation can be written for."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from audience import BUILTIN_PERSONAS, Persona

from ..auth import ApiKey
from ..deps import get_services, require
from ..schemas import PROBLEM_RESPONSES
from ..state import Services

router = APIRouter(tags=["personas"], responses=PROBLEM_RESPONSES)


@router.get("/v1/personas", response_model=list[Persona])
def personas(
    _: ApiKey = Depends(require(None)),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> list[Persona]:
    """Every persona a request may name: the built-ins, then custom ones."""
    return [*BUILTIN_PERSONAS.values(), *services.distill.custom_personas.values()]

"""Health, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from ..deps import get_services
from ..digests import DigestStoreError
from ..metrics import CONTENT_TYPE
from ..problems import ApiProblem
from ..state import Services

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(services: Services = Depends(get_services)) -> dict[str, object]:  # noqa: B008
    """Readiness: models loaded, the memory and digest stores reachable; 503 otherwise."""
    try:
        stats = services.memory.stats()
    except Exception as exc:  # any store failure means not ready; the detail says which
        raise ApiProblem(503, "Not ready", f"memory store unreachable: {exc}") from None
    try:
        subscriptions = services.digests.count()
    except DigestStoreError as exc:
        raise ApiProblem(503, "Not ready", f"digest store unreachable: {exc}") from None
    return {
        "status": "ready",
        "engine": services.distill.engine.name,
        "embedder": services.embedder.name,
        "memory": {"backend": stats.backend, "records": stats.current},
        "digests": {"subscriptions": subscriptions},
    }


@router.get("/metrics", response_class=Response)
def metrics(services: Services = Depends(get_services)) -> Response:  # noqa: B008
    """Prometheus text: requests, latency, tokens in/out/saved, engine fallbacks."""
    return Response(services.metrics.render(), media_type=CONTENT_TYPE)

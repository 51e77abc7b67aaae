"""/v1/memory and /v1/context: the shared memory, filtered by the caller's key before ranking."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from starlette.concurrency import run_in_threadpool

from memory import Record, Source

from ..auth import ApiKey
from ..deps import get_services, require
from ..problems import ApiProblem
from ..schemas import (
    PROBLEM_RESPONSES,
    ContextRequest,
    ContextResponse,
    MemoryHit,
    MemorySearchRequest,
    MemoryWriteRequest,
    MemoryWriteResponse,
)
from ..state import Services

router = APIRouter(tags=["memory"], responses=PROBLEM_RESPONSES)

# `async def` routes that send the store call to the thread pool themselves: the store may
# embed with a model and waits on its lock while a write finishes, so it must not run on the
# event loop; and a plain `def` route would hop to the pool twice (FastAPI validates its
# response there too).


@router.post("/v1/memory", response_model=MemoryWriteResponse, status_code=201)
async def remember(
    body: MemoryWriteRequest,
    key: ApiKey = Depends(require("memory:write")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> MemoryWriteResponse:
    """Remember a statement: redacted, embedded, merged with duplicates, superseding stale ones."""
    visibility = key.write_visibility(body.visibility)
    source = Source(workspace=key.workspace, **body.source.model_dump())
    result = await run_in_threadpool(
        services.memory.add,
        body.text,
        source=source,
        visibility=visibility,
        kind=body.kind,
        tags=body.tags,
        principal=key.principal,
    )
    return MemoryWriteResponse(
        action=result.action, record=result.record, superseded=list(result.superseded)
    )


@router.post("/v1/memory/search", response_model=list[MemoryHit])
async def search(
    body: MemorySearchRequest,
    key: ApiKey = Depends(require("memory:read")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> list[MemoryHit]:
    """The records most similar to the query that this key may read, best first."""
    hits = await run_in_threadpool(
        services.memory.search,
        body.query,
        key.principal,
        k=body.k,
        include_history=body.include_history,
    )
    return [MemoryHit(score=hit.score, record=hit.record) for hit in hits]


@router.get("/v1/memory/{record_id}", response_model=Record)
async def get_record(
    record_id: str,
    key: ApiKey = Depends(require("memory:read")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> Record:
    """One record, if this key may read it (a forbidden id answers 404, like a missing one)."""
    return await run_in_threadpool(services.memory.get, record_id, key.principal)


@router.delete("/v1/memory/{record_id}", status_code=204)
async def delete_record(
    record_id: str,
    key: ApiKey = Depends(require("memory:write")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> Response:
    """Delete a record this key can read and write (gone from the index and the database)."""
    record = await run_in_threadpool(services.memory.get, record_id, key.principal)
    if not key.principal.can_write(record.visibility):
        raise ApiProblem(403, "Forbidden", "this key may read but not delete that record")
    await run_in_threadpool(services.memory.delete, [record.id])
    return Response(status_code=204)


@router.post("/v1/context", response_model=ContextResponse)
async def context(
    body: ContextRequest,
    key: ApiKey = Depends(require("memory:read")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> ContextResponse:
    """A token-budgeted block of cited statements for a prompt, from what this key may read."""
    pack = await run_in_threadpool(
        services.memory.context, body.query, key.principal, body.budget_tokens
    )
    return ContextResponse(
        text=pack.text,
        tokens=pack.tokens,
        budget_tokens=pack.budget_tokens,
        records=list(pack.records),
    )

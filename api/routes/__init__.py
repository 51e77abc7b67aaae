"""HTTP routes, one module per concept: ops (health, metrics), distill, memory, personas."""

from fastapi import FastAPI

from . import digests, distill, memory, ops, personas

__all__ = ["include_routes"]


def include_routes(app: FastAPI) -> None:
    """Mount every router on `app`."""
    for module in (ops, distill, memory, personas, digests):
        app.include_router(module.router)

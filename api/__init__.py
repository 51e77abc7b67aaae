"""api: the surfaces. FastAPI app, CLI, settings; the only package that knows HTTP or env vars."""

from .app import create_app
from .batch import BatchLine, LineOutcome, run_batch
from .service import DistillService
from .settings import Settings

__all__ = ["BatchLine", "DistillService", "LineOutcome", "Settings", "create_app", "run_batch"]

"""Errors of the LLM engine. None of them reaches a caller of `LLMEngine.distill`: each one
ends in the offline fallback, and its `reason` names the fallback in notes and in stats.
They surface only from the lower-level pieces (`ChatCaller`, `parse_draft`, the constructor).

    LLMError                     (a DistillerError)
    ├── LLMConfigError           the engine was built with settings that cannot work
    ├── LLMRequestError          the chat completion call failed; wraps openai.* errors
    │   ├── LLMTimeoutError          no answer within the engine's timeout
    │   ├── LLMRateLimitError        429, still limited after the retries
    │   ├── LLMServerError           5xx, still failing after the retries
    │   ├── LLMConnectionError       the server could not be reached
    │   └── LLMRejectedError         4xx other than 429: auth, model name, bad request
    │       └── SchemaUnsupportedError   400 to response_format=json_schema
    ├── LLMResponseError         an answer came but is unusable: no choices, not JSON, cut off
    ├── GuardRejectedError       the answer failed the faithfulness guard (findings attached)
    └── CircuitOpenError         the breaker is open: the LLM is skipped for a while
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from ..errors import DistillerError

if TYPE_CHECKING:
    from .guard import Finding

__all__ = [
    "CircuitOpenError",
    "GuardRejectedError",
    "LLMConfigError",
    "LLMConnectionError",
    "LLMError",
    "LLMRateLimitError",
    "LLMRejectedError",
    "LLMRequestError",
    "LLMResponseError",
    "LLMServerError",
    "LLMTimeoutError",
    "SchemaUnsupportedError",
]


class LLMError(DistillerError):
    """Base of the LLM engine's errors; `reason` is the short name used in notes and stats."""

    reason: ClassVar[str] = "error"


class LLMConfigError(LLMError, ValueError):
    """The engine's settings cannot work (no API key, no model, a timeout <= 0)."""

    reason = "config"


class LLMRequestError(LLMError):
    """The chat completion request failed."""

    reason = "request_failed"


class LLMTimeoutError(LLMRequestError):
    """No answer within the engine's timeout (retries and waits included)."""

    reason = "timeout"


class LLMRateLimitError(LLMRequestError):
    """The server kept answering 429."""

    reason = "rate_limited"


class LLMServerError(LLMRequestError):
    """The server kept answering 5xx."""

    reason = "server_error"


class LLMConnectionError(LLMRequestError):
    """The server could not be reached."""

    reason = "connection_error"


class LLMRejectedError(LLMRequestError):
    """The server refused the request (4xx other than 429); retrying will not help."""

    reason = "rejected"


class SchemaUnsupportedError(LLMRejectedError):
    """The server refused `response_format={"type": "json_schema"}`; plain JSON mode works."""

    reason = "schema_unsupported"


class LLMResponseError(LLMError):
    """An answer arrived but cannot be used as a distillation."""

    reason = "bad_response"


class GuardRejectedError(LLMError):
    """The answer states something the message does not: `findings` says what."""

    reason = "guard"

    def __init__(self, message: str, findings: Sequence[Finding]) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


class CircuitOpenError(LLMError):
    """Recent calls failed in a row; the LLM is skipped until the breaker's reset time."""

    reason = "circuit_open"

"""distiller.llm: the LLM engine, its faithfulness guard, and what keeps it honest and up.

from distiller.llm import LLMEngine
engine = LLMEngine(api_key=key, base_url="http://localhost:11434/v1", model="llama3.1")
result = engine.distill(text, spec)   # result.engine is "llm:llama3.1", or "offline" + a note
engine.stats                          # calls, tokens, cost, fallbacks by reason, for /metrics
"""

from .breaker import BreakerState, CircuitBreaker
from .cache import DistillationCache, cache_key
from .chat import ChatCaller, Completion
from .config import (
    DEFAULT_BASE_URL,
    DEFAULT_BREAKER_FAILURES,
    DEFAULT_BREAKER_RESET_SECONDS,
    DEFAULT_CACHE_SIZE,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MODEL,
    DEFAULT_TEMPERATURE,
    DEFAULT_TIMEOUT_SECONDS,
)
from .engine import LLMEngine
from .errors import (
    CircuitOpenError,
    GuardRejectedError,
    LLMConfigError,
    LLMConnectionError,
    LLMError,
    LLMRateLimitError,
    LLMRejectedError,
    LLMRequestError,
    LLMResponseError,
    LLMServerError,
    LLMTimeoutError,
    SchemaUnsupportedError,
)
from .guard import Finding, FindingKind, SourceFacts, check_output
from .parse import Draft, DraftAsk, parse_draft, repair_json
from .pricing import DEFAULT_PRICES, Price, cost_usd, price_for
from .prompt import RESPONSE_FORMAT, RESPONSE_SCHEMA, Prompt, build_prompt, neutralise_tags
from .stats import CallUsage, LLMStats

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_BREAKER_FAILURES",
    "DEFAULT_BREAKER_RESET_SECONDS",
    "DEFAULT_CACHE_SIZE",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MODEL",
    "DEFAULT_PRICES",
    "DEFAULT_TEMPERATURE",
    "DEFAULT_TIMEOUT_SECONDS",
    "RESPONSE_FORMAT",
    "RESPONSE_SCHEMA",
    "BreakerState",
    "CallUsage",
    "ChatCaller",
    "CircuitBreaker",
    "CircuitOpenError",
    "Completion",
    "DistillationCache",
    "Draft",
    "DraftAsk",
    "Finding",
    "FindingKind",
    "GuardRejectedError",
    "LLMConfigError",
    "LLMConnectionError",
    "LLMEngine",
    "LLMError",
    "LLMRateLimitError",
    "LLMRejectedError",
    "LLMRequestError",
    "LLMResponseError",
    "LLMServerError",
    "LLMStats",
    "LLMTimeoutError",
    "Price",
    "Prompt",
    "SchemaUnsupportedError",
    "SourceFacts",
    "build_prompt",
    "cache_key",
    "check_output",
    "cost_usd",
    "neutralise_tags",
    "parse_draft",
    "price_for",
    "repair_json",
]

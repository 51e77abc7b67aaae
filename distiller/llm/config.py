"""Defaults of the LLM engine, as named constants in one place.

api/ reads the environment (OPENAI_API_KEY, OPENAI_BASE_URL, DISTILLER_MODEL, ...) and passes
values to `LLMEngine`; anything it leaves out falls back to these.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_BREAKER_FAILURES",
    "DEFAULT_BREAKER_RESET_SECONDS",
    "DEFAULT_CACHE_SIZE",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MODEL",
    "DEFAULT_TEMPERATURE",
    "DEFAULT_TIMEOUT_SECONDS",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
# The whole LLM part of one distillation (every attempt, every Retry-After wait, the repair
# request) fits in this; past it the reader gets the offline result. The Slack shortcut
# answers ephemerally "in seconds", so this is seconds, not the client's 10-minute default.
DEFAULT_TIMEOUT_SECONDS = 15.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_CACHE_SIZE = 512
DEFAULT_BREAKER_FAILURES = 5
DEFAULT_BREAKER_RESET_SECONDS = 60.0
# Summaries should be reproducible; None leaves it to the server (reasoning models refuse 0).
DEFAULT_TEMPERATURE: float | None = 0.0

# Backoff between retries when the server sends no Retry-After: 0.5 s, 1 s, 2 s ... capped.
BACKOFF_INITIAL_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 8.0
# Completion tokens allowed per request: the JSON around a summary of `budget` tokens costs
# about as much again as the summary, plus a fixed allowance for keys and punctuation.
COMPLETION_TOKENS_PER_BUDGET_TOKEN = 2
COMPLETION_TOKENS_OVERHEAD = 512

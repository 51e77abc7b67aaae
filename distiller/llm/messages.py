"""Every note, error and log message of the LLM engine, in one place to be read together.

Notes end up in `Distillation.notes`, which the reader sees: they say what happened in words a
Slack user understands. Errors say what to change.
"""

from __future__ import annotations

# --- configuration errors (raised by the constructor) ---
NO_API_KEY = (
    "no API key for the LLM engine: pass api_key= (api/ reads OPENAI_API_KEY), or pass a "
    "ready openai.OpenAI client; for a local server that ignores keys, pass any string"
)
NO_MODEL = "no model name: pass model= (api/ reads DISTILLER_MODEL), e.g. 'gpt-4o-mini'"
BAD_TIMEOUT = "timeout must be a number of seconds above 0, got {value!r}"
BAD_RETRIES = "max_retries must be 0 or more, got {value!r}"
BAD_BREAKER = (
    "the circuit breaker needs failures >= 1 and reset seconds >= 0, "
    "got failures={failures!r}, reset={reset!r}"
)
CLIENT_AND_SETTINGS = (
    "pass either client= or api_key=/base_url=/max_retries=, not both: "
    "configure the openai.OpenAI client you pass"
)

# --- request errors (wrapped openai.* errors; they end in a fallback note) ---
TIMEOUT = "no answer within {seconds:g}s"
RATE_LIMITED = "rate limited (429) after {attempts} attempt(s)"
RETRY_AFTER_TOO_LONG = (
    "rate limited (429): the server asked to wait {wait:g}s, past the {left:.1f}s left"
)
SERVER_ERROR = "server error {status} after {attempts} attempt(s)"
CONNECTION = "cannot reach {base_url}: {detail}"
REJECTED = "the server refused the request ({status}): {detail}"
SCHEMA_UNSUPPORTED = "the server does not support response_format json_schema: {detail}"
UNEXPECTED = "unexpected {kind}: {detail}"

# --- response errors ---
NO_CHOICES = "the reply had no choices"
EMPTY_REPLY = "the reply was empty"
REFUSED = "the model refused: {detail}"
CUT_OFF = "the reply was cut off at the completion token limit"
NOT_JSON = "the reply is not a JSON object ({detail})"
BAD_SHAPE = "the reply's JSON does not have the distillation's shape ({detail})"

# --- guard findings (the guard's words for each kind) ---
FINDINGS = {
    "number": "number '{value}' not in source",
    "link": "link '{value}' not in source",
    "mention": "mention '{value}' not in source",
    "identifier": "identifier '{value}' not in source",
    "date": "date '{value}' not in source",
    "budget": "output over the token budget ({value})",
    "owner": "ask owner '{value}' not named in source",
    "instruction": "phrase '{value}' follows instructions, not in source",
    "leak": "output repeats the system prompt ('{value}')",
}
GUARD_REJECTED = "guard rejected {findings}"

# --- notes on results ---
FALLBACK = "llm fallback: {reason}"
CIRCUIT_OPEN = "the LLM is paused for {seconds:.0f}s after {failures} failed calls in a row"
REPAIRED = "llm: first reply corrected after: {problems}"
BULLETS_DROPPED = "llm: {count} bullet(s) dropped to fit the {budget}-token budget"
REDACTED = "{count} secret(s) redacted before distilling"

# --- logs ---
LOG_FALLBACK = "LLM engine %s fell back to %s: %s"
LOG_UNEXPECTED = "LLM engine %s failed unexpectedly; answering with the fallback engine"
LOG_CALL = "LLM call model=%s prompt_tokens=%d completion_tokens=%d cost_usd=%.6f seconds=%.3f"
LOG_SCHEMA_OFF = "%s rejected response_format json_schema; using plain JSON mode from now on"
LOG_RETRY = "LLM request failed (%s); retry %d in %.2fs"

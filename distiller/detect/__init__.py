"""Detection of verbose agent-written Slack messages.

    from distiller.detect import detect, detect_many, Detection, DEFAULT_THRESHOLD

`detect(message)` scores one message (a `Message` or its mrkdwn text): `agent_score` (style model
fitted by `bench/fit_detector.py` plus Slack metadata and layout), `verbosity_score` (length,
facts per 100 tokens, repetition, padding), `verbose_agent` and readable `reasons`.
`detect_many` does the same for a batch, faster. Text only: no embeddings, no network.
"""

from __future__ import annotations

from .detection import DEFAULT_THRESHOLD, Detection, detect, detect_many
from .verbosity import MIN_VERBOSE_TOKENS, VERBOSITY_GATE

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_VERBOSE_TOKENS",
    "VERBOSITY_GATE",
    "Detection",
    "detect",
    "detect_many",
]

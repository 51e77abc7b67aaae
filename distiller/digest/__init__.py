"""The digest engine: a channel's messages for a window → one `Digest` for one reader.

    from distiller.digest import DigestEngine, DigestMessage, DigestRequest
    digest = DigestEngine(OfflineEngine(), HashingEmbedder()).build(messages, request)
    digest.render_mrkdwn(); digest.to_sections(); digest.render_text()

Pure like the rest of `distiller`: no Slack, no HTTP, no settings. The collector (api/) turns
Slack history into `DigestMessage`s and says what it could not read; the engine groups them into
topics (threads, plus top-level messages clustered by meaning and time), distills verbose agent
posts and then each shown topic for the reader, ranks, folds what does not fit, and states its
coverage.
"""

from __future__ import annotations

from .build import DEFAULT_TOPIC_BUDGET, DigestEngine
from .cluster import ClusterOptions
from .inputs import (
    DEFAULT_DIGEST_BUDGET,
    DEFAULT_MAX_TOPICS,
    DigestMessage,
    DigestRequest,
    Skipped,
)
from .rank import RankWeights
from .render import SECTION_CHARS
from .result import (
    ActionItem,
    Attention,
    Coverage,
    Decision,
    Digest,
    DigestTopic,
    FoldedTopic,
)
from .summarize import DEFAULT_AGENT_BUDGET

__all__ = [
    "DEFAULT_AGENT_BUDGET",
    "DEFAULT_DIGEST_BUDGET",
    "DEFAULT_MAX_TOPICS",
    "DEFAULT_TOPIC_BUDGET",
    "SECTION_CHARS",
    "ActionItem",
    "Attention",
    "ClusterOptions",
    "Coverage",
    "Decision",
    "Digest",
    "DigestEngine",
    "DigestMessage",
    "DigestRequest",
    "DigestTopic",
    "FoldedTopic",
    "RankWeights",
    "Skipped",
]

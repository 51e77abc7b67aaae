"""Reading the collector's messages into topics' raw material: clean, window, threads.

`prepare` de-duplicates, drops empty messages, redacts secrets and applies the window (a
thread active in the window keeps its earlier messages as context). `split_threads` returns the
threads and the top-level messages left for clustering (cluster.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..redact import redact_secrets
from . import messages as wording
from .inputs import DigestMessage, Skipped

__all__ = ["Prepared", "TopicGroup", "prepare", "split_threads"]


@dataclass
class TopicGroup:
    """Messages that form one topic, in time order; `key` is stable across runs."""

    key: str
    kind: Literal["thread", "conversation"]
    messages: list[DigestMessage]
    notes: list[str] = field(default_factory=list)

    @property
    def first(self) -> DigestMessage:
        return self.messages[0]


@dataclass
class Prepared:
    """Messages ready to group (window and context), with what was skipped and redacted."""

    messages: list[DigestMessage]
    in_window: int
    context: int
    skipped: list[Skipped]
    redactions: int


def _engine_skip(what: str, count: int, reason: str) -> Skipped:
    return Skipped(what=what, count=count, reason=reason, source="engine")


def prepare(messages: Iterable[DigestMessage], start: float, end: float) -> Prepared:
    """Clean and window the messages; every message left out is counted with its reason."""
    seen: set[tuple[str | None, str]] = set()
    unique: list[DigestMessage] = []
    duplicates = empty = redactions = 0
    for message in messages:
        key = (message.channel, message.ts)
        if key in seen:
            duplicates += 1  # pagination overlaps and retries hand the same message twice
            continue
        seen.add(key)
        if not message.text.strip():
            empty += 1
            continue
        redacted = redact_secrets(message.text)
        if redacted.findings:
            redactions += len(redacted.findings)
            message = message.model_copy(update={"text": redacted.text})
        unique.append(message)

    def thread_of(m: DigestMessage) -> str | None:
        return (m.thread_ts or m.ts) if m.is_reply or m.reply_count else None

    active = {t for m in unique if start <= m.time < end and (t := thread_of(m)) is not None}
    kept: list[DigestMessage] = []
    before = after = in_window = context = 0
    for message in unique:
        if message.time >= end:
            after += 1
        elif message.time >= start:
            kept.append(message)
            in_window += 1
        elif thread_of(message) in active or message.ts in active:
            kept.append(message)  # the thread's start, for context: a reply alone is a riddle
            context += 1
        else:
            before += 1
    kept.sort(key=lambda m: (m.time, m.ts))
    skipped = [
        _engine_skip("messages", n, reason)
        for n, reason in (
            (duplicates, wording.SKIP_DUPLICATE),
            (empty, wording.SKIP_EMPTY),
            (before, wording.SKIP_BEFORE),
            (after, wording.SKIP_AFTER),
        )
        if n
    ]
    return Prepared(kept, in_window, context, skipped, redactions)


def split_threads(
    messages: list[DigestMessage],
) -> tuple[list[TopicGroup], list[DigestMessage], list[Skipped]]:
    """Threads (parent and replies, or replies whose parent is outside the input) and the
    top-level messages with no replies, which are left to clustering."""
    threads: dict[str, list[DigestMessage]] = {}
    for message in messages:
        if message.is_reply:
            threads.setdefault(message.thread_ts or message.ts, []).append(message)
    singles: list[DigestMessage] = []
    missing = 0
    for message in messages:
        if message.is_reply:
            continue
        if message.ts in threads:
            threads[message.ts].insert(0, message)
        elif message.reply_count:
            # Slack says there are replies but none were handed over: a topic of its own, and
            # the coverage says the replies were not read.
            threads[message.ts] = [message]
            missing += 1
        else:
            singles.append(message)
    groups = [
        TopicGroup(key=f"t:{key}", kind="thread", messages=sorted(items, key=lambda m: m.time))
        for key, items in threads.items()
    ]
    groups.sort(key=lambda g: (g.first.time, g.key))
    skipped = [_engine_skip("threads", missing, wording.SKIP_MISSING_REPLIES)] if missing else []
    return groups, singles, skipped

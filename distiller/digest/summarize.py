"""One topic, distilled for one reader: verbose agent posts first, then the conversation.

A verbose agent post (distiller.detect) is cut to its point before the topic is distilled, so
the topic's summary weighs what the agent said, not how long it took to say it. Asks are left
out of the summary (the digest lists them under Action items) and their room handed back. An
incident thread gets a "Latest:" point: on-call needs where it stands, not how it started.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..asks import is_ask
from ..compress import boilerplate_kind, compress_with_facts
from ..detect import MIN_VERBOSE_TOKENS, detect_many
from ..engine import MAX_BUDGET_TOKENS, Engine, ReaderSpec
from ..errors import DistillerError
from ..facts import extract_facts
from ..mrkdwn import parse_units, to_plain
from ..offline import fit_text
from ..result import Distillation
from ..tokens import count_tokens
from ..words import content_words
from . import messages as wording
from .grouping import TopicGroup
from .inputs import Skipped
from .signals import speaker

__all__ = ["DEFAULT_AGENT_BUDGET", "Summary", "TopicSummarizer"]

# A verbose agent post is cut to about this before its topic is distilled.
DEFAULT_AGENT_BUDGET = 60
# The "Latest:" point of an incident thread: from threads this long, at most this many tokens,
# from a message with at least this many content words ("ok thanks" says nothing of the state).
MIN_LATEST_THREAD = 3
LATEST_TOKENS = 30
MIN_LATEST_WORDS = 3

Row = dict[str, str | None]


@dataclass
class Summary:
    """A topic's summary and points, and what it took to make them."""

    summary: str
    points: list[str]
    agent_posts: int = 0
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _tokens(text: str) -> int:
    return count_tokens(to_plain(text))


class TopicSummarizer:
    """Distills topics with `engine`; `detect_threshold` is passed to distiller.detect."""

    def __init__(
        self,
        engine: Engine,
        *,
        agent_budget_tokens: int = DEFAULT_AGENT_BUDGET,
        detect_threshold: float | None = None,
        latest_line: bool = True,
    ) -> None:
        self.engine = engine
        self.agent_budget_tokens = agent_budget_tokens
        self.detect_threshold = detect_threshold
        self.latest_line = latest_line

    def summarize(
        self, group: TopicGroup, spec: ReaderSpec, budget: int, *, incident: bool, title: str
    ) -> Summary:
        """The topic's summary within `budget` tokens (asks excluded) for the reader's `spec`.

        An engine error gives the title as the summary and a note, never an exception.
        """
        texts, agent_posts = self._agent_posts_distilled(group, spec)
        rows = _rows(group, texts)
        rows, dropped = _fit_rows(rows, self.engine.max_input_chars)
        skipped = []
        if dropped:
            skipped.append(
                Skipped(
                    what="messages", count=dropped, reason=wording.SKIP_OVERSIZE, source="engine"
                )
            )
        # Only for incidents: elsewhere the last word is rarely the point (on DialogSum a
        # "Latest:" line on every thread cost 2 ROUGE-1 points).
        latest = _latest(group) if self.latest_line and incident else None
        if latest:
            budget -= _tokens(latest) + 2
        try:
            result = self._without_asks(rows, spec, budget)
        except DistillerError as exc:
            return Summary(title, [], agent_posts, [f"{title}: {exc}"], skipped)
        points = list(result.bullets)
        if latest and not _covered(latest, [result.tldr, *points]):
            points.append(latest)
        return Summary(result.tldr, points, agent_posts, [], skipped)

    def _agent_posts_distilled(self, group: TopicGroup, spec: ReaderSpec) -> tuple[list[str], int]:
        """Message texts with each verbose agent post replaced by its distillation."""
        messages = group.messages
        texts = [m.text for m in messages]
        # Detection reads style from at least MIN_VERBOSE_TOKENS tokens; shorter is never verbose.
        long = [i for i, m in enumerate(messages) if count_tokens(m.text) >= MIN_VERBOSE_TOKENS]
        verdicts = detect_many([messages[i] for i in long], self.detect_threshold)
        agent_spec = ReaderSpec(
            budget_tokens=self.agent_budget_tokens,
            max_bullets=4,
            focus=spec.focus,
            avoid=spec.avoid,
            keep_identifiers=spec.keep_identifiers,
        )
        distilled = 0
        for index, verdict in zip(long, verdicts, strict=True):
            if verdict.verbose_agent:
                result = self.engine.distill(texts[index], agent_spec)
                lines = [result.tldr, *result.bullets, *(a.text for a in result.asks)]
                texts[index] = "\n".join(
                    line if n == 0 else f"- {line}" for n, line in enumerate(lines)
                )
                distilled += 1
        return texts, distilled

    def _without_asks(self, rows: list[Row], spec: ReaderSpec, budget: int) -> Distillation:
        """Distill with `budget` tokens for everything but asks: the engine fits asks first, so
        their room is handed back (at most three tries)."""
        extra = 0
        result = self.engine.distill(rows, spec.model_copy(update={"budget_tokens": budget}))
        for _ in range(2):
            needed = _tokens("\n".join(a.text for a in result.asks))
            needed += 4 if result.asks else 0  # the "Asks:" label and line ends
            if needed <= extra:
                break
            extra = needed
            wider = min(MAX_BUDGET_TOKENS, budget + extra)
            result = self.engine.distill(rows, spec.model_copy(update={"budget_tokens": wider}))
        return result


def _rows(group: TopicGroup, texts: list[str]) -> list[Row]:
    messages = group.messages
    rows: list[Row] = [
        {"user": speaker(m), "text": text, "ts": m.ts}
        for m, text in zip(messages, texts, strict=True)
        # "+1", "ok", "lol": they count as taking part, but say nothing to summarise.
        if content_words(text) or any(extract_facts(text)[k] for k in ("links", "mentions"))
    ]
    return rows or [{"user": speaker(messages[0]), "text": texts[0], "ts": messages[0].ts}]


def _latest(group: TopicGroup) -> str | None:
    """'Latest: <@U2>: Rolled back, error rate back to 0.3%.' for an incident thread of 3+
    messages: on-call needs where it stands now, and a summary leans to how it started."""
    if group.kind != "thread" or len(group.messages) < MIN_LATEST_THREAD:
        return None
    for message in reversed(group.messages[1:]):
        for unit in parse_units(message.text):
            if unit.kind in ("code", "heading") or boilerplate_kind(unit.text):
                continue
            if is_ask(unit.text, unit.section):
                continue  # listed under Action items already
            text, _ = compress_with_facts(unit.text, aggressive=True)
            if len(content_words(text)) >= MIN_LATEST_WORDS:
                who = speaker(message)
                line = f"{who}: {text}" if who else text
                return wording.LATEST.format(text=fit_text(line, LATEST_TOKENS))
    return None


def _covered(line: str, parts: list[str]) -> bool:
    words = set(content_words(line.split(":", 1)[-1]))
    shown = set(content_words(" ".join(parts)))
    return len(words - shown) <= len(words) // 4


def _fit_rows(
    rows: list[dict[str, str | None]], limit: int
) -> tuple[list[dict[str, str | None]], int]:
    """Keep the first message and as many of the latest as fit under `limit` characters."""
    size = sum(len(r["text"] or "") for r in rows)
    if size <= limit:
        return rows, 0
    kept = [rows[0]]
    room = limit - len(rows[0]["text"] or "")
    tail: list[dict[str, str | None]] = []
    for row in reversed(rows[1:]):
        cost = len(row["text"] or "")
        if cost > room:
            break
        tail.append(row)
        room -= cost
    kept.extend(reversed(tail))
    return kept, len(rows) - len(kept)

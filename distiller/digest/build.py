"""`DigestEngine`: a channel's messages for a window → one `Digest` for one reader.

    digest = DigestEngine(OfflineEngine(), HashingEmbedder()).build(messages, request)

Steps: prepare (de-duplicate, redact, window) → topics (threads, plus top-level messages
clustered by meaning and time) → read each topic's signals once and rank → walk the ranking:
distill the topic's verbose agent posts, then the topic for the reader, and show it while the
budget allows; the rest fold into "N more topics" with links → TL;DR last. Only shown topics are
distilled, so a 10,000-message day costs one reading pass plus a few distillations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..embed import Embedder, HashingEmbedder
from ..engine import Engine, ReaderSpec, default_budget
from ..mrkdwn import to_plain
from ..offline import OfflineEngine
from ..tokens import count_tokens
from ..words import content_words
from . import messages as wording
from .cluster import ClusterOptions, cluster_messages
from .grouping import Prepared, TopicGroup, prepare, split_threads
from .inputs import DigestMessage, DigestRequest, Skipped
from .rank import DEFAULT_RANK_WEIGHTS, RankWeights, importance
from .render import (
    action_line,
    attention_line,
    content_tokens,
    decision_line,
    slack_link,
    topic_text,
)
from .result import ActionItem, Attention, Coverage, Decision, Digest, DigestTopic, FoldedTopic
from .signals import TopicSignals, scan_topic
from .summarize import DEFAULT_AGENT_BUDGET, TopicSummarizer
from .tldr import compose_tldr, quiet_tldr

__all__ = ["DEFAULT_TOPIC_BUDGET", "DigestEngine"]

# Tokens for one topic's summary when the reader's spec names no budget: two or three lines.
DEFAULT_TOPIC_BUDGET = 90
# Below this a topic summary is a fragment: fold the topic instead.
MIN_TOPIC_BUDGET = 24
# Items of each kind (decisions, needs attention, action items) listed per topic; the rest are
# counted in the notes with the topic's link.
ITEMS_PER_TOPIC = 3
# The TL;DR's share of the budget, and its bounds in tokens.
TLDR_SHARE, TLDR_MIN, TLDR_MAX = 0.15, 30, 120
# A section's title line and the blank line before it, in tokens.
SECTION_OVERHEAD = 4


@dataclass
class _Ranked:
    group: TopicGroup
    found: TopicSignals
    importance: float
    reasons: list[str]

    @property
    def permalink(self) -> str | None:
        return next((m.permalink for m in self.group.messages if m.permalink), None)


@dataclass
class _Shown:
    topic: DigestTopic
    decisions: list[Decision]
    attention: list[Attention]
    actions: list[ActionItem]
    notes: list[str] = field(default_factory=list)


def _tokens(text: str) -> int:
    return count_tokens(to_plain(text))


class DigestEngine:
    """Builds digests with a distillation engine and an embedder, both passed in (neither is
    loaded at import). Deterministic for deterministic parts: same input, same digest."""

    def __init__(
        self,
        engine: Engine | None = None,
        embedder: Embedder | None = None,
        *,
        cluster: ClusterOptions | None = None,
        weights: RankWeights = DEFAULT_RANK_WEIGHTS,
        topic_budget_tokens: int | None = None,
        agent_budget_tokens: int = DEFAULT_AGENT_BUDGET,
        detect_threshold: float | None = None,
        latest_line: bool = True,
    ) -> None:
        self.engine = engine or OfflineEngine()
        self.embedder = embedder or HashingEmbedder()
        self.cluster = cluster or ClusterOptions()
        self.weights = weights
        self.topic_budget_tokens = topic_budget_tokens
        self.summarizer = TopicSummarizer(
            self.engine,
            agent_budget_tokens=agent_budget_tokens,
            detect_threshold=detect_threshold,
            latest_line=latest_line,
        )

    def build(self, messages: Iterable[DigestMessage], request: DigestRequest) -> Digest:
        """One digest of `messages` for `request`'s window and reader.

        Messages outside the window, duplicates and empty ones are counted in the coverage,
        never silently dropped. A window with no message gives a digest that says so.
        """
        start, end = request.bounds
        prepared = prepare(messages, start, end)
        skipped = [*request.skipped, *prepared.skipped]
        if not prepared.in_window:
            return self._quiet(request, prepared, skipped)
        threads, singles, thread_skips = split_threads(prepared.messages)
        skipped.extend(thread_skips)
        conversations = [
            TopicGroup(key=f"c:{items[0].ts}", kind="conversation", messages=items)
            for items in cluster_messages(singles, self.embedder, self.cluster)
        ]
        ranked = self._rank([*threads, *conversations], request.spec)
        shown, agent_posts = self._walk(ranked, request, skipped)
        coverage = self._coverage(request, prepared, skipped, len(ranked), agent_posts)
        coverage.threads_read = sum(1 for g in threads if len(g.messages) > 1)
        digest = self._assemble(request, coverage, ranked, shown)
        # The walk budgets with estimates; the rendering has the last word. Fold from the
        # bottom until it fits (rarely more than once, if ever).
        while digest.tokens > request.budget_tokens and shown:
            shown = shown[:-1]
            digest = self._assemble(request, coverage, ranked, shown)
        return digest

    def _assemble(
        self, request: DigestRequest, coverage: Coverage, ranked: list[_Ranked], shown: list[_Shown]
    ) -> Digest:
        folded = [
            FoldedTopic(
                title=r.found.title,
                permalink=r.permalink,
                importance=r.importance,
                signals=r.reasons,
            )
            for r in ranked[len(shown) :]
        ]
        digest = Digest(
            channel=request.channel,
            coverage=coverage,
            tldr="",
            topics=[s.topic for s in shown],
            decisions=[d for s in shown for d in s.decisions],
            attention=[a for s in shown for a in s.attention],
            action_items=[a for s in shown for a in s.actions],
            folded=folded,
            budget_tokens=request.budget_tokens,
            persona=request.spec.persona,
            notes=[n for s in shown for n in s.notes],
        )
        digest.tldr = compose_tldr(digest, len(ranked), self._tldr_room(request.budget_tokens))
        digest.tokens = content_tokens(digest)
        return digest

    # -- ranking -----------------------------------------------------------------------------

    def _rank(self, groups: Sequence[TopicGroup], spec: ReaderSpec) -> list[_Ranked]:
        focus = frozenset(content_words(" ".join(spec.focus)))
        avoid = frozenset(content_words(" ".join(spec.avoid))) - focus
        ranked = []
        for group in groups:
            found = scan_topic(group, focus, avoid)
            score, reasons = importance(group, found, self.weights)
            ranked.append(_Ranked(group, found, score, reasons))
        # Ties go to the earlier topic, then the key: the order never depends on input order.
        ranked.sort(key=lambda r: (-r.importance, r.group.first.time, r.group.key))
        return ranked

    # -- the budget walk ---------------------------------------------------------------------

    @staticmethod
    def _tldr_room(budget: int) -> int:
        return max(TLDR_MIN, min(TLDR_MAX, round(budget * TLDR_SHARE)))

    def _walk(
        self, ranked: list[_Ranked], request: DigestRequest, skipped: list[Skipped]
    ) -> tuple[list[_Shown], int]:
        """Distill and keep topics in rank order while they fit; stop at the first that does
        not, so a less important topic is never shown while a more important one is folded."""
        room = request.budget_tokens - self._tldr_room(request.budget_tokens)
        wanted = self.topic_budget_tokens or request.spec.budget_tokens or DEFAULT_TOPIC_BUDGET
        shown: list[_Shown] = []
        started: set[str] = set()
        agent_posts = 0
        for item in ranked[: request.max_topics]:
            entry = self._items(item)
            lists = {
                "decisions": [decision_line(d, False) for d in entry.decisions],
                "attention": [attention_line(a, False) for a in entry.attention],
                "actions": [action_line(a, False) for a in entry.actions],
            }
            items_cost = sum(_tokens(line) for lines in lists.values() for line in lines)
            items_cost += SECTION_OVERHEAD * sum(
                1 for k, v in lists.items() if v and k not in started
            )
            head = _tokens(item.found.title + " (" + ", ".join(item.reasons) + ")") + 2
            if not (self.topic_budget_tokens or request.spec.budget_tokens):
                # Like the engine's own default: short conversations get short summaries.
                size = sum(count_tokens(m.text) for m in item.group.messages)
                wanted = min(DEFAULT_TOPIC_BUDGET, default_budget(size))
            budget = min(wanted, room - items_cost - head)
            if budget < MIN_TOPIC_BUDGET:
                break
            made = self.summarizer.summarize(
                item.group,
                request.spec,
                budget,
                incident=item.found.incident,
                title=item.found.title,
            )
            entry.topic = self._topic(item, made.summary, made.points)
            cost = _tokens(topic_text(entry.topic, markup=False)) + 2 + items_cost
            if cost > room:
                break
            skipped.extend(made.skipped)
            agent_posts += made.agent_posts
            entry.notes.extend(made.notes)
            room -= cost
            started.update(k for k, v in lists.items() if v)
            shown.append(entry)
        return shown, agent_posts

    @staticmethod
    def _items(item: _Ranked) -> _Shown:
        found, title, link = item.found, item.found.title, item.permalink
        attention = list(found.attention)
        if found.incident and not found.incident_resolved:
            text = f"{title}: no resolution reported"
            attention.insert(0, Attention(kind="incident", text=text, permalink=link))
        # Open asks with an owner and a deadline first: those are the ones someone must act on.
        actions = sorted(found.asks, key=lambda a: (a.done, a.owner is None, a.due is None))
        notes = []
        lists: list[Sequence[Decision | Attention | ActionItem]] = [
            found.decisions,
            attention,
            actions,
        ]
        for name, items in zip(
            ("decisions", "attention items", "action items"), lists, strict=True
        ):
            if len(items) > ITEMS_PER_TOPIC:
                more = len(items) - ITEMS_PER_TOPIC
                notes.append(
                    wording.MORE_ITEMS.format(count=more, what=name, topic=slack_link(link, title))
                )
        decisions = [d.model_copy(update={"topic": title}) for d in found.decisions]
        return _Shown(
            topic=DigestTopic(title=title, summary="", importance=0),
            decisions=decisions[:ITEMS_PER_TOPIC],
            attention=[a.model_copy(update={"topic": title}) for a in attention][:ITEMS_PER_TOPIC],
            actions=[a.model_copy(update={"topic": title}) for a in actions][:ITEMS_PER_TOPIC],
            notes=notes,
        )

    # -- distillation ------------------------------------------------------------------------

    @staticmethod
    def _topic(item: _Ranked, summary: str, points: list[str]) -> DigestTopic:
        messages = item.group.messages
        return DigestTopic(
            title=item.found.title,
            summary=summary,
            points=points,
            permalink=item.permalink,
            participants=item.found.participants,
            importance=item.importance,
            signals=item.reasons,
            messages=len(messages),
            kind=item.group.kind,
            first_ts=messages[0].ts,
            last_ts=messages[-1].ts,
        )

    # -- coverage ----------------------------------------------------------------------------

    @staticmethod
    def _coverage(
        request: DigestRequest,
        prepared: Prepared,
        skipped: list[Skipped],
        topics: int,
        agent_posts: int,
    ) -> Coverage:
        return Coverage(
            start=request.start,
            end=request.end,
            timezone=request.timezone,
            messages_read=prepared.in_window,
            threads_read=0,
            context_messages=prepared.context,
            topics=topics,
            agent_messages_distilled=agent_posts,
            redactions=prepared.redactions,
            skipped=skipped,
        )

    def _quiet(self, request: DigestRequest, prepared: Prepared, skipped: list[Skipped]) -> Digest:
        coverage = self._coverage(request, prepared, skipped, 0, 0)
        digest = Digest(
            channel=request.channel,
            coverage=coverage,
            quiet=True,
            tldr=quiet_tldr(request),
            budget_tokens=request.budget_tokens,
            persona=request.spec.persona,
        )
        digest.tokens = content_tokens(digest)
        return digest
